// Where tokens are kept between processes: the OS keychain, or one 0600 JSON file per key in a 0700
// dir when there is no keychain. A corrupt or foreign entry counts as absent and is replaced.
// Synchronous calls on small files: node:fs/promises alone costs a warm `token` run ~1.4 ms to load.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fromKeychain, type KeychainBackend } from "../configstore/backends/keychain.js";
import { ensurePrivateDir, writePrivateFile } from "../configstore/files.js";
import { readFileBounded } from "../configstore/text-file.js";
import { type CacheEntry, keyDigest, parseEntry, serializeEntry } from "./entry.js";
import { tokensDir } from "./paths.js";

/** The keychain service name tokens are filed under (one entry per cache key). */
export const KEYCHAIN_SERVICE = "codeartifact-keyring";

export interface TokenStore {
  kind: "keychain" | "file";
  /** For people: `Secret Service (service codeartifact-keyring)`, or the directory. */
  location: string;
  read(key: string): Promise<CacheEntry | undefined>;
  write(entry: CacheEntry): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(): Promise<CacheEntry[]>;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === "ENOENT";
}

/** One JSON file per key, named by a digest of the key (file names reveal nothing). */
export function fileStore(cacheDirectory: string): TokenStore {
  const dir = tokensDir(cacheDirectory);
  const fileOf = (key: string) => join(dir, `${keyDigest(key)}.json`);
  return {
    kind: "file",
    location: dir,
    async read(key) {
      try {
        return parseEntry(readFileBounded(fileOf(key)).toString("utf8"), key);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async write(entry) {
      ensurePrivateDir(cacheDirectory);
      ensurePrivateDir(dir);
      await writePrivateFile(fileOf(entry.key), serializeEntry(entry));
    },
    async delete(key) {
      try {
        rmSync(fileOf(key));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async list() {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const entries: CacheEntry[] = [];
      for (const name of names.filter((n) => /^[0-9a-f]{16}\.json$/.test(n))) {
        let text = "";
        try {
          text = readFileBounded(join(dir, name)).toString("utf8");
        } catch {
          // Gone or unreadable since the listing: not an entry.
        }
        const entry = parseEntry(text);
        // A file whose name does not match its key was not written by us: leave it out.
        if (entry && `${keyDigest(entry.key)}.json` === name) entries.push(entry);
      }
      return entries;
    },
  };
}

/** Tokens in the OS keychain, one entry per key under the service `codeartifact-keyring`. */
export function keychainStore(
  backend: KeychainBackend = fromKeychain({ service: KEYCHAIN_SERVICE }),
): TokenStore & {
  backend: KeychainBackend;
} {
  return {
    kind: "keychain",
    backend,
    location: `${backend.location} (service ${KEYCHAIN_SERVICE})`,
    async read(key) {
      const text = await backend.get(key);
      return text === undefined ? undefined : parseEntry(text, key);
    },
    async write(entry) {
      await backend.set(entry.key, serializeEntry(entry));
    },
    delete: (key) => backend.delete(key),
    async list() {
      const found = await backend.list();
      return found.flatMap(({ key, value }) => parseEntry(value, key) ?? []);
    },
  };
}
