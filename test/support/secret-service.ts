// A real Secret Service for tests: a private D-Bus session with an unlocked gnome-keyring in a
// throwaway HOME (../shared/notes/keychain.md). CI installs gnome-keyring, dbus-x11 and
// libsecret-tools, so these tests run there; elsewhere they skip and say why.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasCommand, spawnTied, type TiedProcess, waitForLine } from "./processes.js";
import { makeTempDir } from "./tmp.js";

export interface SecretService {
  /** Put these in a process's environment to use this Secret Service. */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  home: string;
  stop(): Promise<void>;
}

/** Why the Secret Service cannot run here, or undefined when it can. */
export function secretServiceUnavailable(): string | undefined {
  const missing = ["dbus-daemon", "gnome-keyring-daemon"].filter((c) => !hasCommand(c));
  if (process.platform !== "linux")
    return `the Secret Service tests need Linux (this is ${process.platform})`;
  if (missing.length > 0) {
    return `${missing.join(" and ")} not installed (apt-get install gnome-keyring dbus-x11 libsecret-tools; .ci/run does)`;
  }
  return undefined;
}

/**
 * Why the Secret Service tests of `what` are skipped here, printed once, or undefined when they run.
 * Never skipped in CI (`CI` set): there a missing Secret Service must fail the tests, not hide them.
 */
export function secretServiceSkip(what: string): string | undefined {
  const reason = secretServiceUnavailable();
  if (!reason || process.env.CI) return undefined;
  console.log(`skipping ${what}: ${reason}`);
  return reason;
}

/** Starts dbus-daemon and an unlocked gnome-keyring; both stop with `stop()` or with this process. */
export async function startSecretService(options: { locked?: boolean } = {}): Promise<SecretService> {
  const home = makeTempDir("cak-keyring-home-");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
  };
  const processes: TiedProcess[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
  };
  try {
    const dbus = spawnTied("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { env });
    processes.push(dbus);
    const address = (await waitForLine(dbus.child.stdout, /^unix:/, 10_000, "dbus-daemon")).trim();
    const password = join(home, "keyring-password");
    writeFileSync(password, "test");
    const keyringArgs = ["--components=secrets", "--foreground", ...(options.locked ? [] : ["--unlock"])];
    const keyring = spawnTied("gnome-keyring-daemon", keyringArgs, {
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
      ...(options.locked ? {} : { stdinFile: password }),
    });
    processes.push(keyring);
    // gnome-keyring prints its control socket once it has registered on the bus.
    await waitForLine(
      keyring.child.stdout,
      /GNOME_KEYRING_CONTROL=|SSH_AUTH_SOCK=/,
      10_000,
      "gnome-keyring-daemon",
    );
    return { env: { DBUS_SESSION_BUS_ADDRESS: address }, home, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
