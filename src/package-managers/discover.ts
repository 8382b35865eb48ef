// Which CodeArtifact registries a project uses, and where each one is configured: env settings, the
// project .npmrc, the user .npmrc, yarn berry's rc files, pnpm's `registries:` (pnpm-workspace.yaml and
// its global config.yaml) and bun's bunfig.toml. Callers then fetch one token per
// (domain, owner, region, identity): every repository of a domain shares it.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { normalizeRegistryUrl, parseRegistryUrl, type RegistryTarget } from "../codeartifact/registry-url.js";
import { ConfigFileError } from "../configstore/errors.js";
import { parseConfigText } from "../configstore/loaders.js";
import type { ConfigObject } from "../configstore/types.js";
import { PackageManagerError, RcFileError } from "./errors.js";
import { expandNpmEnv, parseNpmrc } from "./ini-text.js";
import {
  findProject,
  findUserNpmrc,
  npmEnvSetting,
  pnpmConfigDir,
  yarnRcFilename,
} from "./npmrc-locations.js";
import { readConfigText } from "./private-file.js";
import { parseYarnrc } from "./yarnrc.js";

/** Where a registry setting was found, highest priority first. */
export type RegistrySource =
  | "env"
  | "project-npmrc"
  | "user-npmrc"
  | "yarnrc"
  | "user-yarnrc"
  | "pnpm-workspace"
  | "pnpm-config"
  | "bunfig"
  | "user-bunfig";

const PRIORITY: Record<RegistrySource, number> = {
  env: 0,
  "project-npmrc": 1,
  "user-npmrc": 2,
  yarnrc: 3,
  "user-yarnrc": 4,
  "pnpm-workspace": 5,
  "pnpm-config": 6,
  bunfig: 7,
  "user-bunfig": 8,
};

/** One place a registry is named. */
export interface RegistryOccurrence {
  source: RegistrySource;
  /** The file; absent for `env`. */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /**
   * The setting: `registry`, `@scope:registry`, `npmScopes.x.npmRegistryServer`, `registries.default`,
   * `registries.@scope`, `install.registry`, `install.scopes.x`, or the env variable's name.
   */
  key: string;
  /** `@scope` when the setting routes a scope to the registry. */
  scope?: string;
}

/** A registry the project uses, from its highest-priority occurrence. */
export interface DiscoveredRegistry extends RegistryOccurrence {
  /** Canonical URL (see `normalizeRegistryUrl`). */
  registryUrl: string;
  target: RegistryTarget;
  /** The same registry's other occurrences, in priority order. */
  alsoIn: RegistryOccurrence[];
}

/** What {@link discoverRegistries} found, and where it looked. */
export interface Discovery {
  registries: DiscoveredRegistry[];
  /** Registries named that are neither CodeArtifact-shaped nor mapped (`resolveTarget`), in priority order. */
  notCodeArtifact: (RegistryOccurrence & { url: string })[];
  /** The config files that exist and were read, in priority order (for a "found nothing in …" message). */
  searched: string[];
}

/** Options of {@link discoverRegistries}. */
export interface DiscoverOptions {
  /** Where the project is. */
  cwd: string;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default os.homedir() */
  home?: string;
  /**
   * Coordinates for a registry that is not CodeArtifact-shaped (a proxy or mirror named in the user's
   * config); return undefined to leave it out. CodeArtifact-shaped URLs never reach this hook.
   */
  resolveTarget?: (registryUrl: string) => RegistryTarget | undefined;
}

interface Candidate extends RegistryOccurrence {
  url: string;
  order: number;
  /** A yarn `npmPublishRegistry`: where `yarn npm publish` goes, not a registry installs use. */
  publish?: boolean;
}

function npmrcCandidates(
  file: string,
  source: "project-npmrc" | "user-npmrc",
  env: Readonly<Record<string, string | undefined>>,
  searched: string[],
): Candidate[] {
  const text = readConfigText(file, "npmrc");
  if (text === undefined) return [];
  searched.push(file);
  const found: Candidate[] = [];
  for (const entry of parseNpmrc(text)) {
    if (entry.section !== undefined || typeof entry.value !== "string") continue;
    const key = expandNpmEnv(entry.key, env);
    const scope = /^(@[^:]+):registry$/.exec(key)?.[1];
    if (key !== "registry" && !scope) continue;
    found.push({
      source,
      file,
      line: entry.line,
      key,
      ...(scope ? { scope } : {}),
      url: expandNpmEnv(entry.value, env),
      order: entry.line,
    });
  }
  return found;
}

function envCandidates(env: Readonly<Record<string, string | undefined>>): Candidate[] {
  const found: Candidate[] = [];
  const registry = npmEnvSetting(env, "registry");
  if (registry) found.push({ source: "env", key: registry.envVar, url: registry.value, order: 0 });
  const scopes = new Map<string, { value: string; envVar: string }>();
  for (const [envVar, value] of Object.entries(env)) {
    if (!value) continue;
    const match = /^npm_config_(@[^:]+):registry$/i.exec(envVar);
    // npm lowercases env setting names and reads `_` as `-`, so the scope is spelled that way.
    if (match?.[1]) scopes.set(match[1].toLowerCase().replace(/_/g, "-"), { value, envVar });
  }
  for (const [scope, { value, envVar }] of [...scopes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    found.push({ source: "env", key: envVar, scope, url: value, order: 1 });
  }
  for (const [envVar, value] of Object.entries(env)) {
    if (value && envVar.toLowerCase() === "yarn_npm_registry_server") {
      found.push({ source: "env", key: envVar, url: value, order: 2 });
    }
  }
  return found;
}

/** A candidate from a config file; its line (when known) orders it within the file. */
function fileCandidate(
  source: RegistrySource,
  file: string,
  key: string,
  url: string,
  line: number | undefined,
  scope?: string,
): Candidate {
  return { source, file, key, ...(line ? { line } : {}), ...(scope ? { scope } : {}), url, order: line ?? 0 };
}

/** Yarn's `${NAME}`, `${NAME:-fallback}` and `${NAME-fallback}`; an unset name without fallback stays. */
function expandYarnEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(
    /\$\{([\w]+)(?:(:)?-([^}]*))?\}/g,
    (whole, name: string, colon: string | undefined, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && !(colon && value === "")) return value;
      return fallback ?? whole;
    },
  );
}

/** `${NAME}`, `${NAME:-x}`, `${NAME-x}` of a variable holding a token, as yarn expands it in rc files. */
const YARN_TOKEN_REFERENCE = /\$\{(CODEARTIFACT_AUTH_TOKEN|YARN_NPM_AUTH_TOKEN)(?::?-[^}]*)?\}/g;

async function yarnrcCandidates(
  file: string,
  source: "yarnrc" | "user-yarnrc",
  env: Readonly<Record<string, string | undefined>>,
  searched: string[],
  references?: YarnTokenReference[],
): Promise<Candidate[]> {
  const text = readConfigText(file, "yarnrc");
  if (text === undefined) return [];
  searched.push(file);
  const yaml = await import("yaml");
  const { isMap, isPair, isScalar } = yaml;
  const { doc, lineOf } = parseYarnrc(yaml, text, file);
  yaml.visit(doc, {
    Scalar(role, node, ancestors) {
      if (!references || typeof node.value !== "string") return;
      const path = ancestors.flatMap((a) => (isPair(a) && isScalar(a.key) ? [String(a.key.value)] : []));
      if (role === "key") path.push("(a key)");
      for (const match of node.value.matchAll(YARN_TOKEN_REFERENCE)) {
        const line = lineOf(node);
        references.push({
          variable: match[1] as YarnTokenReference["variable"],
          file,
          path,
          ...(line ? { line } : {}),
        });
      }
    },
  });
  const found: Candidate[] = [];
  const push = (key: string, node: unknown, scope?: string, urlText?: string, publish?: boolean) => {
    const raw = urlText ?? (isScalar(node) && typeof node.value === "string" ? node.value : undefined);
    if (raw === undefined) return;
    const candidate = fileCandidate(source, file, key, expandYarnEnv(raw, env), lineOf(node), scope);
    found.push(publish ? { ...candidate, publish } : candidate);
  };
  const root = doc.contents;
  if (!isMap(root)) return []; // an empty file
  for (const pair of root.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (name === "npmRegistryServer") push(name, pair.value);
    if (name === "npmPublishRegistry") push(name, pair.value, undefined, undefined, true);
    if (name === "npmScopes" && isMap(pair.value)) {
      for (const scopePair of pair.value.items) {
        if (!isScalar(scopePair.key) || !isMap(scopePair.value)) continue;
        const scope = String(scopePair.key.value).replace(/^@/, "");
        const server = scopePair.value.items.find(
          (item) => isScalar(item.key) && item.key.value === "npmRegistryServer",
        );
        if (server) push(`npmScopes.${scope}.npmRegistryServer`, server.value, `@${scope}`);
        const publish = scopePair.value.items.find(
          (item) => isScalar(item.key) && item.key.value === "npmPublishRegistry",
        );
        if (publish)
          push(`npmScopes.${scope}.npmPublishRegistry`, publish.value, `@${scope}`, undefined, true);
      }
    }
    if (name === "npmRegistries" && isMap(pair.value)) {
      for (const registryPair of pair.value.items) {
        if (!isScalar(registryPair.key)) continue;
        const key = String(registryPair.key.value);
        push(
          `npmRegistries["${key}"]`,
          registryPair.key,
          undefined,
          key.startsWith("//") ? `https:${key}` : key,
        );
      }
    }
  }
  return found;
}

/**
 * pnpm 11's `registries:` (`default:` and `'@scope':` keys) in `pnpm-workspace.yaml` or pnpm's global
 * `config.yaml`. pnpm expands no `${VAR}` there, so the URLs are taken as written.
 */
async function pnpmYamlCandidates(
  file: string,
  source: "pnpm-workspace" | "pnpm-config",
  searched: string[],
): Promise<Candidate[]> {
  const text = readConfigText(file, "pnpm");
  if (text === undefined) return [];
  searched.push(file);
  const yaml = await import("yaml");
  const { doc, lineOf } = parseYarnrc(yaml, text, file, "CONFIG_INVALID");
  const registries = doc.get("registries", true);
  if (registries === undefined || registries === null) return [];
  if (!yaml.isMap(registries)) {
    throw new RcFileError(
      "CONFIG_INVALID",
      file,
      lineOf(registries),
      "`registries` is not a mapping: write `registries:` with `default:` and `'@scope':` keys under it",
    );
  }
  const found: Candidate[] = [];
  for (const pair of registries.items) {
    if (!yaml.isScalar(pair.key) || !yaml.isScalar(pair.value) || typeof pair.value.value !== "string")
      continue;
    const name = String(pair.key.value);
    const scope = name.startsWith("@") ? name : undefined;
    if (name !== "default" && !scope) continue;
    found.push(
      fileCandidate(source, file, `registries.${name}`, pair.value.value, lineOf(pair.value), scope),
    );
  }
  return found;
}

/** A table of a parsed TOML file, or undefined. */
function tableAt(value: unknown): ConfigObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as ConfigObject)
    : undefined;
}

/** A bunfig registry: a URL string, or a table with `url`. */
function bunRegistryUrl(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const url = tableAt(value)?.url;
  return typeof url === "string" ? url : undefined;
}

/**
 * The 1-based line of `key` in TOML table `[table]` (or of `[table.key]`), by a plain scan of the
 * lines: smol-toml keeps no positions. Undefined when the file spells it some other way.
 */
function tomlLineOf(text: string, table: string, key: string): number | undefined {
  const bare = (name: string) => name.trim().replace(/^["']|["']$/g, "");
  let current = "";
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const header = /^\[([^[\]]+)\]/.exec(line);
    if (header?.[1]) {
      current = header[1].split(".").map(bare).join(".");
      if (current === `${table}.${key}`) return index + 1;
      continue;
    }
    const assignment = /^("[^"]*"|'[^']*'|[\w.@-]+)\s*=/.exec(line);
    if (assignment?.[1] && current === table && bare(assignment[1]) === key) return index + 1;
  }
  return undefined;
}

/**
 * bun's `[install] registry` (a URL, or a table with `url`) and `[install.scopes]` (each a URL or a
 * table with `url`) in a bunfig.toml, parsed by the configstore's TOML loader.
 */
async function bunfigCandidates(
  file: string,
  source: "bunfig" | "user-bunfig",
  env: Readonly<Record<string, string | undefined>>,
  searched: string[],
): Promise<Candidate[]> {
  const text = readConfigText(file, "bunfig");
  if (text === undefined) return [];
  searched.push(file);
  let config: ConfigObject;
  try {
    config = await parseConfigText(text, "toml", { file });
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    const reason = error.message.slice(error.message.indexOf(": ") + 2);
    throw new RcFileError("CONFIG_INVALID", file, error.line, reason, { cause: error });
  }
  const install = tableAt(config.install);
  if (!install) return [];
  const found: Candidate[] = [];
  const push = (key: string, value: unknown, line: number | undefined, scope?: string) => {
    const url = bunRegistryUrl(value);
    if (url === undefined) return;
    // bun expands `${VAR}` in bunfig values (read: bun's docs); an unset one leaves the entry out.
    found.push(fileCandidate(source, file, key, expandNpmEnv(url, env), line, scope));
  };
  push("install.registry", install.registry, tomlLineOf(text, "install", "registry"));
  for (const [name, value] of Object.entries(tableAt(install.scopes) ?? {})) {
    const scope = name.startsWith("@") ? name : `@${name}`;
    push(`install.scopes.${name}`, value, tomlLineOf(text, "install.scopes", name), scope);
  }
  return found;
}

/**
 * The registry settings of yarn berry's rc files, nearest first: yarn reads the rc file of every
 * directory from cwd up (the nearest wins), plus the one in the home directory, which ranks last.
 */
async function yarnCandidates(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  searched: string[],
  references?: YarnTokenReference[],
): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const rcName = yarnRcFilename(env);
  const userYarnrc = join(home, rcName);
  let dir = resolve(cwd);
  let depth = 0;
  while (true) {
    const file = join(dir, rcName);
    if (file !== userYarnrc) {
      for (const candidate of await yarnrcCandidates(file, "yarnrc", env, searched, references)) {
        candidates.push({ ...candidate, order: depth * 1e6 + candidate.order });
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
    depth++;
  }
  candidates.push(...(await yarnrcCandidates(userYarnrc, "user-yarnrc", env, searched, references)));
  return candidates;
}

/** bun's global config: `$XDG_CONFIG_HOME/.bunfig.toml`, else `~/.bunfig.toml`. */
function userBunfigPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return join(env.XDG_CONFIG_HOME || home, ".bunfig.toml");
}

/** Where yarn berry sends requests when nothing configures it. */
export const YARN_DEFAULT_REGISTRY = "https://registry.yarnpkg.com";

/** A registry yarn berry would use, and the setting that says so. */
export interface YarnRoute {
  /** `npmRegistryServer`, `npmScopes.corp.npmRegistryServer`, `npmPublishRegistry`, an env variable, or `yarn's default`. */
  key: string;
  /** As configured, `${VAR}` expanded (a reference to an unset variable stays). */
  url: string;
  file?: string;
  line?: number;
}

/** A `${CODEARTIFACT_AUTH_TOKEN}` or `${YARN_NPM_AUTH_TOKEN}` in a yarn rc file: yarn expands both. */
export interface YarnTokenReference {
  variable: "CODEARTIFACT_AUTH_TOKEN" | "YARN_NPM_AUTH_TOKEN";
  file: string;
  line?: number;
  /** The setting it sits in: `["npmRegistries", "//host/path/", "npmAuthToken"]`; `(a key)` last when in a key. */
  path: string[];
}

/** What yarn berry's config routes where, as far as its top-level token is concerned. */
export interface YarnRegistries {
  /** The effective `npmRegistryServer` (env, then the nearest rc file, then yarn's default). */
  defaultRegistry: YarnRoute;
  /** Every other registry yarn would send its top-level token to: each scope's effective server and publish registry, and `npmPublishRegistry`. */
  others: YarnRoute[];
  /** The rc files that exist and were read. */
  files: string[];
  /** Every reference to a token variable in those files. */
  tokenReferences: YarnTokenReference[];
}

/**
 * The registries yarn berry would use from `cwd`: its effective default registry and every registry a
 * scope or a publish setting routes to, each from the highest-ranking setting (the environment's
 * `YARN_NPM_REGISTRY_SERVER` / `YARN_NPM_PUBLISH_REGISTRY`, then the nearest rc file). Yarn sends its
 * top-level token (`YARN_NPM_AUTH_TOKEN`) to all of them that have no token of their own.
 *
 * @throws {RcFileError} `YARNRC_INVALID` for a malformed rc file.
 */
export async function yarnRegistries(
  options: Omit<DiscoverOptions, "resolveTarget">,
): Promise<YarnRegistries> {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const files: string[] = [];
  const tokenReferences: YarnTokenReference[] = [];
  const candidates = await yarnCandidates(options.cwd, env, home, files, tokenReferences);
  candidates.sort((a, b) => PRIORITY[a.source] - PRIORITY[b.source] || a.order - b.order);
  const fromEnv = (name: string): YarnRoute | undefined => {
    const found = Object.entries(env).find(([key, value]) => value && key.toLowerCase() === name);
    return found ? { key: found[0], url: found[1] as string } : undefined;
  };
  const nearest = new Map<string, YarnRoute>();
  for (const { key, url, file, line } of candidates) {
    if (!key.startsWith("npmRegistries[") && !nearest.has(key)) {
      nearest.set(key, { key, url, ...(file ? { file } : {}), ...(line ? { line } : {}) });
    }
  }
  const defaultRegistry = fromEnv("yarn_npm_registry_server") ??
    nearest.get("npmRegistryServer") ?? { key: "yarn's default", url: YARN_DEFAULT_REGISTRY };
  const publish = fromEnv("yarn_npm_publish_registry") ?? nearest.get("npmPublishRegistry");
  nearest.delete("npmRegistryServer");
  nearest.delete("npmPublishRegistry");
  return {
    defaultRegistry,
    others: [...(publish ? [publish] : []), ...nearest.values()],
    files,
    tokenReferences,
  };
}

function toTarget(candidate: Candidate, options: DiscoverOptions): RegistryTarget | undefined {
  // A `${VAR}` left after expansion names an unset variable: nothing to resolve.
  if (candidate.url.includes("${")) return undefined;
  let target: RegistryTarget | undefined;
  try {
    target = parseRegistryUrl(candidate.url);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (candidate.file) {
      throw new RcFileError(
        "REGISTRY_URL_INVALID",
        candidate.file,
        candidate.line,
        `\`${candidate.key}\`: ${detail}`,
        { cause },
      );
    }
    throw new PackageManagerError(
      "REGISTRY_URL_INVALID",
      `\`${candidate.key}\` in the environment: ${detail}`,
      {
        cause,
      },
    );
  }
  if (target) return target;
  let url: string;
  try {
    url = normalizeRegistryUrl(candidate.url);
  } catch {
    return undefined;
  }
  return options.resolveTarget?.(url);
}

/**
 * The CodeArtifact registries a project uses: `registry=` and `@scope:registry=` from the environment
 * (`npm_config_*`, `YARN_NPM_REGISTRY_SERVER`), the project .npmrc (the nearest one up to the workspace
 * root) and the user .npmrc, then yarn berry's `npmRegistryServer`, `npmScopes` and `npmRegistries` from
 * the project's rc files and `~/.yarnrc.yml`, pnpm 11's `registries:` (`default`, `'@scope'`) in the
 * workspace's `pnpm-workspace.yaml` and pnpm's global `config.yaml`, and bun's `[install] registry` and
 * `[install.scopes]` in the project's `bunfig.toml` and the user's `.bunfig.toml`. `${VAR}` is expanded
 * as each tool does. Other registries
 * are left out unless `resolveTarget` gives coordinates. One entry per canonical URL, from its
 * highest-priority source (env > project > user > yarn > pnpm > bun), the other places in `alsoIn`.
 *
 * @throws {RcFileError} `REGISTRY_URL_INVALID` (a broken CodeArtifact URL, naming file:line),
 *   `NPMRC_INVALID`, `YARNRC_INVALID`, `CONFIG_INVALID` (pnpm's YAML, bunfig.toml).
 * @example
 * const { registries } = await discoverRegistries({ cwd: process.cwd() });
 * for (const group of groupTargetsByDomain(registries.map((r) => r.target))) … // one token per group
 */
export async function discoverRegistries(options: DiscoverOptions): Promise<Discovery> {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const location = { env, home, cwd: options.cwd };
  const userNpmrc = findUserNpmrc(location).path;
  const project = findProject(options.cwd, location);

  const searched: string[] = [];
  const candidates: Candidate[] = [...envCandidates(env)];
  if (project.npmrc) candidates.push(...npmrcCandidates(project.npmrc, "project-npmrc", env, searched));
  candidates.push(...npmrcCandidates(userNpmrc, "user-npmrc", env, searched));

  candidates.push(...(await yarnCandidates(options.cwd, env, home, searched)).filter((c) => !c.publish));
  if (project.workspaceKind === "pnpm" && project.workspaceRoot) {
    candidates.push(
      ...(await pnpmYamlCandidates(
        join(project.workspaceRoot, "pnpm-workspace.yaml"),
        "pnpm-workspace",
        searched,
      )),
    );
  }
  candidates.push(
    ...(await pnpmYamlCandidates(join(pnpmConfigDir({ env, home }), "config.yaml"), "pnpm-config", searched)),
  );
  candidates.push(...(await bunfigCandidates(join(project.root, "bunfig.toml"), "bunfig", env, searched)));
  candidates.push(...(await bunfigCandidates(userBunfigPath(env, home), "user-bunfig", env, searched)));

  candidates.sort((a, b) => PRIORITY[a.source] - PRIORITY[b.source] || a.order - b.order);
  const byUrl = new Map<string, DiscoveredRegistry>();
  const notCodeArtifact: Discovery["notCodeArtifact"] = [];
  for (const candidate of candidates) {
    const target = toTarget(candidate, options);
    if (!target) {
      const { order: _order, publish: _publish, ...occurrence } = candidate;
      notCodeArtifact.push(occurrence);
      continue;
    }
    const { url: _url, order: _order, publish: _publish, ...occurrence } = candidate;
    const registryUrl = normalizeRegistryUrl(target.registryUrl);
    const existing = byUrl.get(registryUrl);
    if (existing) existing.alsoIn.push(occurrence);
    else byUrl.set(registryUrl, { ...occurrence, registryUrl, target, alsoIn: [] });
  }
  return { registries: [...byUrl.values()], notCodeArtifact, searched };
}

/** A registry that pnpm's config routes a scope (or the default, `@`) to. */
export interface PnpmRoute {
  /** `@` for the default registry, else `@scope`. */
  scope: string;
  /** Canonical URL when it parses, else as written (an unexpanded `${VAR}` stays). */
  url: string;
  file?: string;
  line?: number;
}

/**
 * Every registry routing setting pnpm 11 reads from `cwd`, in no particular order: `registry` and
 * `@scope:registry` from the environment, the project, user and auth.ini .npmrc files, and `registries:`
 * in pnpm-workspace.yaml and pnpm's global config.yaml. Callers that mirror pnpm's routing (the
 * `pnpm_config__auth` variable routes every scope it names) use a scope only when all its settings agree.
 *
 * @throws {RcFileError} as {@link discoverRegistries} for a file that cannot be read.
 */
export async function pnpmRoutes(options: Omit<DiscoverOptions, "resolveTarget">): Promise<PnpmRoute[]> {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const location = { env, home, cwd: options.cwd };
  const project = findProject(options.cwd, location);
  const searched: string[] = [];
  const configDir = pnpmConfigDir({ env, home });
  const candidates: Candidate[] = [
    ...envCandidates(env).filter((c) => /^npm_config_/i.test(c.key)),
    ...(project.npmrc ? npmrcCandidates(project.npmrc, "project-npmrc", env, searched) : []),
    ...npmrcCandidates(findUserNpmrc(location).path, "user-npmrc", env, searched),
    ...npmrcCandidates(join(configDir, "auth.ini"), "user-npmrc", env, searched),
    ...(project.workspaceKind === "pnpm" && project.workspaceRoot
      ? await pnpmYamlCandidates(
          join(project.workspaceRoot, "pnpm-workspace.yaml"),
          "pnpm-workspace",
          searched,
        )
      : []),
    ...(await pnpmYamlCandidates(join(configDir, "config.yaml"), "pnpm-config", searched)),
  ];
  return candidates.map(({ scope, url, file, line }) => {
    let canonical = url;
    try {
      canonical = normalizeRegistryUrl(url);
    } catch {
      // kept as written: it matches no fetched registry
    }
    return { scope: scope ?? "@", url: canonical, ...(file ? { file } : {}), ...(line ? { line } : {}) };
  });
}

/** Targets that share one token: same domain, owner and region. */
export interface DomainGroup {
  domain: string;
  domainOwner: string;
  region: string;
  targets: RegistryTarget[];
}

/**
 * Groups targets by (domain, owner, region), in first-seen order: one token serves every repository of
 * a domain, so callers fetch once per group (and per identity).
 */
export function groupTargetsByDomain(targets: readonly RegistryTarget[]): DomainGroup[] {
  const groups = new Map<string, DomainGroup>();
  for (const target of targets) {
    const key = `${target.domain}\u0000${target.domainOwner}\u0000${target.region}`;
    const group = groups.get(key);
    if (group) {
      if (!group.targets.some((t) => t.registryUrl === target.registryUrl)) group.targets.push(target);
    } else {
      groups.set(key, {
        domain: target.domain,
        domainOwner: target.domainOwner,
        region: target.region,
        targets: [target],
      });
    }
  }
  return [...groups.values()];
}
