// The sectioned config: `[codeartifact]` defaults plus `[codeartifact account="…" name="…"]` sections,
// in INI (keyringrc.cfg-compatible), TOML or YAML, read into one model that keeps file:line for every
// section and setting so errors and `diagnose` can point at them.
import { lstatSync } from "node:fs";
import { join, posix, win32 } from "node:path";
import { ConfigFileError } from "../configstore/errors.js";
import { parseIni } from "../configstore/ini.js";
import { type ConfigFormat, formatOf, parseConfigText } from "../configstore/loaders.js";
import { userDirs } from "../configstore/paths.js";
import { reveal, Secret } from "../configstore/secret.js";
import { readTextFile } from "../configstore/text-file.js";
import { ConfigError } from "./errors.js";
import { checkCoordinates, insecureRegistryUrlProblem, normalizeRegistryUrl } from "./registry-url.js";
import { SECTION_KEYS, settingDefinition } from "./settings.js";

export type Qualifier = "domain" | "account" | "region" | "name";
export const QUALIFIERS: readonly Qualifier[] = ["domain", "account", "region", "name"];

export type { ConfigFormat };

export interface ConfigEntry {
  /** Lowercased key as written (an alias stays an alias; selection maps it). */
  key: string;
  /** Value with one pair of enclosing quotes removed. `${…}` references are still unresolved. */
  value: string;
  line?: number;
}

export interface ConfigSection {
  /** The header as written, without brackets. */
  header: string;
  qualifiers: Partial<Record<Qualifier, string>>;
  entries: ConfigEntry[];
  /** `registry_url`: a registry that is not CodeArtifact-shaped, served by this section's coordinates. */
  registryUrl?: string;
  line?: number;
  /** Position in the file, 0-based, counting only `codeartifact` sections. */
  index: number;
}

export interface KeyringConfig {
  /** The file it came from, when read from one. */
  file?: string;
  format: ConfigFormat;
  /** The plain `[codeartifact]` section. */
  defaults?: ConfigSection;
  /** Qualified sections in file order. */
  sections: ConfigSection[];
}

/** An empty config: every default applies. */
export const EMPTY_CONFIG: KeyringConfig = Object.freeze({ format: "ini", sections: [] }) as KeyringConfig;

const QUALIFIER_VALUE_RULE: Record<Qualifier, "domain" | "domainOwner" | "region" | "repository"> = {
  domain: "domain",
  account: "domainOwner",
  region: "region",
  name: "repository",
};

/**
 * Reads a section header. `undefined` for sections of other tools (keyringrc.cfg holds python
 * keyring's own sections too); the qualifiers for `codeartifact …` headers.
 * @throws {ConfigError} for an unknown or repeated qualifier, an unterminated quote, or a value that
 *   breaks CodeArtifact's name rules (such a section could never apply).
 */
export function parseSectionHeader(
  header: string,
  where: { file?: string; line?: number } = {},
): Partial<Record<Qualifier, string>> | undefined {
  const fail = (message: string): never => {
    throw new ConfigError(where.file, where.line, `section [${header}]: ${message}`);
  };
  const trimmed = header.trim();
  const word = trimmed.match(/^[^\s=]+/)?.[0] ?? "";
  if (word.toLowerCase() !== "codeartifact") {
    // `[codeartifact-dev]` or `[codeartifacts]` is a typo for ours, not another tool's section.
    if (/^codeartifact/i.test(word))
      fail('a section header is `codeartifact` followed by qualifiers: [codeartifact name="repo"]');
    return undefined;
  }
  const qualifiers: Partial<Record<Qualifier, string>> = {};
  let rest = trimmed.slice(word.length);
  while (rest.trim() !== "") {
    const match = rest.match(/^\s+([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))(?=\s|$)/);
    if (!match) {
      const near = rest.trim();
      if (/^[A-Za-z_]+\s*=\s*["']/.test(near) && !/^[A-Za-z_]+\s*=\s*(["']).*\1/.test(near)) {
        fail(`unterminated quote in \`${near}\`: close the quote`);
      }
      fail(`cannot read \`${near}\`: write qualifiers as key="value" (keys: ${QUALIFIERS.join(", ")})`);
    }
    const key = (match?.[1] ?? "").toLowerCase();
    const written = match?.[2] ?? match?.[3] ?? match?.[4] ?? "";
    if (!(QUALIFIERS as readonly string[]).includes(key)) {
      fail(`unknown qualifier \`${match?.[1]}\`: use ${QUALIFIERS.join(", ")}`);
    }
    const qualifier = key as Qualifier;
    if (qualifier in qualifiers) fail(`qualifier \`${qualifier}\` is given twice`);
    // Domain and region are parts of a host name, where case does not matter.
    const value = qualifier === "domain" || qualifier === "region" ? written.toLowerCase() : written;
    const problem = checkCoordinates({ [QUALIFIER_VALUE_RULE[qualifier]]: value });
    if (problem) fail(`${qualifier}: ${problem}`);
    qualifiers[qualifier] = value;
    rest = rest.slice(match?.[0].length ?? rest.length);
  }
  return qualifiers;
}

/** Removes one pair of matching enclosing quotes, as TOML and YAML would. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

function qualifierKey(qualifiers: Partial<Record<Qualifier, string>>): string {
  return QUALIFIERS.map((q) => `${q}=${qualifiers[q] ?? ""}`).join(" ");
}

interface RawSection {
  header: string;
  line?: number;
  entries: ConfigEntry[];
}

function buildConfig(raw: RawSection[], format: ConfigFormat, file: string | undefined): KeyringConfig {
  const config: KeyringConfig = { format, sections: [], ...(file ? { file } : {}) };
  const seen = new Map<string, ConfigSection>();
  let index = 0;
  for (const section of raw) {
    const where = { ...(file ? { file } : {}), ...(section.line ? { line: section.line } : {}) };
    const qualifiers = parseSectionHeader(section.header, where);
    if (!qualifiers) continue;
    const key = qualifierKey(qualifiers);
    const twin = seen.get(key);
    if (twin) {
      throw new ConfigError(
        file,
        section.line,
        `section [${section.header}] has the same qualifiers as [${twin.header}]${twin.line ? ` (line ${twin.line})` : ""}: merge them into one section`,
      );
    }
    const entries: ConfigEntry[] = [];
    const canonicalSeen = new Map<string, ConfigEntry>();
    let registryUrl: string | undefined;
    for (const entry of section.entries) {
      const definition = settingDefinition(entry.key);
      const canonical = definition?.key ?? entry.key;
      const earlier = canonicalSeen.get(canonical);
      if (earlier) {
        throw new ConfigError(
          file,
          entry.line,
          `[${section.header}] sets \`${canonical}\` twice (as \`${earlier.key}\`${earlier.line ? ` on line ${earlier.line}` : ""} and \`${entry.key}\`): keep one`,
        );
      }
      canonicalSeen.set(canonical, entry);
      if ((SECTION_KEYS as readonly string[]).includes(entry.key)) {
        if (QUALIFIERS.some((q) => qualifiers[q] === undefined)) {
          throw new ConfigError(
            file,
            entry.line,
            `\`registry_url\` in [${section.header}] needs a section that names domain, account, region and name, so the registry's coordinates are known`,
          );
        }
        try {
          registryUrl = normalizeRegistryUrl(entry.value);
        } catch {
          throw new ConfigError(file, entry.line, `\`registry_url = ${entry.value}\` is not an http(s) URL`);
        }
        const insecure = insecureRegistryUrlProblem(entry.value);
        if (insecure) throw new ConfigError(file, entry.line, `\`registry_url\`: ${insecure}`);
        continue;
      }
      entries.push(entry);
    }
    const built: ConfigSection = {
      header: section.header.trim(),
      qualifiers,
      entries,
      index: index++,
      ...(section.line ? { line: section.line } : {}),
      ...(registryUrl ? { registryUrl } : {}),
    };
    seen.set(key, built);
    if (Object.keys(qualifiers).length === 0) config.defaults = built;
    else config.sections.push(built);
  }
  return config;
}

/** The format asked for, else the file's by its extension (configstore's rule), else INI (keyringrc.cfg). */
function configFormat(file: string | undefined, format: ConfigFormat | undefined): ConfigFormat {
  return format ?? (file ? formatOf(file) : undefined) ?? "ini";
}

/** The 1-based line where `needle` first appears (for TOML/YAML, whose parsers give no positions). */
function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : text.slice(0, at).split("\n").length;
}

async function structuredSections(
  text: string,
  format: "toml" | "yaml",
  file: string | undefined,
): Promise<RawSection[]> {
  const data = (await parseConfigText(text, format, file ? { file } : {})) as Record<string, unknown>;
  const sections: RawSection[] = [];
  for (const [header, body] of Object.entries(data)) {
    if (!/^\s*codeartifact/i.test(header)) continue;
    const headerLine = lineOf(text, header);
    if (body === null || typeof body !== "object" || Array.isArray(body) || body instanceof Secret) {
      throw new ConfigError(file, headerLine, `\`${header}\` must be a table of settings`);
    }
    const entries: ConfigEntry[] = [];
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value !== "string" && !(value instanceof Secret)) {
        throw new ConfigError(file, lineOf(text, key), `\`${key}\` in [${header}] must be a single value`);
      }
      const line = lineOf(text, key);
      entries.push({ key: key.toLowerCase(), value: reveal(value), ...(line ? { line } : {}) });
    }
    sections.push({ header, entries, ...(headerLine ? { line: headerLine } : {}) });
  }
  return sections;
}

/**
 * Reads a keyring config from a file or from text.
 *
 * @example
 * readKeyringConfig({ path: "/home/me/.config/codeartifact-keyring/config.ini" })
 * readKeyringConfig({ text: '[codeartifact]\nprofile_name = dev\n' })
 * @throws {ConfigError} naming file:line for a bad header, duplicate sections or settings.
 */
export async function readKeyringConfig(
  input: { path: string; format?: ConfigFormat } | { text: string; format?: ConfigFormat; file?: string },
): Promise<KeyringConfig> {
  const file = "path" in input ? input.path : input.file;
  const format = configFormat(file, input.format);
  try {
    const text = "path" in input ? await readTextFile(input.path) : input.text;
    if (format !== "ini") return buildConfig(await structuredSections(text, format, file), format, file);
    const document = parseIni(text, file ? { file } : {});
    const raw = document.sections.map((section) => {
      // Other tools' sections (keyringrc.cfg holds python keyring's own) are not ours to judge.
      const ours = /^\s*codeartifact/i.test(section.name);
      return {
        header: section.name,
        line: section.line,
        entries: section.entries.map((entry) => {
          // configparser keeps quotes; we remove one matching pair. A lone opening quote is a typo that
          // would otherwise become part of a profile name or key, and fail far from here.
          const value = entry.value.trim();
          if (ours && /^["']/.test(value) && (value.length === 1 || value.at(-1) !== value[0])) {
            throw new ConfigError(
              file,
              entry.line,
              `\`${entry.key}\` in [${section.name}] has an unterminated quote: close it, or remove the quote`,
            );
          }
          return { key: entry.key, value: unquote(entry.value), line: entry.line };
        }),
      };
    });
    return buildConfig(raw, format, file);
  } catch (error) {
    if (error instanceof ConfigFileError) {
      throw new ConfigError(undefined, undefined, error.message, { cause: error });
    }
    throw error;
  }
}

/** A place the config may live, in the order they are tried. */
export interface ConfigCandidate {
  path: string;
  /** How this place was chosen. */
  origin: "flag" | "env" | "user" | "python-keyring";
  exists: boolean;
}

export interface LoadedConfig {
  config: KeyringConfig;
  /** The file read, undefined when none exists (defaults apply). */
  file?: string;
  candidates: ConfigCandidate[];
  warnings: string[];
}

export interface LoadConfigOptions {
  /** `--config PATH`: must exist. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * Whether something is at `path`: a file, or a link even when it dangles or loops, so a broken link
 * in place of the config is reported instead of being skipped as "no config".
 */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A variable as Windows reads it: names are case-insensitive there (python's os.environ agrees). */
function windowsVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = name.toUpperCase();
  const key = Object.keys(env).find((k) => k.toUpperCase() === wanted);
  return key === undefined ? undefined : env[key];
}

/**
 * Where python keyring keeps keyringrc.cfg (keyring's `platform_.config_root()`):
 * - Windows: `%LOCALAPPDATA%`, else `%ProgramData%`, else `.`, then `Python Keyring\keyringrc.cfg`.
 *   As there, a variable set to the empty string counts as set (and gives a relative path, which
 *   `loadKeyringConfig` names but does not read).
 * - elsewhere (macOS too): `$XDG_CONFIG_HOME`, else `~/.config`, then `python_keyring/keyringrc.cfg`.
 *   One deliberate difference: python keyring uses a relative `XDG_CONFIG_HOME` as is, which makes the
 *   config depend on the current directory (a cloned repository could supply it); here, as the XDG
 *   spec says, a relative value is ignored.
 */
export function pythonKeyringConfigPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === "win32") {
    const root = windowsVariable(env, "LOCALAPPDATA") ?? windowsVariable(env, "ProgramData") ?? ".";
    return win32.join(root, "Python Keyring", "keyringrc.cfg");
  }
  const xdg = env.XDG_CONFIG_HOME?.startsWith("/")
    ? env.XDG_CONFIG_HOME
    : posix.join(env.HOME ?? "", ".config");
  return posix.join(xdg, "python_keyring", "keyringrc.cfg");
}

/**
 * Finds and reads the config: `--config`, then `CODEARTIFACT_KEYRING_CONFIG`, then `config.ini`
 * (or `.toml`, `.yaml`, `.yml`) in the user's config dir, then python keyring's `keyringrc.cfg`.
 * No config at all is fine: the result is empty and defaults apply.
 */
export async function loadKeyringConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const warnings: string[] = [];
  const explicit = options.configPath
    ? { path: options.configPath, origin: "flag" as const, how: "--config" }
    : env.CODEARTIFACT_KEYRING_CONFIG
      ? { path: env.CODEARTIFACT_KEYRING_CONFIG, origin: "env" as const, how: "CODEARTIFACT_KEYRING_CONFIG" }
      : undefined;
  if (explicit) {
    const exists = present(explicit.path);
    if (!exists) {
      throw new ConfigError(
        explicit.path,
        undefined,
        `config file not found (given by ${explicit.how}): check the path, or leave ${explicit.how} out to use the default location`,
      );
    }
    return {
      config: await readKeyringConfig({ path: explicit.path }),
      file: explicit.path,
      candidates: [{ path: explicit.path, origin: explicit.origin, exists }],
      warnings,
    };
  }
  const dir = userDirs("codeartifact-keyring", { env, platform }).config;
  const candidates: ConfigCandidate[] = ["config.ini", "config.toml", "config.yaml", "config.yml"].map(
    (name) => ({
      path: join(dir, name),
      origin: "user" as const,
      exists: present(join(dir, name)),
    }),
  );
  const python = pythonKeyringConfigPath(env, platform);
  // Python keyring's last resort on Windows is the current directory; a cloned project could plant a
  // config there (with its own endpoint_url or role_arn), so a relative location is named, not read.
  const pythonIsAbsolute = (platform === "win32" ? win32 : posix).isAbsolute(python);
  if (!pythonIsAbsolute && present(python)) {
    warnings.push(
      `not reading ${python}: python keyring's config location is relative to the current directory here (LOCALAPPDATA and ProgramData are unset), where a project could supply it; set LOCALAPPDATA or pass --config`,
    );
  }
  candidates.push({ path: python, origin: "python-keyring", exists: pythonIsAbsolute && present(python) });
  const found = candidates.filter((c) => c.exists);
  const chosen = found[0];
  if (!chosen) return { config: EMPTY_CONFIG, candidates, warnings };
  for (const other of found.slice(1)) {
    if (other.origin === "user")
      warnings.push(`using config ${chosen.path}; ignoring ${other.path} (keep one)`);
  }
  return { config: await readKeyringConfig({ path: chosen.path }), file: chosen.path, candidates, warnings };
}
