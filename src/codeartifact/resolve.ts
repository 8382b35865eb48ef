// From a registry (URL or coordinates) to everything needed to get its token: the target, the
// settings chosen for it (with where each came from), and the identity that will ask AWS.
import { join } from "node:path";
import { fromEnv } from "../configstore/backends/env.js";
import { fingerprint } from "../configstore/fingerprint.js";
import { interpolate } from "../configstore/interpolate.js";
import { ConfigStore } from "../configstore/store.js";
import type { Backend } from "../configstore/types.js";
import type { KeyringConfig, LoadedConfig } from "./config.js";
import { loadKeyringConfig } from "./config.js";
import { ConfigError, InvalidRegistryUrlError } from "./errors.js";
import { makeTarget, normalizeRegistryUrl, parseRegistryUrl, type RegistryTarget } from "./registry-url.js";
import { type Selection, sectionForRegistryUrl, selectSettings } from "./select.js";
import {
  parseTokenDuration,
  SETTING_DEFINITIONS,
  SettingRuleError,
  type SettingSource,
  type Settings,
} from "./settings.js";

/** A registry URL, or explicit coordinates for a registry URL that is not CodeArtifact-shaped. */
export type RegistryInput = string | RegistryTarget;

/** Who asks AWS for the token. `key` is stable and holds no secret: the cache is keyed by it. */
export interface Identity {
  kind: "static" | "profile" | "default";
  key: string;
  /** For people: `profile dev`, `static key AKIA…MPLE`, `default credential chain (AWS_PROFILE=x)`. */
  description: string;
  /** The description of the base credentials alone, when a role is assumed on top. */
  baseDescription?: string;
  profile?: string;
  roleArn?: string;
  /** The CodeArtifact endpoint when it is not AWS's (a VPC or test endpoint): tokens differ per endpoint. */
  endpoint?: string;
}

/** Overrides from flags, above every config section. */
export interface SettingOverrides {
  profile?: string;
  tokenDuration?: number;
  /** `--min-valid`, in seconds. */
  minValid?: number;
}

export interface ResolveOptions {
  /** A config already loaded (or read from text); otherwise it is found as `loadKeyringConfig` does. */
  config?: KeyringConfig | LoadedConfig;
  /** `--config PATH`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Project dir whose `.env` and user secrets may hold `${…}` values. Default: `process.cwd()`. */
  cwd?: string;
  overrides?: SettingOverrides;
  /** The chain `${…}` references resolve through; default: see `settingsStore`. */
  store?: ConfigStore;
  /** Receives each lookup of the chain (for `--verbose`). */
  trace?: (event: { key: string; backend: string; outcome: "hit" | "miss" | "error" }) => void;
}

export interface ResolvedRegistry {
  target: RegistryTarget;
  settings: Settings;
  /** Where each setting in `settings` came from, by canonical key. */
  sources: Record<string, SettingSource>;
  selection: Selection;
  identity: Identity;
  /** The config file used, if any. */
  configFile?: string;
}

function asLoaded(config: KeyringConfig | LoadedConfig): LoadedConfig {
  return "config" in config
    ? config
    : { config, candidates: [], warnings: [], ...(config.file ? { file: config.file } : {}) };
}

/**
 * The target for a registry URL: parsed when CodeArtifact-shaped, else looked up in the config's
 * `registry_url` mappings.
 * @throws {InvalidRegistryUrlError} for a broken CodeArtifact URL, or another URL with no mapping.
 */
export function resolveTarget(input: RegistryInput, config: KeyringConfig): RegistryTarget {
  if (typeof input !== "string") return makeTarget(input);
  const parsed = parseRegistryUrl(input);
  if (parsed) return parsed;
  const registryUrl = normalizeRegistryUrl(input);
  const section = sectionForRegistryUrl(config, registryUrl);
  const { domain, account, region, name } = section?.qualifiers ?? {};
  if (!section || !domain || !account || !region || !name) {
    throw new InvalidRegistryUrlError(
      input,
      `\`${input}\` is not a CodeArtifact URL and no config section maps it: give its coordinates with --domain, --domain-owner, --region and --repository, or add \`registry_url = ${registryUrl}\` to a [codeartifact domain="…" account="…" region="…" name="…"] section`,
    );
  }
  return { registryUrl, domain, domainOwner: account, region, repository: name };
}

/**
 * The chain `${NAME}` references in settings resolve through, first hit wins: the environment, the
 * user secrets the project's `.env` links to (ours, then dotnet user-secrets' and python-env-secrets'
 * when it links to those and they hold secrets), the project's `.env`, Docker secrets, then SSM under
 * `ssm_prefix` and Secrets Manager under `secretsmanager_prefix`. User secrets come before `.env`: the
 * repository controls its `.env`, and must not be able to override a value the user keeps outside it.
 * Backends are imported only when a value actually holds a reference.
 */
export async function settingsStore(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  ssmPrefix?: string;
  ssmRegion?: string;
  /** The `timeout` and `verify` settings, for the SSM and Secrets Manager clients. */
  timeoutSeconds?: number;
  verify?: boolean | string;
  secretsManagerPrefix?: string;
  trace?: ResolveOptions["trace"];
}): Promise<ConfigStore> {
  const [{ fromDotenv }, { fromUserSecrets }, { fromDockerSecrets }] = await Promise.all([
    import("../configstore/backends/dotenv.js"),
    import("../configstore/backends/user-secrets.js"),
    import("../configstore/backends/docker-secrets.js"),
  ]);
  const backends: Backend[] = [
    fromEnv({ env: options.env }),
    fromUserSecrets({ projectDir: options.cwd, env: options.env }),
  ];
  // A project linked to dotnet user-secrets or python-env-secrets: that store follows ours, when the
  // project's .env links to one holding secrets (so lookups and messages stay as they were otherwise).
  // A file that cannot be read keeps its backend in the chain, so the lookup reports it with the
  // setting that needed it, instead of this early look reporting it without.
  for (const store of ["dotnet", "python-env-secrets"] as const) {
    const foreign = fromUserSecrets({ projectDir: options.cwd, env: options.env, store });
    const holds = await foreign.info().then(
      (info) => info.count > 0,
      () => true,
    );
    if (holds) backends.push(foreign);
  }
  backends.push(fromDotenv({ path: join(options.cwd, ".env") }), fromDockerSecrets({}));
  // What both AWS backends are reached with: the environment, the region, `timeout` and `verify`.
  const client = {
    env: options.env,
    ...(options.ssmRegion ? { region: options.ssmRegion } : {}),
    ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
    ...(options.verify !== undefined ? { verify: options.verify } : {}),
  };
  if (options.ssmPrefix) {
    const { fromSsm } = await import("../configstore/backends/ssm.js");
    backends.push(fromSsm({ prefix: options.ssmPrefix, ...client }));
  }
  if (options.secretsManagerPrefix) {
    const { fromSecretsManager } = await import("../configstore/backends/secrets-manager.js");
    backends.push(fromSecretsManager({ prefix: options.secretsManagerPrefix, ...client }));
  }
  return new ConfigStore(backends, options.trace ? { trace: options.trace } : {});
}

const ENV_SETTINGS: Record<string, string> = {
  CODEARTIFACT_KEYRING_CACHE: "cache",
  CODEARTIFACT_KEYRING_TOKEN_FROM: "token_from",
  CODEARTIFACT_KEYRING_TOKEN_FROM_FALLBACK: "token_from_fallback",
};

/**
 * Interpolates and validates the selected settings, then applies environment and flag overrides.
 * @throws {ConfigError} naming file:line, key and rule for an invalid value.
 */
export async function resolveSettings(
  selection: Selection,
  options: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    overrides?: SettingOverrides;
    store?: ConfigStore;
    trace?: ResolveOptions["trace"];
    /** The registry's region: SSM's when `ssm_region` is not set. */
    region?: string;
  },
): Promise<{ settings: Settings; sources: Record<string, SettingSource> }> {
  const settings: Settings = {};
  const sources: Record<string, SettingSource> = Object.create(null);
  const raw: Record<string, { value: string; source: SettingSource }> = Object.create(null);
  for (const [key, selected] of Object.entries(selection.settings)) {
    raw[key] = {
      value: selected.value,
      source: {
        section: selected.section,
        ...(selected.file ? { file: selected.file } : {}),
        ...(selected.line ? { line: selected.line } : {}),
      },
    };
  }
  for (const [name, key] of Object.entries(ENV_SETTINGS)) {
    const value = options.env[name];
    if (value !== undefined && value !== "") raw[key] = { value, source: { section: "env", file: name } };
  }

  let store = options.store;
  const needsStore = Object.values(raw).some(({ value }) => value.includes("${"));
  if (needsStore && !store) {
    // The store settings themselves may not reference a store; nor may the client settings the stores
    // are reached with (a value that is invalid or holds a reference is left to the SDK default here,
    // and reported below).
    const ssmPrefix = raw.ssm_prefix?.value;
    const ssmRegion = raw.ssm_region?.value ?? options.region;
    const secretsManagerPrefix = raw.secretsmanager_prefix?.value;
    const literal = (key: string): unknown => {
      const value = raw[key]?.value;
      if (value === undefined || value.includes("${")) return undefined;
      try {
        return SETTING_DEFINITIONS.find((d) => d.key === key)?.parse(value);
      } catch {
        return undefined;
      }
    };
    const timeoutSeconds = literal("timeout") as number | undefined;
    const verify = literal("verify") as boolean | string | undefined;
    store = await settingsStore({
      cwd: options.cwd,
      env: options.env,
      ...(ssmPrefix ? { ssmPrefix } : {}),
      ...(ssmRegion ? { ssmRegion } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(verify !== undefined ? { verify } : {}),
      ...(secretsManagerPrefix ? { secretsManagerPrefix } : {}),
      ...(options.trace ? { trace: options.trace } : {}),
    });
  }

  for (const definition of SETTING_DEFINITIONS) {
    const entry = raw[definition.key];
    if (!entry) continue;
    const { source } = entry;
    const where =
      source.section === "env"
        ? `${source.file}`
        : `${source.file ?? "config"}${source.line ? `:${source.line}` : ""}`;
    let value = entry.value;
    if (store && value.includes("${")) {
      const via: string[] = [];
      const traced = new ConfigStore(store.backends, {
        trace: (event) => {
          if (event.outcome === "hit") via.push(event.backend);
          options.trace?.(event);
        },
      });
      try {
        value = await interpolate(value, traced, { keyPath: `[${source.section}] ${definition.key}` });
      } catch (error) {
        throw new ConfigError(source.file, source.line, (error as Error).message, { cause: error });
      }
      if (via.length > 0) source.via = [...new Set(via)];
    }
    try {
      (settings as Record<string, unknown>)[definition.property] = definition.parse(value);
    } catch (error) {
      if (!(error instanceof SettingRuleError)) throw error;
      if (definition.key === "token_duration") parseTokenDuration(value, where);
      const shown = definition.secret ? "" : ` = ${value}`;
      throw new ConfigError(
        source.file,
        source.line,
        `\`${definition.key}${shown}\` is not valid: ${error.rule}`,
      );
    }
    sources[definition.key] = source;
  }

  if (options.overrides?.profile !== undefined) {
    settings.profile = options.overrides.profile;
    sources.profile_name = { section: "flag", file: "--profile" };
  }
  if (options.overrides?.tokenDuration !== undefined) {
    settings.tokenDuration = parseTokenDuration(options.overrides.tokenDuration, "--duration");
    sources.token_duration = { section: "flag", file: "--duration" };
  }
  if (options.overrides?.minValid !== undefined) {
    settings.minValid = options.overrides.minValid;
    sources.min_valid = { section: "flag", file: "--min-valid" };
  }

  if ((settings.accessKeyId === undefined) !== (settings.secretAccessKey === undefined)) {
    const missing = settings.accessKeyId === undefined ? "aws_access_key_id" : "aws_secret_access_key";
    const present =
      settings.accessKeyId === undefined ? sources.aws_secret_access_key : sources.aws_access_key_id;
    throw new ConfigError(
      present?.file,
      present?.line,
      `static credentials need both keys: \`${missing}\` is missing in [${present?.section}] (set it, or remove the other key to use a profile)`,
    );
  }
  return { settings, sources };
}

/** Keeps key ids (not secrets, but not for display either) out of cache keys. */
function hash(value: string): string {
  return fingerprint(value);
}

function maskKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : "…";
}

/**
 * The identity that will ask AWS, as configured: static keys (by a hash of the key id), a profile,
 * or the SDK's default chain (with AWS_PROFILE, a web-identity role, or a hash of the environment's
 * key id), plus `role_arn` on top. Never the rotating secret parts, so a cache keyed by it survives
 * credential refreshes, and never the same key for two identities.
 */
export function describeIdentity(settings: Settings, env: NodeJS.ProcessEnv): Identity {
  const endpoint = settings.endpointUrl ?? env.AWS_ENDPOINT_URL_CODEARTIFACT ?? env.AWS_ENDPOINT_URL;
  const endpointPart = endpoint ? { endpoint } : {};
  let base: Omit<Identity, "endpoint">;
  if (settings.accessKeyId) {
    base = {
      kind: "static",
      key: `static:${hash(settings.accessKeyId)}`,
      description: `static key ${maskKeyId(settings.accessKeyId)}`,
    };
  } else if (settings.profile) {
    base = {
      kind: "profile",
      key: `profile:${settings.profile}`,
      description: `profile ${settings.profile}`,
      profile: settings.profile,
    };
  } else {
    const parts = ["default"];
    const details: string[] = [];
    if (env.AWS_PROFILE) {
      parts.push(`profile=${env.AWS_PROFILE}`);
      details.push(`AWS_PROFILE=${env.AWS_PROFILE}`);
    }
    if (env.AWS_ACCESS_KEY_ID) {
      // Keys in the environment are an identity of their own: two sets must not share tokens.
      parts.push(`env-key=${hash(env.AWS_ACCESS_KEY_ID)}`);
      details.push(`AWS_ACCESS_KEY_ID=${maskKeyId(env.AWS_ACCESS_KEY_ID)}`);
    } else if (env.AWS_ROLE_ARN) {
      parts.push(`web-identity=${env.AWS_ROLE_ARN}`);
      details.push(`AWS_ROLE_ARN=${env.AWS_ROLE_ARN}`);
    }
    base = {
      kind: "default",
      key: parts.join(":"),
      description: `default credential chain${details.length ? ` (${details.join(", ")})` : ""}`,
      ...(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
    };
  }
  if (!settings.roleArn) return { ...base, ...endpointPart };
  return {
    ...base,
    key: `${base.key}>role:${settings.roleArn}${settings.externalId ? `:${hash(settings.externalId)}` : ""}`,
    description: `${base.description}, assuming ${settings.roleArn}`,
    baseDescription: base.description,
    roleArn: settings.roleArn,
    ...endpointPart,
  };
}

/**
 * Everything needed to get a registry's token: target, settings with their sources, identity.
 *
 * @example
 * const resolved = await resolveRegistry("https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm/");
 * resolved.settings.profile; resolved.sources.profile_name; resolved.identity.description;
 */
export async function resolveRegistry(
  input: RegistryInput,
  options: ResolveOptions = {},
): Promise<ResolvedRegistry> {
  const env = options.env ?? process.env;
  const loaded = options.config
    ? asLoaded(options.config)
    : await loadKeyringConfig({ env, ...(options.configPath ? { configPath: options.configPath } : {}) });
  const target = resolveTarget(input, loaded.config);
  const selection = selectSettings(loaded.config, {
    domain: target.domain,
    account: target.domainOwner,
    region: target.region,
    name: target.repository,
  });
  selection.warnings.unshift(...loaded.warnings);
  const { settings, sources } = await resolveSettings(selection, {
    env,
    region: target.region,
    cwd: options.cwd ?? process.cwd(),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  });
  return {
    target,
    settings,
    sources,
    selection,
    identity: describeIdentity(settings, env),
    ...(loaded.file ? { configFile: loaded.file } : {}),
  };
}
