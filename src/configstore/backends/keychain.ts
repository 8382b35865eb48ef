// The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
// @napi-rs/keyring: maintained, prebuilt for every platform, no compiler or libsecret needed
// (keytar is archived and needs both here).
//
// Two traps shape this file. The binding's getPassword answers null for ANY failure (locked keyring,
// no daemon), so "absent" and "broken" look alike: a probe (write, read back, delete a random value)
// decides once per process whether the keychain works, and a broken one throws "unavailable" with
// the reason instead of pretending the key is not there. A value read back needs no probe: it proves
// the keychain works, which keeps the warm path to one round trip. And with no D-Bus session the
// default Linux store silently falls back to the kernel keyutils store (gone on reboot, flaky as
// root): the Secret Service store is pinned on Linux.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ConfigStoreError } from "../errors.js";
import type { Backend } from "../types.js";

export type KeychainProbe = { available: true; store: string } | { available: false; reason: string };

export interface KeychainOptions {
  /** The service name entries are filed under (one per application). */
  service: string;
  /** Linux store; pinned to the Secret Service by default. */
  linuxStore?: "secret-service" | "keyutils";
  /**
   * Milliseconds one keychain operation may take. Default 10000: a busy keyring (32 processes at
   * once) can take seconds, so this only stops a daemon that hangs, well before libdbus gives up
   * (25 s per call). A bus that never answers at all is found first, in 1.5 s (`silentSessionBus`).
   */
  timeoutMs?: number;
  platform?: NodeJS.Platform;
}

export interface KeychainBackend extends Backend {
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Whether the keychain works here, and why not. Runs once per process and options. */
  probe(): Promise<KeychainProbe>;
  /** Every entry under the service (Secret Service, macOS and Windows; throws when unavailable). */
  list(): Promise<{ key: string; value: string }[]>;
  /** For people: `Secret Service`, `macOS Keychain`, `Windows Credential Manager`. */
  readonly location: string;
}

export class KeychainUnavailableError extends ConfigStoreError {
  override name = "KeychainUnavailableError";
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("KEYCHAIN_UNAVAILABLE", `the OS keychain is unavailable: ${reason}`, options);
  }
}

type Binding = typeof import("@napi-rs/keyring");

const probes = new Map<string, Promise<KeychainProbe>>();
/** Native keychain calls past their deadline that still run: the binding cannot cancel a blocked one. */
let hungCalls = 0;

/**
 * How many keychain calls passed their deadline and are still blocked in the native binding. Each
 * keeps Node's event loop alive until the OS gives up: a program that is done should exit explicitly.
 */
export function hungKeychainCalls(): number {
  return hungCalls;
}

/**
 * Runs a native keychain call with a deadline the binding's own AbortSignal does not give: a call
 * already blocked in D-Bus ignores the signal, so the caller stops waiting here instead.
 */
function withDeadline<T>(
  call: (signal: AbortSignal) => Promise<T>,
  ms: number,
  location: string,
): Promise<T> {
  const native = call(AbortSignal.timeout(ms));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      hungCalls += 1;
      native.then(
        () => (hungCalls -= 1),
        () => (hungCalls -= 1),
      );
      reject(
        new KeychainUnavailableError(
          `the ${location} did not answer within ${ms / 1000} s (a stale or hung D-Bus session or keyring daemon)`,
        ),
      );
    }, ms);
  });
  return Promise.race([native, deadline]).finally(() => clearTimeout(timer));
}
let binding: Promise<Binding> | undefined;

function loadBinding(): Promise<Binding> {
  // `require`, not `import()`: through its ES module loader Node 20 takes ~25 ms longer to load this
  // CommonJS binding, which every keychain cache hit pays (BENCHMARKS.md).
  binding ??= Promise.resolve().then(() => createRequire(import.meta.url)("@napi-rs/keyring") as Binding);
  return binding;
}

function locationOf(platform: NodeJS.Platform, store: string): string {
  if (platform === "darwin") return "macOS Keychain";
  if (platform === "win32") return "Windows Credential Manager";
  return store === "keyutils" ? "kernel keyutils" : "Secret Service";
}

const NO_SESSION_BUS = "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service";

/**
 * Why the Secret Service cannot be reached, known without loading the binding: on Linux, libdbus
 * finds the session bus only through DBUS_SESSION_BUS_ADDRESS or `$XDG_RUNTIME_DIR/bus` (X11
 * autolaunch is compiled out). Checked first so a headless CI job does not pay for the binding.
 */
function missingSessionBus(platform: NodeJS.Platform, store: string): string | undefined {
  if (platform !== "linux" || store !== "secret-service" || process.platform !== "linux") return undefined;
  const { DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime } = process.env;
  if (address || (runtime && existsSync(join(runtime, "bus")))) return undefined;
  return NO_SESSION_BUS;
}

/** Where a D-Bus address points: the first `unix:path=`, `unix:abstract=` or `tcp:` entry. */
function busSocket(address: string): { path: string } | { host: string; port: number } | undefined {
  for (const entry of address.split(";")) {
    const [transport, rest = ""] = entry.split(/:(.*)/s);
    const params = new Map(
      rest.split(",").map((pair) => {
        const [key = "", value = ""] = pair.split(/=(.*)/s);
        return [key, decodeURIComponent(value)] as const;
      }),
    );
    if (transport === "unix" && params.get("path")) return { path: params.get("path") as string };
    if (transport === "unix" && params.get("abstract")) return { path: `\0${params.get("abstract")}` };
    if (transport === "tcp" && params.get("port")) {
      return { host: params.get("host") || "localhost", port: Number(params.get("port")) };
    }
  }
  return undefined;
}

const busChecks = new Map<string, Promise<string | undefined>>();
/** How long the session bus has to answer D-Bus's authentication: a live one answers in milliseconds. */
const BUS_DEADLINE_MS = 1500;

/**
 * Why the session bus cannot be used, found without the binding: the binding connects to the bus
 * synchronously, on the main thread, when an entry is made, so a bus that accepts and never answers
 * (a stale forwarded socket, a hung daemon) would block the process for good. This opens the socket
 * and starts D-Bus's authentication (`AUTH EXTERNAL`); any answer within the deadline is a live bus.
 */
function silentSessionBus(platform: NodeJS.Platform, store: string, ms: number): Promise<string | undefined> {
  if (platform !== "linux" || store !== "secret-service" || process.platform !== "linux") {
    return Promise.resolve(undefined);
  }
  const { DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: runtime } = process.env;
  const where = address || (runtime ? `unix:path=${join(runtime, "bus")}` : "");
  const socket = busSocket(where);
  if (!socket) return Promise.resolve(undefined); // an address form the binding knows better
  let pending = busChecks.get(where);
  if (!pending) {
    pending = import("node:net").then(
      ({ connect }) =>
        new Promise<string | undefined>((resolve) => {
          const connection = connect(socket);
          const done = (reason: string | undefined) => {
            clearTimeout(timer);
            connection.destroy();
            resolve(reason);
          };
          const timer = setTimeout(
            () => done(`the D-Bus session bus (${where}) did not answer within ${ms / 1000} s`),
            ms,
          );
          connection.on("connect", () => {
            const uid = String(process.getuid?.() ?? 0);
            connection.write(`\0AUTH EXTERNAL ${Buffer.from(uid).toString("hex")}\r\n`);
          });
          connection.on("data", () => done(undefined));
          connection.on("error", (error: NodeJS.ErrnoException) =>
            done(`the D-Bus session bus (${where}) cannot be reached (${error.code ?? error.message})`),
          );
          connection.on("close", () => done(`the D-Bus session bus (${where}) closed the connection`));
        }),
    );
    busChecks.set(where, pending);
  }
  return pending;
}

function reasonOf(error: unknown): string {
  const message = String((error as Error)?.message ?? error)
    .split("\n")[0]
    ?.trim();
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(message ?? "")) {
    return NO_SESSION_BUS;
  }
  // A locked keyring asks for a prompt nobody can answer; a missing one needs a prompt to be created.
  if (/prompt was dismissed|locked|no result found/i.test(message ?? "")) {
    return "the keyring is locked or missing, and cannot be unlocked or created without a prompt";
  }
  return message || "unknown failure";
}

/**
 * A writable backend over the OS keychain. A key is an entry's account name under `service`.
 *
 * @example
 * const keychain = fromKeychain({ service: "my-app" });
 * const probe = await keychain.probe(); // { available: false, reason: "no D-Bus session …" } on a bare CI box
 */
export function fromKeychain(options: KeychainOptions): KeychainBackend {
  const platform = options.platform ?? process.platform;
  const store = options.linuxStore ?? "secret-service";
  const entryOptions = platform === "linux" ? { linux: { store } } : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const location = locationOf(platform, store);
  // Inside an operation's deadline, so a silent bus is reported as such rather than as a slow call.
  const busDeadlineMs = Math.min(BUS_DEADLINE_MS, Math.round(timeoutMs * 0.75));
  const bounded = <T>(call: (signal: AbortSignal) => Promise<T>) => withDeadline(call, timeoutMs, location);
  const probeKey = `${options.service}\0${store}`;

  const probe = (): Promise<KeychainProbe> => {
    let pending = probes.get(probeKey);
    if (!pending) {
      pending = (async (): Promise<KeychainProbe> => {
        const noBus =
          missingSessionBus(platform, store) ?? (await silentSessionBus(platform, store, busDeadlineMs));
        if (noBus) return { available: false, reason: noBus };
        try {
          const [{ AsyncEntry }, { randomBytes }] = await Promise.all([loadBinding(), import("node:crypto")]);
          const account = `probe-${randomBytes(8).toString("hex")}`;
          const value = randomBytes(16).toString("hex");
          const entry = new AsyncEntry(options.service, account, entryOptions);
          await bounded((signal) => entry.setPassword(value, signal));
          const read = await bounded((signal) => entry.getPassword(signal));
          await bounded((signal) => entry.deletePassword(signal));
          if (read !== value)
            return { available: false, reason: "a value written to the keychain did not read back" };
          return { available: true, store: locationOf(platform, store) };
        } catch (error) {
          return {
            available: false,
            reason: error instanceof KeychainUnavailableError ? error.reason : reasonOf(error),
          };
        }
      })();
      probes.set(probeKey, pending);
    }
    return pending;
  };

  const entry = async (key: string) => {
    const noBus =
      missingSessionBus(platform, store) ?? (await silentSessionBus(platform, store, busDeadlineMs));
    if (noBus) throw new KeychainUnavailableError(noBus);
    const { AsyncEntry } = await loadBinding();
    return new AsyncEntry(options.service, key, entryOptions);
  };

  // A failed operation is explained by the probe when it can be (its reason is the clearer one).
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw error;
      const result = await probe();
      throw new KeychainUnavailableError(result.available ? reasonOf(error) : result.reason, {
        cause: error,
      });
    }
  };

  return {
    name: "keychain",
    location,
    probe,
    async get(key) {
      const value = await guard(async () =>
        bounded(async (signal) => (await entry(key)).getPassword(signal)),
      );
      if (value !== null) return value; // a value read back proves the keychain works: no probe needed
      const result = await probe();
      if (!result.available) throw new KeychainUnavailableError(result.reason);
      return undefined;
    },
    async set(key, value) {
      await guard(async () => bounded(async (signal) => (await entry(key)).setPassword(value, signal)));
    },
    async delete(key) {
      return guard(async () => bounded(async (signal) => (await entry(key)).deletePassword(signal)));
    },
    async list() {
      const result = await probe();
      if (!result.available) throw new KeychainUnavailableError(result.reason);
      const { findCredentialsAsync } = await loadBinding();
      const found = await guard(() =>
        bounded((signal) => findCredentialsAsync(options.service, null, signal)),
      );
      return found
        .filter((c) => !c.account.startsWith("probe-"))
        .map((c) => ({ key: c.account, value: c.password }));
    },
  };
}
