// A registry's token without any cache: a pre-fetched one from the environment or the config, else a
// fresh one from AWS. The cache layer (src/cache) wraps this with the keychain and the lock.
import type { Secret } from "../configstore/secret.js";
import { Secret as SecretValue } from "../configstore/secret.js";
import { fetchAuthorizationToken } from "./aws.js";
import { InvalidTokenError } from "./errors.js";
import type { RegistryTarget } from "./registry-url.js";
import {
  type RegistryInput,
  type ResolvedRegistry,
  type ResolveOptions,
  resolveRegistry,
} from "./resolve.js";
import { tokenProblem } from "./token-rule.js";

export type TokenSource = "aws" | "env" | "config" | "cache";

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
  const header = token.split(".")[0] ?? "";
  try {
    const json = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof json.exp === "number" && Number.isFinite(json.exp) ? new Date(json.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A token given by the environment or the config, which skips AWS (Dependabot-style jobs).
 * @throws {InvalidTokenError} when it breaks the token rule (`tokenProblem`).
 */
export function presetToken(
  resolved: Pick<ResolvedRegistry, "settings" | "target"> & Partial<Pick<ResolvedRegistry, "sources">>,
  env: NodeJS.ProcessEnv,
): AuthorizationToken | undefined {
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
  const preset = presetToken(resolved, env);
  if (preset) return preset;
  const fetched = await fetchAuthorizationToken(
    resolved.target,
    resolved.settings,
    resolved.identity,
    options,
  );
  return { ...fetched, source: "aws", target: resolved.target };
}
