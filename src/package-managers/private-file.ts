// The one way this layer rewrites a config file (.npmrc, .yarnrc.yml): resolve symlinks, refuse targets
// git would commit, lock the real file, re-read it under the lock, write atomically only when the text
// changes, and keep files that hold secrets at 0600.
import { chmodSync, lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UnsafeFileError } from "../configstore/errors.js";
import {
  checkPrivateTarget,
  ensurePrivateDir,
  PRIVATE_FILE_MODE,
  writeFailureReason,
  writePrivateFile,
} from "../configstore/files.js";
import { removeFutureLock } from "../configstore/lock-clock.js";
import { FileRefusedError, readFileBounded } from "../configstore/text-file.js";
import { RcFileError } from "./errors.js";
import { assertNotGitExposed, type GitOptions } from "./git.js";

/** Options every file edit of this layer accepts. */
export interface FileEditOptions extends GitOptions {
  /** Write a token even where git would commit it. @default false */
  force?: boolean;
  /** Work out and return the changes without locking or writing anything. @default false */
  dryRun?: boolean;
  /** Receives one-line notices (a mode tightened, a line left alone); library code never prints. */
  onNotice?: (message: string) => void;
}

/** What a transform gives back: the new text, whether it holds a secret, and details for the caller. */
export interface TransformResult<D> {
  text: string;
  /** The new text holds a token or token helper: the file must be 0600. */
  holdsSecret: boolean;
  /** What changed, for the caller (never with secret values). */
  changes: D;
}

/** What a config file edit did (or, with `dryRun`, would do). */
export interface EditOutcome<D> {
  /** The path asked for. */
  file: string;
  /** The file actually written: the symlink's target when `file` is a symlink. */
  realFile: string;
  changed: boolean;
  /** The file did not exist before. */
  created: boolean;
  /** What changed (never with secret values). */
  changes: D;
  /** The old and new mode when a looser mode was tightened to 0600. */
  modeTightened?: { from: number; to: number };
}

const MAX_LINKS = 40;

/**
 * The real path of `path`, following symlinks even when the final target does not exist yet.
 *
 * @throws {RcFileError} `FILE_IO` when the path cannot be resolved (a loop of symbolic links, a
 *   component that is a file, no permission to search a directory).
 */
export function resolveRealPath(path: string): string {
  try {
    return realPathOf(path, 0);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new RcFileError(
      "FILE_IO",
      resolve(path),
      undefined,
      errno === "ELOOP"
        ? "is a loop of symbolic links: point the link at a real file, or name another file"
        : `cannot be resolved (${errno ?? String(error)}): check the path`,
      { cause: error },
    );
  }
}

function realPathOf(path: string, depth: number): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (depth < MAX_LINKS) {
    try {
      if (lstatSync(absolute).isSymbolicLink()) {
        return realPathOf(resolve(dirname(absolute), readlinkSync(absolute)), depth + 1);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPathOf(parent, depth + 1), basename(absolute));
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads a config file as UTF-8 text; `undefined` when it does not exist.
 *
 * @throws {RcFileError} `NPMRC_INVALID` / `YARNRC_INVALID` / `CONFIG_INVALID` (pnpm's YAML, bunfig.toml) for
 *   bytes that are not UTF-8 text.
 */
export function readConfigText(
  file: string,
  format: "npmrc" | "yarnrc" | "pnpm" | "bunfig",
): string | undefined {
  const code =
    format === "npmrc" ? "NPMRC_INVALID" : format === "yarnrc" ? "YARNRC_INVALID" : "CONFIG_INVALID";
  let bytes: Buffer;
  try {
    bytes = readFileBounded(file);
  } catch (error) {
    if (error instanceof FileRefusedError) {
      throw new RcFileError(
        code,
        file,
        undefined,
        error.refusal === "directory"
          ? "is a directory, not a file: remove it or name another file"
          : error.refusal === "too-large"
            ? `${error.what}, too large for a config file: check that this is the right file; nothing was written`
            : `${error.what}, so it is not read: remove it or name another file`,
        { cause: error },
      );
    }
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === "ENOENT") return undefined;
    throw new RcFileError(
      "FILE_IO",
      file,
      undefined,
      errno === "ELOOP"
        ? "is a loop of symbolic links: point the link at a real file, or name another file"
        : `cannot be read (${errno}): check its permissions`,
      {
        cause: error,
      },
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const line = bytes.subarray(0, nul).toString("latin1").split("\n").length;
    throw new RcFileError(
      code,
      file,
      line,
      "holds a NUL byte, so it is not a text config file: fix or remove that line; nothing was written",
    );
  }
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new RcFileError(
      code,
      file,
      undefined,
      "is not valid UTF-8 text: re-save it as UTF-8; nothing was written",
      { cause },
    );
  }
}

function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}

type Lockfile = typeof import("proper-lockfile");

async function lock(realFile: string, shown: string): Promise<() => Promise<void>> {
  const lockfile = ((await import("proper-lockfile")) as unknown as { default: Lockfile }).default;
  removeFutureLock(realFile, 10_000);
  try {
    return await lockfile.lock(realFile, {
      // The file may not exist yet; realFile is already the resolved path.
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: 80, factor: 1.3, minTimeout: 10, maxTimeout: 250, randomize: true },
      // A lock taken over as stale means another process may write too; the atomic rename keeps the
      // file whole either way, so carry on instead of crashing from a timer.
      onCompromised: () => {},
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
      throw new RcFileError(
        "FILE_LOCKED",
        shown,
        undefined,
        `is locked by another process (\`${realFile}.lock\`): try again, or remove that directory if no other codeartifact-login is running`,
        { cause: error },
      );
    }
    throw new RcFileError(
      "FILE_IO",
      shown,
      undefined,
      `cannot be locked (${(error as NodeJS.ErrnoException).code ?? String(error)}): check that its directory is writable`,
      { cause: error },
    );
  }
}

/**
 * Edits a config file as described in this module's header.
 *
 * @param transform gets the current text ("" when missing) and the real path; runs once, under the lock.
 */
export async function editPrivateTextFile<D>(
  file: string,
  options: FileEditOptions & {
    format: "npmrc" | "yarnrc";
    /** The edit puts a secret into the file: check git first (unless `force`). */
    writesSecret: boolean;
    transform: (text: string, realFile: string) => TransformResult<D>;
  },
): Promise<EditOutcome<D>> {
  const realFile = resolveRealPath(file);
  const shown = realFile === resolve(file) ? realFile : `${file}\` → \`${realFile}`;
  // Ownership, kind and symlink checks before git, the lock or a dry run's answer: one rule for every
  // file this layer writes (see configstore/files.ts).
  checkPrivateTarget(file);
  if (options.writesSecret && !options.force) {
    await assertNotGitExposed(realFile, { ...(options.env ? { env: options.env } : {}), shownAs: file });
  }
  const posix = process.platform !== "win32";

  const run = (): EditOutcome<D> & { write?: { text: string; mode: number } } => {
    const before = readConfigText(realFile, options.format);
    const mode = posix ? modeOf(realFile) : undefined;
    const result = options.transform(before ?? "", realFile);
    const changed = result.text !== (before ?? "");
    let target = mode ?? 0o644;
    let modeTightened: { from: number; to: number } | undefined;
    const loose = mode !== undefined && (mode & 0o077) !== 0;
    const readOnly = mode !== undefined && (mode & 0o200) === 0;
    if (result.holdsSecret && posix) {
      if (mode === undefined || loose) target = PRIVATE_FILE_MODE;
      // A read-only file is left as the user made it (tightening would make it writable).
      if (mode !== undefined && loose && !readOnly) modeTightened = { from: mode, to: PRIVATE_FILE_MODE };
    }
    if (changed && mode !== undefined && readOnly) {
      throw new RcFileError(
        "FILE_READ_ONLY",
        shown,
        undefined,
        `is read-only (mode ${octal(mode)}), so it is not rewritten: make it writable (\`chmod u+w\`) or name another file`,
      );
    }
    return {
      file,
      realFile,
      changed,
      created: before === undefined && changed,
      changes: result.changes,
      ...(modeTightened ? { modeTightened } : {}),
      ...(changed ? { write: { text: result.text, mode: target } } : {}),
    };
  };

  if (options.dryRun) {
    const { write: _unused, ...outcome } = run();
    return outcome;
  }
  // Nothing to write (the usual case of a refresh while the token is fresh): no directory, no lock.
  const preview = run();
  if (!preview.write && !preview.modeTightened) return preview;

  try {
    ensurePrivateDir(dirname(realFile));
  } catch (error) {
    if (error instanceof UnsafeFileError) throw error;
    throw new RcFileError(
      "FILE_IO",
      shown,
      undefined,
      `its directory cannot be created: ${writeFailureReason(error, dirname(realFile))}`,
      { cause: error },
    );
  }
  const release = await lock(realFile, shown);
  try {
    const { write, ...outcome } = run();
    if (write) {
      try {
        await writePrivateFile(realFile, write.text, { mode: write.mode });
      } catch (error) {
        if (error instanceof UnsafeFileError) throw error;
        const errno = (error as NodeJS.ErrnoException).code;
        throw new RcFileError(
          errno === "EROFS" ? "FILE_READ_ONLY" : "FILE_IO",
          shown,
          undefined,
          `cannot be written: ${writeFailureReason(error, dirname(realFile))}; nothing was changed`,
          { cause: error },
        );
      }
    } else if (outcome.modeTightened) {
      chmodSync(realFile, PRIVATE_FILE_MODE);
    }
    if (outcome.modeTightened) {
      options.onNotice?.(
        `\`${realFile}\` holds a token but was mode ${octal(outcome.modeTightened.from)}; it is now ${octal(outcome.modeTightened.to)} (owner only)`,
      );
    }
    return outcome;
  } finally {
    await release().catch(() => {});
  }
}
