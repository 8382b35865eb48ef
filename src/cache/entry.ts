// What the cache holds per key, how it is (de)serialised, and when a cached token is still good.
import type { RegistryTarget } from "../codeartifact/registry-url.js";
import type { Identity } from "../codeartifact/resolve.js";
import {
  DEFAULT_REFRESH_MARGIN_SECONDS,
  refreshThresholdSeconds as threshold,
} from "../codeartifact/settings.js";
import { EXPIRY_SKEW_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, tokenProblem } from "../codeartifact/token-rule.js";
import { fingerprint } from "../configstore/fingerprint.js";

/** Version of the stored entry format; an entry of another version counts as absent. */
export const ENTRY_VERSION = 1;

export { DEFAULT_REFRESH_MARGIN_SECONDS };

/**
 * The cache key: one token per domain, owner, region, identity (and endpoint, when it is not AWS's).
 * A token is valid for every repository of its domain, so repositories share it; an identity never
 * sees another's token. Format: `v1|DOMAIN|OWNER|REGION|IDENTITY[|ENDPOINT]`, where IDENTITY is
 * `profile:NAME`, `static:HASH-OF-KEY-ID`, or `default[:profile=…][:env-key=HASH|:web-identity=ARN]`,
 * followed by `>role:ARN` when a role is assumed. It holds no secret.
 */
export function cacheKey(
  target: Pick<RegistryTarget, "domain" | "domainOwner" | "region">,
  identity: Identity,
): string {
  const parts = [`v${ENTRY_VERSION}`, target.domain, target.domainOwner, target.region, identity.key];
  if (identity.endpoint) parts.push(identity.endpoint);
  return parts.join("|");
}

/** A short, file-name-safe digest of a cache key (an entry names its full key, checked on read). */
export function keyDigest(key: string): string {
  return fingerprint(key);
}

export interface CacheEntry {
  key: string;
  domain: string;
  domainOwner: string;
  region: string;
  /** `Identity.key` */
  identity: string;
  /** `Identity.description`, for `status`. */
  identityDescription: string;
  endpoint?: string;
  token: string;
  expiresAt: Date;
  fetchedAt: Date;
}

/** Everything but the token: what `status` and `listCachedTokens` show. */
export type CacheEntryInfo = Omit<CacheEntry, "token">;

export function serializeEntry(entry: CacheEntry): string {
  return JSON.stringify({
    version: ENTRY_VERSION,
    ...entry,
    expiresAt: entry.expiresAt.toISOString(),
    fetchedAt: entry.fetchedAt.toISOString(),
  });
}

/**
 * The entry in `text`, or undefined when it is corrupt, of another version, or not for `key`. A token
 * that breaks the token rule, or that claims to live longer than CodeArtifact issues tokens for,
 * counts as corrupt: the cache is read back as untrusted as any other source.
 */
export function parseEntry(text: string, key?: string): CacheEntry | undefined {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== "object" || data.version !== ENTRY_VERSION) return undefined;
  const strings = [
    "key",
    "domain",
    "domainOwner",
    "region",
    "identity",
    "identityDescription",
    "token",
  ] as const;
  if (strings.some((name) => typeof data[name] !== "string" || data[name] === "")) return undefined;
  const expiresAt = new Date(String(data.expiresAt));
  const fetchedAt = new Date(String(data.fetchedAt));
  if (Number.isNaN(expiresAt.getTime()) || Number.isNaN(fetchedAt.getTime())) return undefined;
  if (key !== undefined && data.key !== key) return undefined;
  if (tokenProblem(data.token) !== undefined) return undefined;
  const lifetime = (expiresAt.getTime() - fetchedAt.getTime()) / 1000;
  if (lifetime > MAX_TOKEN_LIFETIME_SECONDS + EXPIRY_SKEW_SECONDS) return undefined;
  return {
    key: data.key as string,
    domain: data.domain as string,
    domainOwner: data.domainOwner as string,
    region: data.region as string,
    identity: data.identity as string,
    identityDescription: data.identityDescription as string,
    ...(typeof data.endpoint === "string" ? { endpoint: data.endpoint } : {}),
    token: data.token as string,
    expiresAt,
    fetchedAt,
  };
}

/**
 * Seconds before expiry at which an entry is refreshed: the margin, or half the token's lifetime
 * when the token lives less than twice the margin (a 15-minute token is not refreshed on every call
 * just because the margin is 15 minutes).
 */
export function refreshThresholdSeconds(
  entry: Pick<CacheEntry, "expiresAt" | "fetchedAt">,
  marginSeconds: number,
): number {
  return threshold((entry.expiresAt.getTime() - entry.fetchedAt.getTime()) / 1000, marginSeconds);
}

/** Whether a cached token may be served at `now` without refreshing. */
export function isFresh(
  entry: Pick<CacheEntry, "expiresAt" | "fetchedAt">,
  now: Date,
  marginSeconds: number,
): boolean {
  const remaining = (entry.expiresAt.getTime() - now.getTime()) / 1000;
  return remaining > 0 && remaining >= refreshThresholdSeconds(entry, marginSeconds);
}

/** Whether the token has not yet expired (a stale-but-valid token may stand in when AWS fails). */
export function isUnexpired(entry: Pick<CacheEntry, "expiresAt">, now: Date): boolean {
  return entry.expiresAt.getTime() > now.getTime();
}
