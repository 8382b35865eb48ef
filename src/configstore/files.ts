// Files that hold secrets (tokens, user secrets, .npmrc with tokens) are written the same way
// everywhere: atomically (temp file + rename, so a reader or a crash never sees half a file),
// 0600, in a directory that is 0700 when we create it.
import { chmodSync, mkdirSync, statSync } from "node:fs";

/** Owner-only permissions for files that hold secrets. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner-only permissions for directories we create to hold such files. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates `dir` (and parents) if missing. A directory we create is 0700; an existing one is left as
 * it is unless `tighten` is set (for directories that are ours alone, such as the token cache).
 */
export function ensurePrivateDir(dir: string, options: { tighten?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (options.tighten && process.platform !== "win32") {
    const mode = statSync(dir).mode & 0o777;
    if (mode !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
  }
}

/**
 * Writes `data` to `path` atomically with mode 0600 (or `mode`), following a symlink at `path` to
 * its target so the link stays a link.
 */
export async function writePrivateFile(
  path: string,
  data: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  // Imported here: a process served from the cache writes nothing and need not load it.
  type WriteFileAtomic = typeof import("write-file-atomic");
  const { default: writeFileAtomicLib } = (await import("write-file-atomic")) as unknown as {
    default: WriteFileAtomic;
  };
  await writeFileAtomicLib(path, data, { mode: options.mode ?? PRIVATE_FILE_MODE });
  // write-file-atomic creates the temp file with `mode`, then the umask may loosen nothing but can
  // tighten; an existing file's mode is replaced by the temp file's, so enforce the exact mode.
  if (process.platform !== "win32") chmodSync(path, options.mode ?? PRIVATE_FILE_MODE);
}
