// Other tools' per-project secret stores, read and written in their own layouts and formats, so one
// store can serve a .NET or Python service and this tooling alike:
// - dotnet: `dotnet user-secrets` (`~/.microsoft/usersecrets/<id>/secrets.json`, on Windows
//   `%APPDATA%\Microsoft\UserSecrets\<id>\secrets.json`): JSON whose nested objects and arrays read as
//   `a:b` / `a:0` keys, compared case-insensitively, written back flat as `dotnet user-secrets set` does.
// - python-env-secrets: `<id>/.secrets` of KEY=value lines under `~/.python/envsecrets` when `.env` has
//   `ENV_SECRETS_ID` (its current name), else `~/.python/usersecrets` for `USER_SECRETS_ID` (earlier
//   versions); on Windows `%APPDATA%\Python\EnvSecrets` / `UserSecrets`. Keys compared exactly.
// Each reader follows the tool's own rules (written here from their documentation and behaviour).
import { homedir } from "node:os";
import { posix, win32 } from "node:path";
import { ConfigFileError, ConfigStoreError } from "../errors.js";
import { readTextFileIfExists } from "../text-file.js";

export type SecretStoreKind = "native" | "dotnet" | "python-env-secrets";
export const SECRET_STORE_KINDS: readonly SecretStoreKind[] = ["native", "dotnet", "python-env-secrets"];

/** Where one `.env` key sends the id: the folder holding `<id>/<file>`. */
export interface SecretStoreLink {
  idKey: string;
  root: string;
}

export interface SecretStoreFormat {
  kind: SecretStoreKind;
  /** `.env` keys that may hold the id, in the order they are looked for; `init` writes the first. */
  links: SecretStoreLink[];
  fileName: string;
  read(file: string): Promise<Map<string, string>>;
  serialize(secrets: ReadonlyMap<string, string>, about: { projectDir: string; id: string }): string;
  /** The stored key that `key` names, as the tool compares keys. */
  keyOf(secrets: ReadonlyMap<string, string>, key: string): string | undefined;
  /** Throws when the format cannot hold this key or value as given. */
  check(key: string, value: string): void;
}

interface PlatformOptions {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

function home(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  return (platform === "win32" ? env.USERPROFILE : env.HOME) || homedir();
}

/** `%APPDATA%`, else `~\AppData\Roaming` (what .NET's and python-env-secrets' lookups give). */
function appData(env: NodeJS.ProcessEnv): string {
  return env.APPDATA || win32.join(home(env, "win32"), "AppData", "Roaming");
}

function unreadable(file: string, why: string): ConfigFileError {
  return new ConfigFileError("CONFIG_PARSE", file, undefined, `${why}. Fix the file by hand.`);
}

/**
 * .NET's JSON configuration reading (JsonConfigurationFileParser): nested objects and arrays become
 * `a:b` and `a:0` keys; strings as they are, `true`/`false` as `True`/`False` (JsonElement.ToString()),
 * null as empty; an empty object or array holds no value; two keys that differ only in case are an
 * error there, and here. One difference: a number reads as JavaScript prints it (`1.50` as `1.5`),
 * where .NET keeps the text as written.
 */
export function flattenDotnetJson(data: unknown, file: string): Map<string, string> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw unreadable(file, "must hold a JSON object");
  }
  const out = new Map<string, string>();
  const seen = new Map<string, string>();
  const put = (key: string, value: string) => {
    const folded = key.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      throw unreadable(
        file,
        `has the key \`${key}\` twice (as \`${earlier}\`; .NET compares keys ignoring case)`,
      );
    }
    seen.set(folded, key);
    out.set(key, value);
  };
  const visit = (value: unknown, key: string) => {
    if (value === null) put(key, "");
    else if (typeof value === "string") put(key, value);
    else if (typeof value === "boolean") put(key, value ? "True" : "False");
    else if (typeof value === "number") put(key, String(value));
    else if (Array.isArray(value))
      for (const [index, item] of value.entries()) visit(item, `${key}:${index}`);
    else for (const [name, item] of Object.entries(value as object)) visit(item, `${key}:${name}`);
  };
  for (const [name, value] of Object.entries(data)) visit(value, name);
  return out;
}

function dotnetFormat({ env, platform }: PlatformOptions): SecretStoreFormat {
  const root =
    platform === "win32"
      ? win32.join(appData(env), "Microsoft", "UserSecrets")
      : posix.join(home(env, platform), ".microsoft", "usersecrets");
  return {
    kind: "dotnet",
    links: [{ idKey: "USER_SECRETS_ID", root }],
    fileName: "secrets.json",
    async read(file) {
      const text = await readTextFileIfExists(file);
      if (text === undefined || text.trim() === "") return new Map();
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        // JSON.parse's message quotes the text near the error, which may be a secret: not kept.
        throw unreadable(file, "is not valid JSON, so its secrets cannot be read");
      }
      return flattenDotnetJson(data, file);
    },
    serialize(secrets) {
      return `${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`;
    },
    keyOf(secrets, key) {
      const folded = key.toLowerCase();
      for (const stored of secrets.keys()) if (stored.toLowerCase() === folded) return stored;
      return undefined;
    },
    check() {},
  };
}

/**
 * python-env-secrets' reading of `.secrets`: per line, trimmed; blank and `#` lines skipped; an
 * `export ` prefix dropped; lines without `=` skipped; split at the first `=`, both sides trimmed; one
 * pair of matching `"` or `'` removed; no escapes; a later line wins.
 */
export function parsePythonSecrets(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ")) line = line.slice(7);
    const at = line.indexOf("=");
    if (at === -1) continue;
    const key = line.slice(0, at).trim();
    let value = line.slice(at + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    out.set(key, value);
  }
  return out;
}

/** python-env-secrets' writing: its header, then `KEY=value`, quoted in `"` when it holds ` = # ' "`. */
export function serializePythonSecrets(
  secrets: ReadonlyMap<string, string>,
  about: { projectDir: string; id: string },
): string {
  const lines = [
    "# Python Env Secrets",
    "# Do not share or commit this file to source control.",
    `# Project: ${about.projectDir}`,
    `# ID: ${about.id}`,
    "",
  ];
  for (const [key, value] of secrets) lines.push(`${key}=${/[ =#'"]/.test(value) ? `"${value}"` : value}`);
  return `${lines.join("\n")}\n`;
}

function pythonFormat({ env, platform }: PlatformOptions): SecretStoreFormat {
  const root = (folder: "envsecrets" | "usersecrets") =>
    platform === "win32"
      ? win32.join(appData(env), "Python", folder === "envsecrets" ? "EnvSecrets" : "UserSecrets")
      : posix.join(home(env, platform), ".python", folder);
  return {
    kind: "python-env-secrets",
    links: [
      { idKey: "ENV_SECRETS_ID", root: root("envsecrets") },
      { idKey: "USER_SECRETS_ID", root: root("usersecrets") },
    ],
    fileName: ".secrets",
    async read(file) {
      const text = await readTextFileIfExists(file);
      return text === undefined ? new Map() : parsePythonSecrets(text);
    },
    serialize: serializePythonSecrets,
    keyOf: (secrets, key) => (secrets.has(key) ? key : undefined),
    check(key, value) {
      // Its file is one line per secret, read back trimmed and split at the first `=`: refuse what
      // would not read back as written, instead of storing something else.
      const problem =
        key === "" ||
        key !== key.trim() ||
        /[=\r\n]/.test(key) ||
        key.startsWith("#") ||
        key.startsWith("export ")
          ? `the key \`${key.replace(/[\r\n]/g, " ")}\` cannot be written to python-env-secrets' .secrets (no \`=\`, line breaks, leading \`#\` or spaces)`
          : /[\r\n]/.test(value)
            ? `the value of \`${key}\` has a line break, which python-env-secrets' .secrets cannot hold`
            : value !== value.trim() && !/[ =#'"]/.test(value)
              ? `the value of \`${key}\` has leading or trailing whitespace that python-env-secrets would trim`
              : undefined;
      if (problem)
        throw new ConfigStoreError("SECRET_NOT_STORABLE", `user-secrets: ${problem}. Choose another.`);
    },
  };
}

/** The format of a store kind other than `native` (which user-secrets.ts defines). */
export function foreignSecretStore(
  kind: Exclude<SecretStoreKind, "native">,
  options: PlatformOptions,
): SecretStoreFormat {
  return kind === "dotnet" ? dotnetFormat(options) : pythonFormat(options);
}

export function isSecretStoreKind(value: string): value is SecretStoreKind {
  return (SECRET_STORE_KINDS as readonly string[]).includes(value);
}
