// Where npm, pnpm and yarn keep their config: the user .npmrc (NPM_CONFIG_USERCONFIG honoured, in any
// case, as npm reads env config), the project .npmrc (found from the project root as npm finds it,
// workspaces included), yarn berry's rc files, and the per-user data dir for our pnpm helpers.
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { readFileBounded } from "../configstore/text-file.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Inputs every lookup accepts, so tests and callers can point them at a sandbox. */
export interface LocationOptions {
  /** @default process.env */
  env?: Env;
  /** @default os.homedir() */
  home?: string;
  /** Resolves relative paths from env settings. @default process.cwd() */
  cwd?: string;
}

/**
 * The value of an npm env setting, read as npm does: any `npm_config_<name>` spelling in any case,
 * `_` standing for `-`; the last one wins, an empty value counts as unset.
 */
export function npmEnvSetting(env: Env, name: string): { value: string; envVar: string } | undefined {
  let found: { value: string; envVar: string } | undefined;
  for (const [envVar, value] of Object.entries(env)) {
    if (!value || !/^npm_config_/i.test(envVar)) continue;
    const key = envVar
      .slice("npm_config_".length)
      .toLowerCase()
      .replace(/(?!^)_/g, "-");
    if (key === name) found = { value, envVar };
  }
  return found;
}

function expandHome(path: string, home: string, cwd: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/") || path.startsWith("~\\")) return join(home, path.slice(2));
  return resolve(cwd, path);
}

/** Where the user .npmrc is and why. */
export interface UserNpmrc {
  path: string;
  /** `env` names the variable that set it; `home` is the default `~/.npmrc`. */
  source: "env" | "home";
  envVar?: string;
}

/**
 * The user .npmrc npm reads: `NPM_CONFIG_USERCONFIG` / `npm_config_userconfig` (any case; `~/` expanded,
 * a relative path resolved from `cwd`), else `~/.npmrc`.
 *
 * @example
 * findUserNpmrc({ env: { NPM_CONFIG_USERCONFIG: "~/work.npmrc" }, home: "/home/u" })
 * // → { path: "/home/u/work.npmrc", source: "env", envVar: "NPM_CONFIG_USERCONFIG" }
 */
export function findUserNpmrc(options: LocationOptions = {}): UserNpmrc {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const setting = npmEnvSetting(env, "userconfig");
  if (setting) {
    return {
      path: expandHome(setting.value, home, options.cwd ?? process.cwd()),
      source: "env",
      envVar: setting.envVar,
    };
  }
  return { path: join(home, ".npmrc"), source: "home" };
}

/** The path of the user .npmrc (see {@link findUserNpmrc}). */
export function userNpmrcPath(options: LocationOptions = {}): string {
  return findUserNpmrc(options).path;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileBounded(path).toString("utf8"));
  } catch {
    return undefined;
  }
}

function* ancestors(dir: string): Generator<string> {
  let current = resolve(dir);
  while (true) {
    yield current;
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** A workspace glob (`packages/*`, `apps/**`) as a regular expression over `/`-separated paths. */
function globToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/^\.\//, "").replace(/\/+$/, "");
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function workspacePatterns(manifest: unknown): string[] | undefined {
  if (typeof manifest !== "object" || manifest === null) return undefined;
  const field = (manifest as { workspaces?: unknown }).workspaces;
  const list = Array.isArray(field)
    ? field
    : typeof field === "object" && field !== null && Array.isArray((field as { packages?: unknown }).packages)
      ? (field as { packages: unknown[] }).packages
      : undefined;
  return list?.filter((item): item is string => typeof item === "string");
}

function matchesWorkspace(patterns: readonly string[], path: string): boolean {
  const included = patterns.filter((p) => !p.startsWith("!")).some((p) => globToRegExp(p).test(path));
  const excluded = patterns.filter((p) => p.startsWith("!")).some((p) => globToRegExp(p.slice(1)).test(path));
  return included && !excluded;
}

/** Where a project's config lives, as npm and pnpm find it. */
export interface ProjectLocation {
  /** The nearest directory up from cwd with a package.json or node_modules (npm's local prefix). */
  packageRoot?: string;
  /** The workspace root: the dir of `pnpm-workspace.yaml`, or npm's root whose `workspaces` list the package. */
  workspaceRoot?: string;
  workspaceKind?: "pnpm" | "npm";
  /** Where the search for a project .npmrc stops: the workspace root, else the package root, else cwd. */
  root: string;
  /** The nearest `.npmrc` from cwd up to `root` (never the user .npmrc). */
  npmrc?: string;
}

/**
 * Finds the project root and its .npmrc from `cwd`. npm uses the root whose package.json `workspaces`
 * list the package; pnpm uses the directory of `pnpm-workspace.yaml`. The .npmrc is the nearest one from
 * `cwd` up to that root.
 */
export function findProject(cwd: string, options: LocationOptions = {}): ProjectLocation {
  const start = resolve(cwd);
  let packageRoot: string | undefined;
  for (const dir of ancestors(start)) {
    if (isFile(join(dir, "package.json")) || existsSync(join(dir, "node_modules"))) {
      packageRoot = dir;
      break;
    }
  }
  let workspaceRoot: string | undefined;
  let workspaceKind: "pnpm" | "npm" | undefined;
  for (const dir of ancestors(start)) {
    if (isFile(join(dir, "pnpm-workspace.yaml"))) {
      workspaceRoot = dir;
      workspaceKind = "pnpm";
      break;
    }
  }
  if (!workspaceRoot && packageRoot) {
    for (const dir of ancestors(packageRoot)) {
      const patterns = workspacePatterns(readJson(join(dir, "package.json")));
      if (!patterns) continue;
      const path = relative(dir, packageRoot).split(sep).join("/");
      if (path === "" || matchesWorkspace(patterns, path)) {
        workspaceRoot = dir;
        workspaceKind = "npm";
        if (path !== "") break;
      }
    }
  }
  const root = workspaceRoot ?? packageRoot ?? start;
  const userNpmrc = resolve(userNpmrcPath(options));
  let npmrc: string | undefined;
  for (const dir of ancestors(start)) {
    const candidate = join(dir, ".npmrc");
    if (candidate !== userNpmrc && isFile(candidate)) {
      npmrc = candidate;
      break;
    }
    if (dir === root || relative(root, dir).startsWith("..")) break;
  }
  return {
    root,
    ...(packageRoot ? { packageRoot } : {}),
    ...(workspaceRoot ? { workspaceRoot } : {}),
    ...(workspaceKind ? { workspaceKind } : {}),
    ...(npmrc ? { npmrc } : {}),
  };
}

/** The rc file name yarn berry uses: `YARN_RC_FILENAME` (any case), else `.yarnrc.yml`. */
export function yarnRcFilename(env: Env = process.env): string {
  for (const [name, value] of Object.entries(env)) {
    if (name.toLowerCase() === "yarn_rc_filename" && value) return value;
  }
  return ".yarnrc.yml";
}

/** The user's yarn berry rc file (`~/.yarnrc.yml`, or `~/$YARN_RC_FILENAME`), as `yarn npm login` writes it. */
export function userYarnrcPath(options: LocationOptions = {}): string {
  return join(options.home ?? homedir(), yarnRcFilename(options.env ?? process.env));
}

/**
 * pnpm 11+'s global config directory (where its `auth.ini` and `config.yaml` live), as pnpm computes it:
 * `$XDG_CONFIG_HOME/pnpm`, else `~/Library/Preferences/pnpm` (macOS), `%LOCALAPPDATA%\pnpm\config`
 * (Windows), `~/.config/pnpm` (elsewhere).
 */
export function pnpmConfigDir(options: LocationOptions & { platform?: NodeJS.Platform } = {}): string {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const platform = options.platform ?? process.platform;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "pnpm");
  if (platform === "darwin") return join(home, "Library", "Preferences", "pnpm");
  if (platform === "win32") return join(env.LOCALAPPDATA ?? join(home, "AppData", "Local"), "pnpm", "config");
  return join(home, ".config", "pnpm");
}

/** The first pnpm version that accepts a tokenHelper in its global `auth.ini` (read: pnpm's changelog). */
const AUTH_INI_HELPERS = [11, 13] as const;

/**
 * Where `setup pnpm` puts the tokenHelper lines for the pnpm `version` that will read them: pnpm's own
 * `auth.ini` from 11.13 on (npm never reads it, so npm 11/12 do not warn), else the user .npmrc (pnpm 9/10
 * and 11.0–11.12 honour the line only there). An unknown version gets the user .npmrc, which every pnpm
 * reads.
 */
export function pnpmHelperFile(
  version: string | undefined,
  options: LocationOptions & { platform?: NodeJS.Platform } = {},
): { path: string; kind: "auth.ini" | "user-npmrc" } {
  const [major, minor] = (version ?? "").split(".").map((part) => Number.parseInt(part, 10));
  const [wantMajor, wantMinor] = AUTH_INI_HELPERS;
  const authIni =
    major !== undefined &&
    minor !== undefined &&
    Number.isInteger(major) &&
    Number.isInteger(minor) &&
    (major > wantMajor || (major === wantMajor && minor >= wantMinor));
  return authIni
    ? { path: join(pnpmConfigDir(options), "auth.ini"), kind: "auth.ini" }
    : { path: userNpmrcPath(options), kind: "user-npmrc" };
}
