// Keyring-style tokens: served from the cache until they are about to expire, fetched once however
// many callers ask at once (an in-process memo plus a cross-process lock per cache key), and a
// still-valid cached token stands in when AWS has a transient failure.
import { statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  type CodeArtifactError,
  EndpointTimeoutError,
  EndpointUnreachableError,
  ServiceError,
  ThrottledError,
} from "../codeartifact/errors.js";
import type { PublishedTokenError } from "../codeartifact/published.js";
import { type RegistryInput, type ResolvedRegistry, resolveRegistry } from "../codeartifact/resolve.js";
import type { CacheMode } from "../codeartifact/settings.js";
import {
  type AuthorizationToken,
  checkNewTokenLifetime,
  checkPresetToken,
  presetToken,
  type TokenOptions,
} from "../codeartifact/token.js";
import { KeychainUnavailableError } from "../configstore/backends/keychain.js";
import { CodedError } from "../configstore/errors.js";
import { ensurePrivateDir, writeFailureReason } from "../configstore/files.js";
import { Secret } from "../configstore/secret.js";
import { readFileBounded } from "../configstore/text-file.js";
import { type CacheEntry, cacheKey, DEFAULT_REFRESH_MARGIN_SECONDS, isFresh, isUnexpired } from "./entry.js";
import { CacheDirError, KeychainRequiredError } from "./errors.js";
import { type LockOptions, withKeyLock } from "./lock.js";
import { cacheDir as defaultCacheDir } from "./paths.js";
import { fileStore, keychainStore, type TokenStore } from "./stores.js";

export interface CacheOptions {
  /** Default: `CODEARTIFACT_KEYRING_CACHE_DIR`, else the user's cache dir. */
  cacheDir?: string;
  /** Messages worth showing once (which store `auto` chose). */
  onNotice?: (message: string) => void;
  /** Things that went wrong but did not stop the token (stale fallback, a cache that cannot be written). */
  onWarning?: (message: string) => void;
  /** Fetch a new token even when the cached one is fresh (a token fetched meanwhile by another process counts). */
  forceRefresh?: boolean;
  lock?: LockOptions;
  /**
   * Read the cache but never write it: a fresh cached token is used; otherwise a new one is fetched
   * and returned uncached (a dry run must leave the cache as it found it). @default false
   */
  readOnly?: boolean;
  /** The keychain store to use instead of the OS one (tests). */
  keychain?: TokenStore;
  /** Replaces the AWS call (tests of the cache policy with a controlled clock). */
  fetch?: (resolved: ResolvedRegistry) => Promise<{ token: Secret; expiresAt: Date }>;
}

export interface CachedAuthorizationToken extends AuthorizationToken {
  /** Where the token is cached (read from, or just written to); absent for `cache = none`, env/config tokens, or a failed write. */
  cache?: {
    store: "keychain" | "file";
    location: string;
    key: string;
    fetchedAt: Date;
    /** True when AWS failed and a not-yet-expired cached token was served instead. */
    stale?: boolean;
  };
}

export type GetTokenOptions = TokenOptions & CacheOptions;

/** Failures worth bridging with a cached token that has not expired yet. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof EndpointUnreachableError ||
    error instanceof EndpointTimeoutError ||
    error instanceof ThrottledError ||
    (error instanceof ServiceError && error.code === "SERVICE_UNAVAILABLE")
  );
}

/** Opened lazily: `auto` settles on the keychain or the file store at the first read. */
interface OpenedCache {
  read(key: string): Promise<CacheEntry | undefined>;
  store(): TokenStore;
}

function openCache(mode: Exclude<CacheMode, "none">, dir: string, options: CacheOptions): OpenedCache {
  const files = fileStore(dir);
  if (mode === "file") return { read: (key) => files.read(key), store: () => files };
  const keychain = options.keychain ?? keychainStore();
  let chosen: TokenStore | undefined;
  return {
    async read(key) {
      if (chosen) return chosen.read(key);
      try {
        const entry = await keychain.read(key);
        chosen = keychain;
        await announce(dir, keychain, undefined, options);
        return entry;
      } catch (error) {
        if (!(error instanceof KeychainUnavailableError)) throw error;
        if (mode === "keychain") throw new KeychainRequiredError(error.reason, { cause: error });
        chosen = files;
        await announce(dir, files, error.reason, options);
        return files.read(key);
      }
    },
    store: () => chosen ?? files,
  };
}

/**
 * Says which store `auto` uses and where, once: a marker in the cache dir remembers what was last
 * said, so the message comes again only when the choice changes.
 */
async function announce(dir: string, store: TokenStore, reason: string | undefined, options: CacheOptions) {
  if (!options.onNotice) return;
  const marker = join(dir, "store");
  let said = "";
  try {
    said = readFileBounded(marker, 64).toString("utf8");
  } catch {
    // Never said.
  }
  if (said === store.kind) return;
  options.onNotice(
    store.kind === "keychain"
      ? `caching tokens in the ${store.location}; set \`cache = file\` to use files instead`
      : `caching tokens in ${store.location} (files readable only by you)${reason ? `; no OS keychain: ${reason}` : ""}`,
  );
  try {
    ensurePrivateDir(dir);
    writeFileSync(marker, store.kind, { mode: 0o600 });
  } catch {
    // Not remembering only means saying it again next time.
  }
}

function fromEntry(
  entry: CacheEntry,
  resolved: ResolvedRegistry,
  store: TokenStore,
  stale = false,
): CachedAuthorizationToken {
  return {
    token: new Secret(entry.token),
    expiresAt: entry.expiresAt,
    source: "cache",
    target: resolved.target,
    cache: {
      store: store.kind,
      location: store.location,
      key: entry.key,
      fetchedAt: entry.fetchedAt,
      ...(stale ? { stale: true } : {}),
    },
  };
}

interface Fetched {
  token: Secret;
  expiresAt: Date;
  /** Default `aws`. */
  source?: "aws" | "published";
}

/**
 * A new token: from the store `token_from` names when set (and valid for the refresh margin), else
 * (or as its `token_from_fallback = aws`) from GetAuthorizationToken.
 */
async function fetchFresh(resolved: ResolvedRegistry, options: GetTokenOptions): Promise<Fetched> {
  if (options.fetch) return options.fetch(resolved);
  const mint = async () => {
    const { fetchAuthorizationToken } = await import("../codeartifact/aws.js");
    return fetchAuthorizationToken(resolved.target, resolved.settings, resolved.identity, options);
  };
  const store = resolved.settings.tokenFrom;
  if (!store) return mint();
  const { isFallbackCase, readPublishedToken } = await import("../codeartifact/published.js");
  try {
    const published = await readPublishedToken(store, resolved, {
      now: () => options.now?.() ?? new Date(),
      // Valid for the refresh margin, or longer when min_valid / --min-valid asks for more.
      minValidSeconds: Math.max(
        resolved.settings.refreshMargin ?? DEFAULT_REFRESH_MARGIN_SECONDS,
        resolved.settings.minValid ?? 0,
      ),
      env: options.env ?? process.env,
    });
    return { ...published, source: "published" };
  } catch (error) {
    if (resolved.settings.tokenFromFallback !== "aws" || !isFallbackCase(error)) throw error;
    options.onWarning?.(
      `${(error as PublishedTokenError).problem}; minting a token with GetAuthorizationToken instead (token_from_fallback = aws)`,
    );
    return mint();
  }
}

// Callers in this process asking for the same key share one fetch.
const inFlight = new Map<string, Promise<CachedAuthorizationToken>>();

/**
 * The token for a registry already resolved (`resolveRegistry`), through the cache.
 */
export async function getTokenForRegistry(
  resolved: ResolvedRegistry,
  options: GetTokenOptions = {},
): Promise<CachedAuthorizationToken> {
  const env = options.env ?? process.env;
  const now = () => options.now?.() ?? new Date();
  const preset = presetToken(resolved, env);
  if (preset) {
    checkPresetToken(preset, resolved, now());
    const { issuedAt: _, ...token } = preset;
    return token;
  }

  const mode = resolved.settings.cache ?? "auto";
  if (mode === "none") {
    const fetched = await fetchFresh(resolved, options);
    checkNewTokenLifetime(fetched, resolved, now());
    return {
      token: fetched.token,
      expiresAt: fetched.expiresAt,
      source: fetched.source ?? "aws",
      target: resolved.target,
    };
  }

  const margin = resolved.settings.refreshMargin ?? DEFAULT_REFRESH_MARGIN_SECONDS;
  const dir = options.cacheDir ?? defaultCacheDir(env);
  checkCacheDir(dir);
  const key = cacheKey(resolved.target, resolved.identity);
  const cache = openCache(mode, dir, options);
  const startedAt = now();
  const minValidMs = (resolved.settings.minValid ?? 0) * 1000;
  // Not a type guard: a stale entry is still a CacheEntry (the fallback needs it).
  const acceptable = (entry: CacheEntry | undefined): boolean =>
    entry !== undefined &&
    isFresh(entry, now(), margin) &&
    entry.expiresAt.getTime() - now().getTime() >= minValidMs &&
    (!options.forceRefresh || entry.fetchedAt.getTime() >= startedAt.getTime());

  const first: CacheEntry | undefined = await cache.read(key).catch((error) => warnRead(error, options));
  if (first && acceptable(first)) return fromEntry(first, resolved, cache.store());
  if (options.readOnly) {
    const fetched = await fetchFresh(resolved, options);
    const result: CachedAuthorizationToken = {
      token: fetched.token,
      expiresAt: fetched.expiresAt,
      source: fetched.source ?? "aws",
      target: resolved.target,
    };
    // The same `min_valid` check as a cached fetch gets.
    checkNewTokenLifetime(result, resolved, now());
    return result;
  }

  const running = inFlight.get(key);
  if (running) {
    const shared = await running;
    checkNewTokenLifetime(shared, resolved, now());
    return shared;
  }
  const work = (async (): Promise<CachedAuthorizationToken> => {
    const { value } = await withKeyLock(
      dir,
      key,
      async () => {
        // Another process may have refreshed while we waited for the lock.
        const current: CacheEntry | undefined = await cache
          .read(key)
          .catch((error) => warnRead(error, options));
        if (current && acceptable(current)) return fromEntry(current, resolved, cache.store());
        let fetched: Fetched;
        try {
          fetched = await fetchFresh(resolved, options);
        } catch (error) {
          const fallback = current ?? first;
          if (isTransient(error) && fallback && isUnexpired(fallback, now())) {
            options.onWarning?.(
              `${(error as CodeArtifactError).message}; using the cached token for ${resolved.target.domain}, valid until ${fallback.expiresAt.toISOString()}`,
            );
            return fromEntry(fallback, resolved, cache.store(), true);
          }
          throw error;
        }
        const entry: CacheEntry = {
          key,
          domain: resolved.target.domain,
          domainOwner: resolved.target.domainOwner,
          region: resolved.target.region,
          identity: resolved.identity.key,
          identityDescription: resolved.identity.description,
          ...(resolved.identity.endpoint ? { endpoint: resolved.identity.endpoint } : {}),
          token: fetched.token.reveal(),
          expiresAt: fetched.expiresAt,
          fetchedAt: now(),
        };
        const store = cache.store();
        const result: CachedAuthorizationToken = {
          token: fetched.token,
          expiresAt: fetched.expiresAt,
          source: fetched.source ?? "aws",
          target: resolved.target,
          cache: { store: store.kind, location: store.location, key, fetchedAt: entry.fetchedAt },
        };
        try {
          await store.write(entry);
        } catch (error) {
          options.onWarning?.(
            `could not cache the token in ${store.location}: ${cacheWriteProblem(error, store.location)} (the next run fetches again)`,
          );
          delete result.cache;
        }
        return result;
      },
      options.lock,
    );
    return value;
  })();
  inFlight.set(key, work);
  let result: CachedAuthorizationToken;
  try {
    result = await work;
  } finally {
    inFlight.delete(key);
  }
  // A new (or stale) token that still falls short of `min_valid`: even refreshing cannot satisfy it.
  checkNewTokenLifetime(result, resolved, now());
  return result;
}

/**
 * Fails in one line when the cache dir cannot be a directory (a file stands at it or above it), instead
 * of a read warning followed by a raw `EEXIST` from creating the lock directory. Creates nothing.
 */
function checkCacheDir(dir: string): void {
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      if (statSync(path).isDirectory()) return;
      throw new CacheDirError(dir, `\`${path}\` is a file, not a directory`);
    } catch (error) {
      if (error instanceof CacheDirError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        throw new CacheDirError(dir, `\`${path}\` cannot be read (${code})`, { cause: error });
      }
    }
    if (dirname(path) === path) return;
  }
}

function warnRead(error: unknown, options: CacheOptions): undefined {
  if (error instanceof KeychainRequiredError) throw error;
  options.onWarning?.(
    `could not read the token cache: ${(error as Error).message.split("\n")[0]} (fetching a new token)`,
  );
  return undefined;
}

/**
 * A registry's token, keyring-style: `CODEARTIFACT_AUTH_TOKEN`, the config's `auth_token`, a cached
 * token with enough life left, or a new one from GetAuthorizationToken (stored in the cache). On a
 * cache hit the AWS SDK is not loaded at all.
 *
 * @param input a registry URL, or explicit coordinates for a URL that is not CodeArtifact-shaped.
 * @example
 * const { token, expiresAt, source } = await getAuthorizationToken(
 *   "https://my-domain-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/my-repo/",
 * );
 * token.reveal(); // the token; String(token) is "[redacted]"
 */
export async function getAuthorizationToken(
  input: RegistryInput,
  options: GetTokenOptions = {},
): Promise<CachedAuthorizationToken> {
  return getTokenForRegistry(await resolveRegistry(input, options), options);
}

/** One line for a failed cache write: our own errors as they are, a system error by its cause (disk full…). */
function cacheWriteProblem(error: unknown, location: string): string {
  if (error instanceof CodedError || !(error as NodeJS.ErrnoException)?.code) {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
  }
  return writeFailureReason(error, location);
}
