// One AWS call for many processes: whoever takes the lock for a cache key fetches; the others wait,
// then find the fresh token in the cache. proper-lockfile keeps a live holder's lock fresh (it touches
// it every `update` ms), so a holder killed with SIGKILL is taken over after `staleMs`, however long
// a legitimate fetch takes.
import { join } from "node:path";
import { UnsafeFileError } from "../configstore/errors.js";
import { ensurePrivateDir, writeFailureReason } from "../configstore/files.js";
import { removeFutureLock } from "../configstore/lock-clock.js";
import { keyDigest } from "./entry.js";
import { CacheDirError } from "./errors.js";
import { locksDir } from "./paths.js";

export interface LockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. Default 10 s. */
  staleMs?: number;
  /** How long to wait for another process's lock before going ahead without it. Default 60 s. */
  waitMs?: number;
}

export const DEFAULT_LOCK_STALE_MS = 10_000;
export const DEFAULT_LOCK_WAIT_MS = 60_000;
const POLL_MS = 50;

export interface LockOutcome<T> {
  value: T;
  /** False when the wait ran out and `fn` ran without the lock. */
  locked: boolean;
}

/** The path proper-lockfile locks for `key` (it creates `<path>.lock`). */
export function lockPathFor(cacheDirectory: string, key: string): string {
  return join(locksDir(cacheDirectory), keyDigest(key));
}

/** Runs `fn` holding the cross-process lock for `key`. */
export async function withKeyLock<T>(
  cacheDirectory: string,
  key: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<LockOutcome<T>> {
  const lockfile = await import("proper-lockfile");
  try {
    ensurePrivateDir(cacheDirectory);
    ensurePrivateDir(locksDir(cacheDirectory));
  } catch (error) {
    // Another user's directory (or a world-writable one) is refused, not written into: say which.
    const problem =
      error instanceof UnsafeFileError
        ? error.message
        : `\`${locksDir(cacheDirectory)}\` cannot be created: ${writeFailureReason(error, cacheDirectory)}`;
    throw new CacheDirError(cacheDirectory, problem, { cause: error });
  }
  const path = lockPathFor(cacheDirectory, key);
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  let release: (() => Promise<void>) | undefined;
  removeFutureLock(path, staleMs);
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: staleMs,
      update: Math.max(1000, Math.floor(staleMs / 4)),
      retries: { retries: Math.ceil(waitMs / POLL_MS), factor: 1, minTimeout: POLL_MS, maxTimeout: POLL_MS },
      // A compromised lock (our refresh failed) must not crash the process: at worst two fetch.
      onCompromised: () => {},
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ELOCKED") {
      throw new CacheDirError(
        cacheDirectory,
        `cannot take a lock in \`${locksDir(cacheDirectory)}\` (${code ?? String(error)})`,
        {
          cause: error,
        },
      );
    }
  }
  try {
    return { value: await fn(), locked: release !== undefined };
  } finally {
    await release?.().catch(() => {});
  }
}
