// Files that hold secrets (tokens, user secrets, .npmrc with tokens, $GITHUB_ENV) are written the same
// way everywhere, through this module only: first `checkPrivateTarget` (the file, if it exists, is a
// regular file the current user owns; the directories above it are the user's or root's and not
// writable by everyone unless sticky; no symlink planted by someone else in a sticky world-writable
// directory is followed), then atomically (temp file + rename, so a reader or a crash never sees half a
// file), 0600 whatever the umask. Root is bound by the same ownership rule: permission bits do not stop
// root, so ownership is the only guard left. Directories are created 0700; an existing directory is
// never chmod-ed (it may be a shared 1777 one).
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UnsafeFileError } from "./errors.js";

/** Owner-only permissions for files that hold secrets. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner-only permissions for directories we create to hold such files. */
export const PRIVATE_DIR_MODE = 0o700;

const MAX_LINKS = 40;
const STICKY = 0o1000;
const WORLD_WRITABLE = 0o002;

/** The effective uid, or `undefined` where there is none (Windows): no ownership checks there. */
function currentUid(): number | undefined {
  return typeof process.geteuid === "function" ? process.geteuid() : undefined;
}

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** What a file system entry is, for messages: `a FIFO (named pipe)`, `a device node`, … */
export function describeFileKind(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device node";
  return "not a regular file";
}

/**
 * Why `info` (a directory on the way to a secret file) is not safe to write under, or `undefined`.
 * Owned by the user or by root (the system's own directories), and not writable by everyone unless
 * sticky (where nobody can rename or remove another user's files).
 */
function unsafeDirReason(info: Stats, uid: number): string | undefined {
  if (!info.isDirectory()) return `is ${describeFileKind(info)}, not a directory`;
  if (info.uid !== uid && info.uid !== 0) return `is owned by uid ${info.uid}, not by you (uid ${uid})`;
  if ((info.mode & WORLD_WRITABLE) !== 0 && (info.mode & STICKY) === 0) {
    return `is writable by everyone (mode 0${(info.mode & 0o7777).toString(8)}) and not sticky`;
  }
  return undefined;
}

/** Why an existing file is not safe to put a secret into, or `undefined`. */
function unsafeFileReason(info: Stats, uid: number | undefined): string | undefined {
  if (!info.isFile()) return `is ${describeFileKind(info)}, not a regular file`;
  if (uid !== undefined && info.uid !== uid) return `is owned by uid ${info.uid}, not by you (uid ${uid})`;
  return undefined;
}

/**
 * Follows `path` through symbolic links in its last component (a link to a link …), refusing a link
 * the kernel's `protected_symlinks` rule would refuse: one in a sticky world-writable directory
 * (`/tmp`) owned neither by the user nor by that directory's owner. The result is absolute; its last
 * component is not a symlink (it may not exist).
 */
function followLastLinks(path: string, uid: number | undefined): string {
  let current = resolve(path);
  for (let depth = 0; ; depth++) {
    const info = statOrUndefined(current, false);
    if (!info?.isSymbolicLink()) return current;
    if (depth >= MAX_LINKS) {
      throw new UnsafeFileError(current, "is a loop of symbolic links: point the link at a real file");
    }
    if (uid !== undefined && info.uid !== uid) {
      const dir = statSync(dirname(current));
      if ((dir.mode & (STICKY | WORLD_WRITABLE)) === (STICKY | WORLD_WRITABLE) && info.uid !== dir.uid) {
        throw new UnsafeFileError(
          current,
          `is a symbolic link owned by uid ${info.uid} in the shared directory \`${dirname(current)}\`, so it is not followed (the kernel's protected_symlinks rule): remove it, or name a file of your own`,
        );
      }
    }
    current = resolve(dirname(current), readlinkSync(current));
  }
}

/** The real path of the directory `dir` (or of its nearest existing ancestor, joined with the rest). */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw error;
  }
  const parent = dirname(dir);
  return parent === dir ? dir : join(realDir(parent), basename(dir));
}

/** Refuses `dir` (absolute, real) unless it and every existing directory above it pass `unsafeDirReason`. */
function assertSafeDirChain(dir: string, uid: number): void {
  for (let current = dir; ; current = dirname(current)) {
    const info = statOrUndefined(current, true);
    if (info) {
      const reason = unsafeDirReason(info, uid);
      if (reason) {
        throw new UnsafeFileError(
          current,
          `${reason}, so no secret is written under it: fix its owner or mode, or choose another location`,
        );
      }
    }
    if (dirname(current) === current) return;
  }
}

/**
 * Checks that a secret may be written to `path` and returns the real file to write (a symlink's
 * target). Read-only: creates and changes nothing, so dry runs refuse the same way.
 *
 * @throws {UnsafeFileError} `UNSAFE_FILE`, naming the path and the reason (owner, kind, symlink).
 */
export function checkPrivateTarget(path: string): string {
  const uid = currentUid();
  let real: string;
  try {
    const target = followLastLinks(path, uid);
    real = join(realDir(dirname(target)), basename(target));
    // The directory part may itself have been reached through links; the last component is not one.
    if (uid !== undefined) assertSafeDirChain(dirname(real), uid);
    const info = statOrUndefined(real, false);
    const reason = info ? unsafeFileReason(info, uid) : undefined;
    if (reason) {
      throw new UnsafeFileError(
        real,
        `${reason}, so no secret is written into it: remove it, or name a file of your own`,
      );
    }
  } catch (error) {
    if (error instanceof UnsafeFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnsafeFileError(
      resolve(path),
      code === "ELOOP"
        ? "is a loop of symbolic links: point the link at a real file"
        : `cannot be checked (${code ?? String(error)}): check the path`,
      { cause: error },
    );
  }
  return real;
}

/**
 * Why a write under `dir` failed, for a one-line message: the disk being full or read-only is said as
 * such (not "check the permissions"), with the fix that fits.
 *
 * @example
 * writeFailureReason(enospc, "/home/u") // "the disk is full (ENOSPC): free space on the file system of `/home/u`"
 */
export function writeFailureReason(error: unknown, dir: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOSPC":
      return `the disk is full (ENOSPC): free space on the file system of \`${dir}\``;
    case "EDQUOT":
      return `the disk quota is exceeded (EDQUOT): free space, or ask for a larger quota on \`${dir}\``;
    case "EROFS":
      return `the file system of \`${dir}\` is read-only (EROFS)`;
    case "EACCES":
    case "EPERM":
      return `permission denied (${code}): check the permissions of \`${dir}\``;
    case "ENOTDIR":
    case "EEXIST":
      return `a file stands in the way (${code}): check the path \`${dir}\``;
    default:
      return `${code ?? (error instanceof Error ? error.message : String(error))}: check \`${dir}\``;
  }
}

/**
 * Creates `dir` (and parents) if missing: the directories created are 0700 whatever the umask. An
 * existing directory is never chmod-ed; it (and everything above it) must be the user's or root's and
 * not writable by everyone unless sticky.
 *
 * @throws {UnsafeFileError} for a directory another user owns, or a world-writable non-sticky one.
 */
export function ensurePrivateDir(dir: string): void {
  const absolute = resolve(dir);
  const uid = currentUid();
  // Checked before anything is created, so nothing appears under someone else's directory.
  if (uid !== undefined) assertSafeDirChain(realDir(absolute), uid);
  // One level at a time, not `recursive: true`: Node's recursive mkdir reports ENOENT where the cause is
  // EROFS or EACCES, and we need to know exactly which directories are ours to chmod.
  const missing: string[] = [];
  for (let current = absolute; statOrUndefined(current, true) === undefined; current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const created of missing) {
    try {
      mkdirSync(created, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      // Another process made it meanwhile: not ours, so not chmod-ed.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    // The umask may have taken bits off: what we create is exactly 0700.
    if (process.platform !== "win32") chmodSync(created, PRIVATE_DIR_MODE);
  }
}

/**
 * Writes `data` to `path` atomically with mode 0600 (or `mode`) after `checkPrivateTarget`, following
 * a symlink at `path` to its target so the link stays a link. Returns the real file written.
 *
 * @throws {UnsafeFileError} when the target is not the user's regular file (see `checkPrivateTarget`).
 */
export async function writePrivateFile(
  path: string,
  data: string | Buffer,
  options: { mode?: number } = {},
): Promise<string> {
  const real = checkPrivateTarget(path);
  // Imported here: a process served from the cache writes nothing and need not load it.
  type WriteFileAtomic = typeof import("write-file-atomic");
  const { default: writeFileAtomicLib } = (await import("write-file-atomic")) as unknown as {
    default: WriteFileAtomic;
  };
  const mode = options.mode ?? PRIVATE_FILE_MODE;
  // chown: false (which the library's types omit): never hand the new file to the old file's owner.
  // Root otherwise copies it, the reason a 4321-owned .npmrc kept its owner with our token inside.
  const noChown = { chown: false } as unknown as { chown?: { uid: number; gid: number } };
  await writeFileAtomicLib(real, data, { mode, ...noChown });
  // The umask may have taken bits off the temp file's mode: enforce the exact mode.
  if (process.platform !== "win32") chmodSync(real, mode);
  return real;
}

/**
 * Appends `text` to `path` (for files another program reads as it grows, such as $GITHUB_ENV) after
 * `checkPrivateTarget`; a file created here is 0600 whatever the umask. Opened without following a
 * symlink and without blocking, then checked again on the open descriptor, so a FIFO or a file swapped
 * in between is refused, never written.
 *
 * @throws {UnsafeFileError} when the target is not the user's regular file.
 */
export function appendPrivateFile(path: string, text: string): string {
  const real = checkPrivateTarget(path);
  const flags =
    constants.O_WRONLY |
    constants.O_APPEND |
    constants.O_CREAT |
    (constants.O_NOFOLLOW ?? 0) |
    (constants.O_NONBLOCK ?? 0);
  const existed = statOrUndefined(real, false) !== undefined;
  const fd = openSync(real, flags, PRIVATE_FILE_MODE);
  try {
    const info = fstatSync(fd);
    const reason = unsafeFileReason(info, currentUid());
    if (reason) {
      throw new UnsafeFileError(
        real,
        `${reason}, so no secret is written into it: remove it, or name a file of your own`,
      );
    }
    if (!existed && process.platform !== "win32") fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return real;
}
