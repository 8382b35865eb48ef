// Per-project secrets kept outside the project, like .NET's `dotnet user-secrets` and Python's
// python-env-secrets: the project's `.env` holds only an id (`USER_SECRETS_ID=<uuid>`); the values
// live in `<user config dir>/user-secrets/<id>/secrets.json`, so `git add .`, a Docker build context
// or an editor's AI assistant indexing the workspace never sees them.
import { randomUUID } from "node:crypto";
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { dirname, join, posix, resolve, sep, win32 } from "node:path";
import { BackendError, type BackendOperation, ConfigFileError, ConfigStoreError } from "../errors.js";
import { ensurePrivateDir, writePrivateFile } from "../files.js";
import { removeFutureLock } from "../lock-clock.js";
import { userDirs } from "../paths.js";
import { Secret } from "../secret.js";
import { FileRefusedError, readFileBounded, readTextFile, readTextFileIfExists } from "../text-file.js";
import type { WritableBackend } from "../types.js";
import { readDotenvFile } from "./dotenv.js";
import {
  foreignSecretStore,
  isSecretStoreKind,
  SECRET_STORE_KINDS,
  type SecretStoreFormat,
  type SecretStoreKind,
} from "./secret-store-formats.js";

export interface UserSecretsOptions {
  /** The project whose `.env` holds the id. */
  projectDir: string;
  /** Where the per-project folders live. @default `<userDirs(appName).config>/user-secrets` */
  root?: string;
  /** The `.env` key that holds the id. @default "USER_SECRETS_ID" */
  idKey?: string;
  /** Names the user config dir when `root` is not given. @default "codeartifact-keyring" */
  appName?: string;
  /** The environment used to find the user config dir (XDG_CONFIG_HOME, HOME…). @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Whose files: `native` (ours, above), `dotnet` (`dotnet user-secrets`' `secrets.json`) or
   * `python-env-secrets` (its `.secrets`), each in its own folder, format and key rules.
   * `root` and `idKey`, when given, override the store's own. @default "native"
   */
  store?: SecretStoreKind;
  /** @default process.platform (chooses the dotnet and python-env-secrets folders) */
  platform?: NodeJS.Platform;
}

export interface UserSecretsInfo {
  /** The project's id, when its `.env` has one. */
  id?: string;
  /** The `.env` key that holds it (`USER_SECRETS_ID`, or python-env-secrets' `ENV_SECRETS_ID`). */
  idKey?: string;
  projectDir: string;
  envFile: string;
  /** The file holding the secrets, when the project has an id. */
  secretsFile?: string;
  /** How many secrets it holds. */
  count: number;
}

/** The user-secrets backend: a writable backend with the management calls of `user-secrets`. */
export interface UserSecretsBackend extends WritableBackend {
  /** Every secret of the project, wrapped in `Secret`. */
  list(): Promise<Record<string, Secret>>;
  /** Removes every secret of the project; resolves how many there were. */
  clear(): Promise<number>;
  /** Where things are, for `diagnose`; no values. */
  info(): Promise<UserSecretsInfo>;
}

export interface InitUserSecretsResult {
  id: string;
  /** Whether this call added the id (false: the project already had one). */
  created: boolean;
  envFile: string;
  secretsFile: string;
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** The last write queued for each secrets file in this process. */
const writers = new Map<string, Promise<void>>();
const DOTENV_KEY = /^[\w.-]+$/;

interface Resolved {
  projectDir: string;
  envFile: string;
  /** The `.env` keys that may hold the id, each with the folder it leads to; the first is written. */
  links: { idKey: string; root: string }[];
  format: SecretStoreFormat;
  /** Joins paths in the store's folder (the platform's separators). */
  join: (...parts: string[]) => string;
}

/** Our own store: `secrets.json`, a flat JSON object of strings, keys compared exactly. */
const NATIVE_FORMAT: Omit<SecretStoreFormat, "links"> = {
  kind: "native",
  fileName: "secrets.json",
  read: (file) => readSecrets(file),
  serialize: (secrets) => `${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`,
  keyOf: (secrets, key) => (secrets.has(key) ? key : undefined),
  check() {},
};

function resolveOptions(options: UserSecretsOptions): Resolved {
  if (typeof options?.projectDir !== "string" || options.projectDir === "") {
    throw new TypeError("user secrets: `projectDir` must be a non-empty string");
  }
  if (options.idKey !== undefined && !DOTENV_KEY.test(options.idKey))
    throw new TypeError(`user secrets: \`${options.idKey}\` cannot be a .env key`);
  const projectDir = resolve(options.projectDir);
  const env = options.env ?? process.env;
  const kind = options.store ?? "native";
  if (!isSecretStoreKind(kind)) {
    throw new TypeError(`user secrets: \`store\` must be one of ${SECRET_STORE_KINDS.join(", ")}`);
  }
  const platform = options.platform ?? process.platform;
  const inStore = platform === process.platform ? join : (platform === "win32" ? win32 : posix).join;
  const format: SecretStoreFormat =
    kind === "native"
      ? {
          ...NATIVE_FORMAT,
          links: [
            {
              idKey: "USER_SECRETS_ID",
              root: inStore(
                userDirs(options.appName ?? "codeartifact-keyring", { env, platform }).config,
                "user-secrets",
              ),
            },
          ],
        }
      : foreignSecretStore(kind, { env, platform });
  const links = format.links.map((link) => ({
    idKey: options.idKey ?? link.idKey,
    root: options.root ?? link.root,
  }));
  return { projectDir, envFile: join(projectDir, ".env"), links, format, join: inStore };
}

/** Where a project's secrets are: its id, the folder and the file. */
interface Location {
  id: string;
  idKey: string;
  dir: string;
  file: string;
}

/**
 * Where the project's secrets are, from the first id key its `.env` sets, or undefined; an id that
 * could escape the folder is an error.
 */
async function locate(r: Resolved): Promise<Location | undefined> {
  const values = await readDotenvFile(r.envFile);
  for (const { idKey, root } of r.links) {
    const id = values.get(idKey);
    if (id === undefined || id === "") continue;
    if (!ID.test(id)) {
      throw new ConfigFileError(
        "CONFIG_PARSE",
        r.envFile,
        await lineOfKey(r.envFile, idKey),
        `\`${idKey}\` must be 1 to 64 letters, digits or dashes (a UUID). Fix it, or remove the line and initialise user secrets again.`,
      );
    }
    return { id, idKey, dir: r.join(root, id), file: r.join(root, id, r.format.fileName) };
  }
  return undefined;
}

async function lineOfKey(file: string, key: string): Promise<number | undefined> {
  const lines = (await readTextFile(file)).split(/\r\n|\r|\n/);
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${key.replace(/[.-]/g, "\\$&")}\\s*=`);
  let found: number | undefined;
  for (const [index, line] of lines.entries()) if (pattern.test(line)) found = index + 1; // dotenv: the last one wins
  return found;
}

async function readSecrets(file: string): Promise<Map<string, string>> {
  const text = await readTextFileIfExists(file);
  if (text === undefined) return new Map();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret: not kept.
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      undefined,
      "is not valid JSON, so its secrets cannot be read. Fix the file by hand (it should be a JSON object of strings).",
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      undefined,
      "must hold a JSON object of strings. Fix the file by hand.",
    );
  }
  const secrets = new Map<string, string>();
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== "string") {
      throw new ConfigFileError(
        "CONFIG_PARSE",
        file,
        undefined,
        `the value of \`${key}\` is a ${value === null ? "null" : typeof value}, not a string. Fix the file by hand.`,
      );
    }
    secrets.set(key, value);
  }
  return secrets;
}

function notInitialised(r: Resolved): ConfigStoreError {
  return new ConfigStoreError(
    "USER_SECRETS_NOT_INITIALISED",
    `user-secrets: \`${r.envFile}\` has no \`${r.links.map((l) => l.idKey).join("` or `")}\`, so this project has no user secrets yet. Initialise them with \`initUserSecrets({ projectDir: ${JSON.stringify(r.projectDir)} })\`.`,
  );
}

/** A lock not refreshed for this long belongs to a dead process (proper-lockfile's default). */
const LOCK_STALE_MS = 10_000;
/** How long a writer waits for another's lock: longer than LOCK_STALE_MS, so a dead holder's lock goes first. */
const LOCK_WAIT_MS = 15_000;

/**
 * Secrets of one project, kept under the user's config dir (0600 file in a 0700 dir, written
 * atomically), found through the id in the project's `.env`. Without an id every lookup is "not
 * here"; `set` asks for `initUserSecrets` first. Files are read on every call.
 *
 * @example
 * await initUserSecrets({ projectDir: "." });
 * const secrets = fromUserSecrets({ projectDir: "." });
 * await secrets.set("API_TOKEN", "…");
 */
export function fromUserSecrets(options: UserSecretsOptions): UserSecretsBackend {
  const r = resolveOptions(options);
  const { format } = r;

  /**
   * Read-modify-write under a lock file, so two processes setting different keys both win. Writers
   * in this process queue up first, so they do not poll the lock file against each other.
   */
  const update = <T>(
    at: Location,
    key: string,
    operation: BackendOperation,
    change: (secrets: Map<string, string>) => T,
  ): Promise<T> => {
    const { file } = at;
    const run = async (): Promise<T> => {
      ensurePrivateDir(at.dir);
      const { lock } = await import("proper-lockfile");
      removeFutureLock(file, LOCK_STALE_MS);
      let release: () => Promise<void>;
      try {
        release = await lock(file, {
          realpath: false,
          stale: LOCK_STALE_MS,
          // Waits longer than a dead holder's lock takes to go stale, so a crash never fails a writer.
          retries: { retries: LOCK_WAIT_MS / 100, factor: 1, minTimeout: 100, maxTimeout: 100 },
          // Our critical section takes milliseconds; never crash the process over a slow one.
          onCompromised: () => undefined,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
        throw new BackendError("user-secrets", key, {
          operation,
          reason: `\`${file}\` is locked by another process (\`${file}.lock\`, held for over ${LOCK_WAIT_MS / 1000} s).`,
          hint: `Try again, or remove \`${file}.lock\` if no other codeartifact-login is running.`,
          cause: error,
        });
      }
      try {
        const secrets = await format.read(file);
        const result = change(secrets);
        await writePrivateFile(file, format.serialize(secrets, { projectDir: r.projectDir, id: at.id }));
        return result;
      } finally {
        await release();
      }
    };
    const previous = writers.get(file) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    writers.set(file, settled);
    void settled.then(() => {
      if (writers.get(file) === settled) writers.delete(file);
    });
    return next;
  };

  return {
    name: format.kind === "native" ? "user-secrets" : `user-secrets (${format.kind})`,
    async get(key) {
      const at = await locate(r);
      if (at === undefined) return undefined;
      const secrets = await format.read(at.file);
      const stored = format.keyOf(secrets, key);
      return stored === undefined ? undefined : secrets.get(stored);
    },
    async set(key, value) {
      if (typeof value !== "string")
        throw new TypeError(`user secrets: the value of \`${key}\` must be a string`);
      format.check(key, value);
      const at = await locate(r);
      if (at === undefined) throw notInitialised(r);
      // A key already stored under another spelling (.NET compares ignoring case) keeps its spelling.
      await update(at, key, "write", (secrets) => secrets.set(format.keyOf(secrets, key) ?? key, value));
    },
    async delete(key) {
      const at = await locate(r);
      if (at === undefined) return false;
      if (format.keyOf(await format.read(at.file), key) === undefined) return false;
      return update(at, key, "delete", (secrets) => {
        const stored = format.keyOf(secrets, key);
        return stored !== undefined && secrets.delete(stored);
      });
    },
    async list() {
      const at = await locate(r);
      const all: Record<string, Secret> = Object.create(null);
      if (at === undefined) return all;
      for (const [key, value] of await format.read(at.file)) all[key] = new Secret(value);
      return all;
    },
    async clear() {
      const at = await locate(r);
      if (at === undefined) return 0;
      if ((await format.read(at.file)).size === 0) return 0;
      return update(at, "*", "delete", (secrets) => {
        const count = secrets.size;
        secrets.clear();
        return count;
      });
    },
    async info() {
      const at = await locate(r);
      if (at === undefined) return { projectDir: r.projectDir, envFile: r.envFile, count: 0 };
      return {
        id: at.id,
        idKey: at.idKey,
        projectDir: r.projectDir,
        envFile: r.envFile,
        secretsFile: at.file,
        count: (await format.read(at.file)).size,
      };
    },
  };
}

/**
 * Refuses a `.env` that is a symlink leading out of the project: appending the id would change a file
 * elsewhere (another project's, a shared one), which the repository chose, not the user.
 */
function assertEnvFileInsideProject(r: { projectDir: string; envFile: string }): void {
  let link: boolean;
  try {
    link = lstatSync(r.envFile).isSymbolicLink();
  } catch {
    return;
  }
  if (!link) return;
  const project = realpathSync(r.projectDir);
  let target: string;
  try {
    target = realpathSync(r.envFile);
  } catch {
    // A dangling link: where it points is where the append would create a file.
    target = resolve(dirname(r.envFile), readlinkSync(r.envFile));
  }
  if (target === project || target.startsWith(`${project}${sep}`)) return;
  throw new ConfigFileError(
    "CONFIG_UNREADABLE",
    r.envFile,
    undefined,
    `is a symbolic link to \`${target}\`, outside the project, so the user-secrets id is not appended there. Replace the link with a file of the project's own.`,
  );
}

/**
 * Sets a project up for user secrets: adds `USER_SECRETS_ID=<uuid>` to its `.env` (creating the
 * file if needed, appending without changing a byte of what is there) and creates the secrets folder
 * (0700). A project that already has an id keeps it.
 *
 * @example
 * const { id, created, secretsFile } = await initUserSecrets({ projectDir: process.cwd() });
 */
export async function initUserSecrets(options: UserSecretsOptions): Promise<InitUserSecretsResult> {
  const r = resolveOptions(options);
  let at = await locate(r);
  const created = at === undefined;
  if (at === undefined) {
    const id = randomUUID();
    // The store's current id key: python-env-secrets' newer ENV_SECRETS_ID, USER_SECRETS_ID otherwise.
    const [link] = r.links as [Resolved["links"][number]];
    assertEnvFileInsideProject(r);
    let existing: Buffer;
    try {
      // Bounded, and a FIFO or device is refused rather than opened (the append would block on it).
      existing = readFileBounded(r.envFile);
    } catch (error) {
      if (error instanceof FileRefusedError) {
        throw new ConfigFileError(
          "CONFIG_UNREADABLE",
          r.envFile,
          undefined,
          `${error.what}. Nothing was written.`,
        );
      }
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      existing = Buffer.alloc(0);
    }
    const eol = existing.includes("\r\n") ? "\r\n" : "\n";
    const separator = existing.length > 0 && existing[existing.length - 1] !== 0x0a ? eol : "";
    await appendFile(r.envFile, `${separator}${link.idKey}=${id}${eol}`);
    at = {
      id,
      idKey: link.idKey,
      dir: r.join(link.root, id),
      file: r.join(link.root, id, r.format.fileName),
    };
  }
  ensurePrivateDir(at.dir);
  return { id: at.id, created, envFile: r.envFile, secretsFile: at.file };
}
