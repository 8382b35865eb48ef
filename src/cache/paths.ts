import { join } from "node:path";
import { userDirs } from "../configstore/paths.js";

/** The cache dir: `CODEARTIFACT_KEYRING_CACHE_DIR`, else the user's cache dir for codeartifact-keyring. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEARTIFACT_KEYRING_CACHE_DIR || userDirs("codeartifact-keyring", { env }).cache;
}

export const tokensDir = (dir: string): string => join(dir, "tokens");
export const locksDir = (dir: string): string => join(dir, "locks");
