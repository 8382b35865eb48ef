// Which registries a command works on: the --registry flags (with explicit coordinates for a URL
// that is not CodeArtifact-shaped), else the ones the project's config files use.
import type { LoadedConfig } from "../codeartifact/config.js";
import { loadKeyringConfig } from "../codeartifact/config.js";
import { InvalidRegistryUrlError } from "../codeartifact/errors.js";
import {
  makeTarget,
  normalizeRegistryUrl,
  parseRegistryUrl,
  type RegistryTarget,
} from "../codeartifact/registry-url.js";
import {
  type ResolvedRegistry,
  resolveRegistry,
  resolveTarget,
  type SettingOverrides,
} from "../codeartifact/resolve.js";
import { parseMinValid, parseTokenDuration, SETTING_DEFINITIONS } from "../codeartifact/settings.js";
import { CodedError } from "../configstore/errors.js";
import { parseNpmrc } from "../package-managers/ini-text.js";
import { readConfigText } from "../package-managers/private-file.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";

export interface RegistryFlags {
  registry?: string[];
  domain?: string;
  domainOwner?: string;
  region?: string;
  repository?: string;
  profile?: string;
  duration?: string;
  minValid?: string;
}

/** A registry chosen for a command, with where it was found. */
export interface ChosenRegistry {
  target: RegistryTarget;
  /** `--registry`, or the file (and line) that names it. */
  origin: string;
  /** The scope it serves (`@corp`), when discovered from a scope line. */
  scope?: string;
}

export interface Selection {
  config: LoadedConfig;
  registries: ChosenRegistry[];
  /** Files that were searched, for a helpful "found nothing" message. */
  searched: string[];
}

export class NoRegistryError extends CodedError {
  override name = "NoRegistryError";
  constructor(message: string) {
    super("NO_REGISTRY", message);
  }
}

export async function loadConfig(context: CommandContext): Promise<LoadedConfig> {
  return loadKeyringConfig({
    env: context.env,
    ...(context.configPath ? { configPath: context.configPath } : {}),
  });
}

export function overridesOf(flags: RegistryFlags): SettingOverrides {
  return {
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    ...(flags.duration !== undefined
      ? { tokenDuration: parseTokenDuration(flags.duration, "--duration") }
      : {}),
    ...(flags.minValid !== undefined ? { minValid: parseMinValid(flags.minValid, "--min-valid") } : {}),
  };
}

/** Runs `make`, naming the `--registry` flag in a registry URL error (plain http, a broken URL). */
function fromFlag<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof InvalidRegistryUrlError) {
      throw new InvalidRegistryUrlError(error.url, `\`--registry\`: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The registries to work on. Explicit `--registry` flags win; `--domain …` coordinates apply to
 * exactly one `--registry`. Without flags, the project's `.npmrc` / `.yarnrc.yml` and the user's
 * are searched; `required` makes finding none an error that says where we looked.
 */
export async function chooseRegistries(
  context: CommandContext,
  flags: RegistryFlags,
  options: { required?: boolean } = {},
): Promise<Selection> {
  const config = await loadConfig(context);
  const coordinates = [flags.domain, flags.domainOwner, flags.region, flags.repository];
  const anyCoordinate = coordinates.some((c) => c !== undefined);
  const urls = flags.registry ?? [];
  if (anyCoordinate) {
    if (urls.length !== 1 || coordinates.some((c) => c === undefined)) {
      throw new UsageError(
        "explicit coordinates need exactly one --registry and all of --domain, --domain-owner, --region and --repository",
      );
    }
    const target = fromFlag(() =>
      makeTarget({
        registryUrl: urls[0] as string,
        domain: flags.domain as string,
        domainOwner: flags.domainOwner as string,
        region: flags.region as string,
        repository: flags.repository as string,
      }),
    );
    return { config, registries: [{ target, origin: "--registry" }], searched: [] };
  }
  if (urls.length > 0) {
    const seen = new Set<string>();
    const registries: ChosenRegistry[] = [];
    for (const url of urls) {
      const target = fromFlag(() => resolveTarget(url, config.config));
      if (seen.has(target.registryUrl)) continue;
      seen.add(target.registryUrl);
      registries.push({ target, origin: "--registry" });
    }
    return { config, registries, searched: [] };
  }
  const { discoverRegistries } = await import("../package-managers/discover.js");
  const discovered = await discoverRegistries({
    cwd: context.cwd,
    env: context.env,
    resolveTarget: (url: string) => {
      try {
        return resolveTarget(normalizeRegistryUrl(url), config.config);
      } catch {
        return undefined;
      }
    },
  });
  const registries = discovered.registries.map((found) => ({
    target: found.target,
    origin: `${found.file}${found.line ? `:${found.line}` : ""}`,
    ...(found.scope ? { scope: found.scope } : {}),
  }));
  if (registries.length === 0 && options.required) {
    // The config's warnings would have come with the registries; a typo there may be the reason.
    const { unknownSettingWarnings } = await import("../codeartifact/select.js");
    for (const warning of new Set([...config.warnings, ...unknownSettingWarnings(config.config)]))
      context.out.warn(warning);
    const where = discovered.searched.join(", ") || "the project's .npmrc or .yarnrc.yml";
    // A URL of some other registry (not npm's public one): the likely proxy or mirror to map.
    const other = discovered.notCodeArtifact.find(
      (o) =>
        /^https?:\/\/\S+$/.test(o.url) && !/^https?:\/\/registry\.(npmjs\.org|yarnpkg\.com)\//.test(o.url),
    );
    throw new NoRegistryError(
      other
        ? `no CodeArtifact registry found in ${where}: ${other.file ? `\`${other.file}\`${other.line ? `:${other.line}` : ""}` : "the environment"} sets \`${other.key}\` to \`${other.url}\`, which is not a CodeArtifact URL: map it with \`registry_url = ${other.url}\` in a \`[codeartifact domain=… account=… region=… name=…]\` section of the config, or pass \`--registry ${other.url}\` with --domain, --domain-owner, --region and --repository`
        : `no CodeArtifact registry found in ${where}: pass --registry URL, or add \`registry=\` / \`@scope:registry=\` to the project's .npmrc`,
    );
  }
  return { config, registries, searched: discovered.searched };
}

/**
 * Resolves every chosen registry with the shared config and the flags' overrides. The config's
 * warnings (unknown keys, equally specific sections, a second config file) are printed once, unless
 * the command reports them itself; `--verbose` prints the lookup trace of `${…}` references.
 */
export async function resolveAll(
  context: CommandContext,
  selection: Selection,
  flags: RegistryFlags,
  options: { printWarnings?: boolean } = {},
): Promise<ResolvedRegistry[]> {
  const { out } = context;
  const overrides = overridesOf(flags);
  const resolved = await Promise.all(
    selection.registries.map((registry) =>
      resolveRegistry(registry.target, {
        config: selection.config,
        env: context.env,
        cwd: context.cwd,
        overrides,
        trace: (e) => out.debug(`lookup \`${e.key}\` in ${e.backend}: ${e.outcome}`),
      }),
    ),
  );
  if (out.verbose) {
    for (const registry of resolved) {
      for (const s of settingSources(registry)) {
        const where = s.file ? `${s.file}${s.line ? `:${s.line}` : ""} [${s.section}]` : s.section;
        out.debug(
          `${registry.target.repository} (${registry.target.domain}): ${s.key} = ${s.value} (from ${where}${s.via ? `, via ${s.via.join(", ")}` : ""})`,
        );
      }
    }
  }
  if (options.printWarnings !== false) {
    for (const warning of new Set(resolved.flatMap((r) => r.selection.warnings))) out.warn(warning);
  }
  return resolved;
}

/**
 * Registries with a literal `//host/path/:_authToken` line in `file` (as `login --registry` writes
 * them) that are CodeArtifact-shaped or mapped by a `registry_url` of the config. The line has no
 * scheme: `https:` is assumed unless the config maps the `http:` URL.
 */
export function tokenLineRegistries(file: string, config: LoadedConfig["config"]): string[] {
  let text: string;
  try {
    text = readConfigText(file, "npmrc") ?? "";
  } catch {
    // Unreadable (or refused: a FIFO, not the user's): no token lines to report from it.
    return [];
  }
  const mapped = new Set(config.sections.flatMap((s) => (s.registryUrl ? [s.registryUrl] : [])));
  return parseNpmrc(text)
    .filter((e) => e.section === undefined && e.key.endsWith(":_authToken") && e.key.startsWith("//"))
    .flatMap((e) => {
      const nerf = e.key.slice(0, -":_authToken".length);
      if (mapped.has(`http:${nerf}`)) return [`http:${nerf}`];
      const url = `https:${nerf}`;
      try {
        return parseRegistryUrl(url) !== undefined || mapped.has(url) ? [url] : [];
      } catch {
        return [];
      }
    });
}

/** Each setting of a resolved registry with where it came from; secret values redacted (`diagnose`, `--verbose`). */
export function settingSources(resolved: ResolvedRegistry) {
  return SETTING_DEFINITIONS.filter((d) => resolved.sources[d.key]).map((definition) => {
    const source = resolved.sources[definition.key];
    const value = (resolved.settings as Record<string, unknown>)[definition.property];
    return {
      key: definition.key,
      value: definition.secret ? "[redacted]" : String(value),
      section: source?.section,
      ...(source?.file ? { file: source.file } : {}),
      ...(source?.line ? { line: source.line } : {}),
      ...(source?.via ? { via: source.via } : {}),
    };
  });
}
