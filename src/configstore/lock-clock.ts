// proper-lockfile calls a lock stale when its mtime is older than `stale` ms. A lock whose mtime is in
// the future (written before the clock stepped back, then its holder crashed) would block for the
// whole skew, hours perhaps: no live holder leaves its lock that far ahead of the clock, because a
// live holder touches it with the current time every few seconds. Such a lock is removed first.
import { rmSync, statSync } from "node:fs";

/**
 * Removes `<file>.lock` (proper-lockfile's lock directory) when its mtime is more than `staleMs`
 * ahead of `now`. Returns whether it did. Anything it cannot stat or remove is left to the lock call.
 */
export function removeFutureLock(file: string, staleMs: number, now = Date.now()): boolean {
  const lock = `${file}.lock`;
  try {
    if (statSync(lock).mtimeMs - now <= staleMs) return false;
    rmSync(lock, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}
