// What is cached, and removing it: for `status` and `logout`. Token values never leave this module.
import { KeychainUnavailableError } from "../configstore/backends/keychain.js";
import type { CacheEntryInfo } from "./entry.js";
import { cacheDir as defaultCacheDir } from "./paths.js";
import { fileStore, keychainStore, type TokenStore } from "./stores.js";

export interface CachedTokenInfo extends CacheEntryInfo {
  store: "keychain" | "file";
  location: string;
}

export interface CacheListing {
  tokens: CachedTokenInfo[];
  /** Stores that could not be read, and why (a machine without a keychain has only files). */
  unavailable: { store: "keychain" | "file"; reason: string }[];
}

export interface ManageOptions {
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The keychain store to use instead of the OS one (tests). */
  keychain?: TokenStore;
}

export interface CacheFilter {
  domain?: string;
  domainOwner?: string;
  region?: string;
  /** `Identity.key` */
  identity?: string;
}

function stores(options: ManageOptions): TokenStore[] {
  return [options.keychain ?? keychainStore(), fileStore(options.cacheDir ?? defaultCacheDir(options.env))];
}

function matches(entry: CacheEntryInfo, filter: CacheFilter | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.domain === undefined || entry.domain === filter.domain) &&
    (filter.domainOwner === undefined || entry.domainOwner === filter.domainOwner) &&
    (filter.region === undefined || entry.region === filter.region) &&
    (filter.identity === undefined || entry.identity === filter.identity)
  );
}

/** Cached tokens in every store (keychain and files), with domain, identity and expiry, never the token. */
export async function listCachedTokens(options: ManageOptions = {}): Promise<CacheListing> {
  const listing: CacheListing = { tokens: [], unavailable: [] };
  for (const store of stores(options)) {
    try {
      for (const { token: _token, ...info } of await store.list()) {
        listing.tokens.push({ ...info, store: store.kind, location: store.location });
      }
    } catch (error) {
      const reason = error instanceof KeychainUnavailableError ? error.reason : (error as Error).message;
      listing.unavailable.push({ store: store.kind, reason });
    }
  }
  return listing;
}

/** Removes cached tokens matching `filter` (all of them without one) from every store. Resolves the count. */
export async function clearCachedTokens(filter?: CacheFilter, options: ManageOptions = {}): Promise<number> {
  let removed = 0;
  for (const store of stores(options)) {
    let entries: Awaited<ReturnType<TokenStore["list"]>>;
    try {
      entries = await store.list();
    } catch (error) {
      if (error instanceof KeychainUnavailableError) continue;
      throw error;
    }
    for (const entry of entries) {
      if (matches(entry, filter) && (await store.delete(entry.key))) removed += 1;
    }
  }
  return removed;
}
