// Every setting the `[codeartifact…]` sections accept, how each is validated, and what it means.
// One table, so parsing, `diagnose` and the README's reference cannot drift apart.
import { Secret } from "../configstore/secret.js";
import { asBool } from "../configstore/store.js";
import { parseDurationSeconds } from "../configstore/time-text.js";
import { InvalidDurationError } from "./errors.js";

export type CacheMode = "auto" | "keychain" | "file" | "none";

/** Settings after interpolation and validation. Absent means "use the default". */
export interface Settings {
  /** AWS profile for the base credentials (`profile_name`, alias `profile`). */
  profile?: string;
  /** Token lifetime in seconds: 0 (the role session's), or 900..43200. Default: the service's 12 h. */
  tokenDuration?: number;
  accessKeyId?: string;
  secretAccessKey?: Secret;
  sessionToken?: Secret;
  /** A role assumed on top of the base credentials. */
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  /** CodeArtifact API endpoint (for VPC endpoints or a test endpoint). */
  endpointUrl?: string;
  /** TLS verification: false, or a CA bundle path. */
  verify?: boolean | string;
  /** A pre-fetched token: skip AWS entirely. */
  authToken?: Secret;
  /** SSM Parameter Store path that `${NAME}` references may resolve under. */
  ssmPrefix?: string;
  ssmRegion?: string;
  /** Secrets Manager name prefix that `${NAME}` references may resolve under. */
  secretsManagerPrefix?: string;
  cache?: CacheMode;
  /** Seconds before expiry when a cached token is refreshed. Default 900. */
  refreshMargin?: number;
  /** Seconds each attempt of an AWS call may take before it is abandoned. Default 10. */
  timeout?: number;
  /** Seconds a token must stay valid: refresh when it would not, fail when even a new one would not. */
  minValid?: number;
  /** Read the token `codeartifact-login publish` stored there instead of calling CodeArtifact. */
  tokenFrom?: TokenStoreRef;
  /** What to do when the published token is missing or stale: fail (`none`, default) or mint one (`aws`). */
  tokenFromFallback?: "aws" | "none";
}

/** Default seconds before expiry when a token counts as expiring (`refresh_margin`). */
export const DEFAULT_REFRESH_MARGIN_SECONDS = 900;

/**
 * Seconds before expiry at which a token counts as expiring: the margin, or half the token's lifetime
 * when it lives less than twice the margin (a 15-minute token is not refreshed on every call just
 * because the margin is 15 minutes). Without a known lifetime, the margin.
 */
export function refreshThresholdSeconds(lifetimeSeconds: number | undefined, marginSeconds: number): number {
  return lifetimeSeconds !== undefined && lifetimeSeconds < 2 * marginSeconds
    ? lifetimeSeconds / 2
    : marginSeconds;
}

export const MIN_VALID_RULE =
  "use a duration such as 30m, 2h or 3600 (seconds), at most 12h (the longest token)";

function minValidSeconds(value: string): number | undefined {
  const seconds = parseDurationSeconds(value);
  return seconds !== undefined && seconds <= 43_200 ? seconds : undefined;
}

/**
 * `min_valid` / `--min-valid`: a duration up to 12 hours.
 * @throws {InvalidDurationError} naming `where` and the rule.
 */
export function parseMinValid(value: string, where = "min_valid"): number {
  const seconds = minValidSeconds(value);
  if (seconds === undefined) {
    throw new InvalidDurationError(`${where}: \`${value}\` is not valid: ${MIN_VALID_RULE}`);
  }
  return seconds;
}

/** Where a fleet's token is published: an SSM parameter path or a Secrets Manager name prefix. */
export interface TokenStoreRef {
  kind: "ssm" | "secretsmanager";
  /** The path (`/ci/codeartifact`) or name prefix (`ci/codeartifact`) the per-domain names go under. */
  path: string;
  /** As written: `ssm:/ci/codeartifact`. */
  spec: string;
}

export const TOKEN_FROM_RULE =
  "use `ssm:/PATH` (a Parameter Store path) or `secretsmanager:NAME` (a Secrets Manager name prefix)";

/**
 * `token_from` / `publish --to`: `ssm:/PATH` or `secretsmanager:NAME`, in the characters each
 * service allows in a name (the per-domain suffix is added to it).
 * @throws {SettingRuleError} with the rule.
 */
export function parseTokenStore(value: string): TokenStoreRef {
  const spec = value.trim();
  const match = /^(ssm|secretsmanager):(.+)$/.exec(spec);
  const kind = match?.[1] as TokenStoreRef["kind"] | undefined;
  const path = (match?.[2] ?? "").replace(/\/+$/, "");
  const valid =
    kind === "ssm"
      ? /^\/[A-Za-z0-9_.\-/]{1,900}$/.test(path) && !/^\/(aws|ssm)(\/|$)/i.test(path)
      : kind === "secretsmanager" && /^[A-Za-z0-9/_+=.@-]{1,400}$/.test(path);
  if (!kind || !valid) throw new SettingRuleError(TOKEN_FROM_RULE);
  return { kind, path, spec: `${kind}:${path}` };
}

/** Where a setting's value came from: the section (and file:line) or a flag/environment override. */
export interface SettingSource {
  /** Section header as written, `flag` or `env`. */
  section: string;
  file?: string;
  line?: number;
  /** Backends that `${…}` references in the value were resolved through. */
  via?: string[];
}

/** A value that breaks a setting's rule; the resolver adds the file, line and key. */
export class SettingRuleError extends Error {
  constructor(readonly rule: string) {
    super(rule);
  }
}

type Parser = (value: string) => unknown;

export interface SettingDefinition {
  /** Canonical key as written in the config. */
  key: string;
  aliases?: string[];
  /** Property in `Settings`. */
  property: keyof Settings;
  secret?: boolean;
  /** One of the credential group: chosen together from one section (see `CREDENTIAL_KEYS`). */
  credential?: boolean;
  description: string;
  parse: Parser;
}

const text: Parser = (value) => value;
const secret: Parser = (value) => new Secret(value);

function integerIn(value: string, rule: string, ok: (n: number) => boolean): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!ok(n)) throw new SettingRuleError(rule);
  return n;
}

export const TOKEN_DURATION_RULE = "use 0 (expire with the role session) or 900 to 43200 seconds";

/**
 * `token_duration` / `--duration`: 0, or 900..43200 seconds (the service's rule).
 * @throws {InvalidDurationError} naming `where` (a flag, or file:line) and the rule.
 */
export function parseTokenDuration(value: string | number, where = "token_duration"): number {
  try {
    return integerIn(String(value), TOKEN_DURATION_RULE, (n) => n === 0 || (n >= 900 && n <= 43_200));
  } catch {
    throw new InvalidDurationError(
      `${where}: token duration \`${value}\` is not valid: ${TOKEN_DURATION_RULE}`,
    );
  }
}

export const SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: "profile_name",
    credential: true,
    aliases: ["profile"],
    property: "profile",
    description: "AWS profile (in ~/.aws/config or credentials) for the base credentials.",
    parse: text,
  },
  {
    key: "token_duration",
    property: "tokenDuration",
    description:
      "Token lifetime in seconds: 0 (expire with the role session) or 900 to 43200. Default: 43200.",
    parse: (value) => integerIn(value, TOKEN_DURATION_RULE, (n) => n === 0 || (n >= 900 && n <= 43_200)),
  },
  {
    key: "aws_access_key_id",
    credential: true,
    property: "accessKeyId",
    description: "Static access key id; needs aws_secret_access_key.",
    parse: text,
  },
  {
    key: "aws_secret_access_key",
    credential: true,
    property: "secretAccessKey",
    secret: true,
    description: "Static secret access key; use ${NAME} to keep it out of the file.",
    parse: secret,
  },
  {
    key: "aws_session_token",
    credential: true,
    property: "sessionToken",
    secret: true,
    description: "Session token that goes with temporary static keys.",
    parse: secret,
  },
  {
    key: "role_arn",
    credential: true,
    property: "roleArn",
    description: "IAM role assumed on top of the base credentials.",
    parse: (value) => {
      if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(value)) {
        throw new SettingRuleError("expected a role ARN such as arn:aws:iam::123456789012:role/NAME");
      }
      return value;
    },
  },
  {
    key: "role_session_name",
    credential: true,
    property: "roleSessionName",
    description: "Session name for role_arn. Default: codeartifact-keyring.",
    parse: text,
  },
  {
    key: "external_id",
    property: "externalId",
    credential: true,
    description: "External id for role_arn.",
    parse: text,
  },
  {
    key: "endpoint_url",
    property: "endpointUrl",
    description:
      "CodeArtifact API endpoint (VPC endpoint or test endpoint). AWS_ENDPOINT_URL_CODEARTIFACT also works.",
    parse: (value) => {
      if (!/^https?:\/\/[^\s/]+/.test(value)) throw new SettingRuleError("expected an http(s) URL");
      return value;
    },
  },
  {
    key: "verify",
    property: "verify",
    description: "TLS verification for every AWS call: true (default), false, or a CA bundle path.",
    parse: (value) => {
      // A boolean word, else a CA bundle path (an empty value is not a path: asBool reads it as false).
      try {
        return asBool(value, "verify");
      } catch {
        return value;
      }
    },
  },
  {
    key: "auth_token",
    credential: true,
    property: "authToken",
    secret: true,
    description: "A pre-fetched token used as is, without calling AWS (like CODEARTIFACT_AUTH_TOKEN).",
    parse: secret,
  },
  {
    key: "ssm_prefix",
    property: "ssmPrefix",
    description: "SSM Parameter Store path under which ${NAME} references are also looked up.",
    parse: text,
  },
  {
    key: "ssm_region",
    property: "ssmRegion",
    description: "Region of ssm_prefix. Default: the registry's.",
    parse: text,
  },
  {
    key: "secretsmanager_prefix",
    property: "secretsManagerPrefix",
    description:
      "Secrets Manager name prefix under which ${NAME} references are also looked up (after ssm_prefix), in ssm_region or the registry's region.",
    parse: text,
  },
  {
    key: "cache",
    property: "cache",
    description:
      "Where tokens are cached: auto (keychain, else file), keychain, file, none. Env: CODEARTIFACT_KEYRING_CACHE.",
    parse: (value) => {
      const mode = value.trim().toLowerCase();
      if (!isCacheMode(mode)) throw new SettingRuleError(`use one of ${CACHE_MODES.join(", ")}`);
      return mode;
    },
  },
  {
    key: "refresh_margin",
    property: "refreshMargin",
    description: "Seconds before expiry when a cached token is refreshed. Default: 900.",
    parse: (value) =>
      integerIn(value, "use a number of seconds from 0 to 43200", (n) => n >= 0 && n <= 43_200),
  },
  {
    key: "timeout",
    property: "timeout",
    description:
      "Seconds each attempt of an AWS call (CodeArtifact, STS, SSM) may take in total (up to 3 attempts). Default: 10.",
    parse: (value) => integerIn(value, "use a number of seconds from 1 to 300", (n) => n >= 1 && n <= 300),
  },
  {
    key: "min_valid",
    property: "minValid",
    description:
      "How long a token must stay valid (30m, 2h, or seconds): refresh sooner, fail if even a new one would not last. Flag: --min-valid.",
    parse: (value) => {
      const seconds = minValidSeconds(value);
      if (seconds === undefined) throw new SettingRuleError(MIN_VALID_RULE);
      return seconds;
    },
  },
  {
    key: "token_from",
    property: "tokenFrom",
    description:
      "Read the token that `codeartifact-login publish` stored at ssm:/PATH or secretsmanager:NAME instead of calling CodeArtifact. Env: CODEARTIFACT_KEYRING_TOKEN_FROM.",
    parse: parseTokenStore,
  },
  {
    key: "token_from_fallback",
    property: "tokenFromFallback",
    description:
      "When the token_from token is missing or stale: none (fail, default) or aws (mint one with GetAuthorizationToken, and say so). Env: CODEARTIFACT_KEYRING_TOKEN_FROM_FALLBACK.",
    parse: (value) => {
      const mode = value.trim().toLowerCase();
      if (mode !== "aws" && mode !== "none") throw new SettingRuleError("use aws or none");
      return mode;
    },
  },
];

/**
 * The credential group: who asks AWS. The most specific applying section that sets any of these
 * supplies all of them; none leaks in from a less specific section, so a profile in one section and
 * static keys in another can never combine into an identity nobody wrote.
 */
export const CREDENTIAL_KEYS: readonly string[] = SETTING_DEFINITIONS.filter((d) => d.credential).map(
  (d) => d.key,
);

/** Section-level keys that do not cascade: they describe the section itself. */
export const SECTION_KEYS = ["registry_url"] as const;

const BY_KEY = new Map<string, SettingDefinition>();
for (const definition of SETTING_DEFINITIONS) {
  BY_KEY.set(definition.key, definition);
  for (const alias of definition.aliases ?? []) BY_KEY.set(alias, definition);
}

/** The definition for a key or alias (case-insensitive), or undefined for an unknown key. */
export function settingDefinition(key: string): SettingDefinition | undefined {
  return BY_KEY.get(key.toLowerCase());
}

export const CACHE_MODES: readonly CacheMode[] = ["auto", "keychain", "file", "none"];

export function isCacheMode(value: string): value is CacheMode {
  return (CACHE_MODES as readonly string[]).includes(value);
}

/** Closest known key, for "did you mean" hints on typos. */
export function suggestSetting(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of [...BY_KEY.keys(), ...SECTION_KEYS]) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance <= 3 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
