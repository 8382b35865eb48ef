// A registry's token without any cache: a pre-fetched one from the environment or the config, else a
// fresh one from AWS. The cache layer (src/cache) wraps this with the keychain and the lock.
import type { Secret } from "../configstore/secret.js";
import { Secret as SecretValue } from "../configstore/secret.js";
import { formatDuration, formatRelative, formatUtc } from "../configstore/time-text.js";
import { fetchAuthorizationToken } from "./aws.js";
import { InvalidTokenError, MinValidUnreachableError, PresetTokenExpiredError } from "./errors.js";
import type { RegistryTarget } from "./registry-url.js";
import {
  type RegistryInput,
  type ResolvedRegistry,
  type ResolveOptions,
  resolveRegistry,
} from "./resolve.js";
import { DEFAULT_REFRESH_MARGIN_SECONDS, refreshThresholdSeconds } from "./settings.js";
import { tokenProblem } from "./token-rule.js";

/** `published`: read from the store `token_from` names, where `codeartifact-login publish` put it. */
export type TokenSource = "aws" | "env" | "config" | "cache" | "published";

export interface AuthorizationToken {
  /** The token; `String(token)` is `[redacted]`, `token.reveal()` the value. */
  token: Secret;
  /**
   * When it expires. For a token from `CODEARTIFACT_AUTH_TOKEN` or `auth_token`, read from the
   * token itself when it carries an `exp` (CodeArtifact's do); undefined when it does not.
   */
  expiresAt: Date | undefined;
  source: TokenSource;
  target: RegistryTarget;
}

export interface TokenOptions extends ResolveOptions {
  now?: () => Date;
}

/**
 * The expiry a CodeArtifact token states in its (unencrypted) JWE header, if it has one. The token
 * stays opaque otherwise: nothing else is read from it.
 */
export function readTokenExpiry(token: string): Date | undefined {
  return readHeaderTime(token, "exp");
}

/** When the token was issued, from the `isu` of its JWE header, if it says. */
export function readTokenIssuedAt(token: string): Date | undefined {
  return readHeaderTime(token, "isu");
}

function readHeaderTime(token: string, field: "exp" | "isu"): Date | undefined {
  const header = token.split(".")[0] ?? "";
  try {
    const json = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, unknown>;
    const value = json[field];
    return typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/** Where `min_valid` was set, for messages: `--min-valid 2 h` or `min_valid = 2 h (config.ini:4)`. */
function describeMinValid(resolved: Pick<ResolvedRegistry, "settings" | "sources">): string {
  const seconds = resolved.settings.minValid ?? 0;
  const source = resolved.sources.min_valid;
  const amount = formatDuration(seconds * 1000);
  if (!source || source.section === "flag") return `--min-valid ${amount}`;
  return `min_valid = ${amount}${source.file ? ` (${source.file}${source.line ? `:${source.line}` : ""})` : ""}`;
}

/**
 * Refuses a preset token (`CODEARTIFACT_AUTH_TOKEN`, `auth_token`) that will not work: one whose `exp`
 * has passed, falls within the refresh margin (half the lifetime for a short-lived token, when its
 * `isu` tells the lifetime), or comes before `min_valid`. A token without `exp` is taken as it is.
 * @throws {PresetTokenExpiredError} naming the variable or key and the fix.
 */
export function checkPresetToken(
  preset: AuthorizationToken & { issuedAt?: Date | undefined },
  resolved: Pick<ResolvedRegistry, "settings" | "sources">,
  now: Date,
): void {
  const { expiresAt } = preset;
  if (!expiresAt || (preset.source !== "env" && preset.source !== "config")) return;
  const remaining = (expiresAt.getTime() - now.getTime()) / 1000;
  const margin = resolved.settings.refreshMargin ?? DEFAULT_REFRESH_MARGIN_SECONDS;
  const lifetime = preset.issuedAt ? (expiresAt.getTime() - preset.issuedAt.getTime()) / 1000 : undefined;
  const threshold = refreshThresholdSeconds(lifetime, margin);
  const minValid = resolved.settings.minValid ?? 0;
  let why: string;
  if (remaining <= 0) why = `expired ${formatRelative(expiresAt, now)} (${formatUtc(expiresAt)})`;
  else if (remaining < threshold)
    why = `expires ${formatRelative(expiresAt, now)} (${formatUtc(expiresAt)}), within the refresh margin of ${formatDuration(threshold * 1000)}`;
  else if (remaining < minValid)
    why = `expires ${formatRelative(expiresAt, now)} (${formatUtc(expiresAt)}), sooner than ${describeMinValid(resolved)}`;
  else return;
  if (preset.source === "env") {
    throw new PresetTokenExpiredError(
      `\`CODEARTIFACT_AUTH_TOKEN\` ${why}: unset it (\`unset CODEARTIFACT_AUTH_TOKEN\`) so codeartifact-login fetches a token, or refresh it (\`export CODEARTIFACT_AUTH_TOKEN="$(codeartifact-login token)"\` in a shell without it)`,
    );
  }
  const source = resolved.sources.auth_token;
  const where = source?.file ? ` in ${source.file}${source.line ? `:${source.line}` : ""}` : "";
  throw new PresetTokenExpiredError(
    `\`auth_token\`${where}${source?.section && source.section !== "env" ? ` [${source.section}]` : ""} ${why}: unset it (remove the line) so codeartifact-login fetches a token, or refresh it with a new token`,
  );
}

/**
 * Refuses a token just fetched that will not stay valid for `min_valid` (say `token_duration = 0` under
 * a one-hour role session, with `--min-valid 2h`): a job would lose it midway.
 * @throws {MinValidUnreachableError} naming the lifetime, the setting and the fix.
 */
export function checkNewTokenLifetime(
  token: Pick<AuthorizationToken, "expiresAt">,
  resolved: Pick<ResolvedRegistry, "settings" | "sources" | "target">,
  now: Date,
): void {
  const minValid = resolved.settings.minValid;
  if (!minValid || !token.expiresAt) return;
  const remaining = token.expiresAt.getTime() - now.getTime();
  if (remaining >= minValid * 1000) return;
  const duration = resolved.settings.tokenDuration;
  const why =
    duration === 0
      ? "token_duration = 0 ends it with the role session"
      : `token_duration = ${duration ?? 43_200} s`;
  throw new MinValidUnreachableError(
    `a new token for ${resolved.target.domain} is valid for only ${formatDuration(remaining)} (${why}), less than ${describeMinValid(resolved)}: lower --min-valid, or raise \`token_duration\` (or the role session's duration)`,
  );
}

/**
 * A token given by the environment or the config, which skips AWS (Dependabot-style jobs).
 * @throws {InvalidTokenError} when it breaks the token rule (`tokenProblem`).
 */
export function presetToken(
  resolved: Pick<ResolvedRegistry, "settings" | "target"> & Partial<Pick<ResolvedRegistry, "sources">>,
  env: NodeJS.ProcessEnv,
): (AuthorizationToken & { issuedAt: Date | undefined }) | undefined {
  const fromEnv = env.CODEARTIFACT_AUTH_TOKEN;
  if (fromEnv) {
    const problem = tokenProblem(fromEnv);
    if (problem) {
      throw new InvalidTokenError(
        `CODEARTIFACT_AUTH_TOKEN is not a CodeArtifact token (${problem}): set it to the token itself, or unset it to fetch one`,
      );
    }
    return {
      token: new SecretValue(fromEnv),
      expiresAt: readTokenExpiry(fromEnv),
      issuedAt: readTokenIssuedAt(fromEnv),
      source: "env",
      target: resolved.target,
    };
  }
  const fromConfig = resolved.settings.authToken;
  if (fromConfig) {
    const problem = tokenProblem(fromConfig.reveal());
    if (problem) {
      const source = resolved.sources?.auth_token;
      const where = source?.file ? `${source.file}${source.line ? `:${source.line}` : ""}: ` : "";
      throw new InvalidTokenError(
        `${where}\`auth_token\` is not a CodeArtifact token (${problem}): set it to the token itself, or remove it to fetch one`,
      );
    }
    return {
      token: fromConfig,
      expiresAt: readTokenExpiry(fromConfig.reveal()),
      issuedAt: readTokenIssuedAt(fromConfig.reveal()),
      source: "config",
      target: resolved.target,
    };
  }
  return undefined;
}

/**
 * A registry's token, straight from the source: `CODEARTIFACT_AUTH_TOKEN`, then the config's
 * `auth_token`, then GetAuthorizationToken with the configured identity. No cache: use the
 * package's `getAuthorizationToken` for the cached one.
 *
 * @param input a registry URL, or explicit coordinates for a URL that is not CodeArtifact-shaped.
 */
export async function fetchRegistryToken(
  input: RegistryInput,
  options: TokenOptions = {},
): Promise<AuthorizationToken> {
  const env = options.env ?? process.env;
  const resolved = await resolveRegistry(input, options);
  const now = options.now?.() ?? new Date();
  const preset = presetToken(resolved, env);
  if (preset) {
    checkPresetToken(preset, resolved, now);
    return preset;
  }
  const fetched = await fetchAuthorizationToken(
    resolved.target,
    resolved.settings,
    resolved.identity,
    options,
  );
  checkNewTokenLifetime(fetched, resolved, options.now?.() ?? new Date());
  return { ...fetched, source: "aws", target: resolved.target };
}
