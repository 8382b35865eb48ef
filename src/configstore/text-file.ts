// Reading a settings file as text, with the checks every reader needs: absent vs unreadable vs a
// directory, a size limit (a config file is small; a huge one is a mistake or an attack), and text
// that really is UTF-8 text (a NUL byte or invalid UTF-8 means someone pointed us at a binary).
// Every file the tool reads (config, .npmrc, .yarnrc.yml, .env, package.json, cache entries) goes
// through `readFileBounded`: a FIFO, device, socket or directory is refused before it is opened (a
// FIFO would block the open forever), and at most MAX_CONFIG_BYTES + 1 bytes are read.
// Synchronous reads of a small file: node:fs/promises alone costs a warm CLI run ~1.4 ms to load.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";
import { ConfigFileError } from "./errors.js";
import { describeFileKind } from "./files.js";

/** Files larger than this (1 MiB) are refused: config files, .npmrc, .yarnrc.yml, .env, cache entries. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const BOM = "\uFEFF";

/** A file refused before or while reading it: not a regular file, or over the size limit. */
export class FileRefusedError extends Error {
  override name = "FileRefusedError";
  constructor(
    readonly file: string,
    readonly refusal: "directory" | "not-regular" | "too-large",
    /** What is wrong, to follow the file's name: `is a FIFO (named pipe), not a regular file`. */
    readonly what: string,
  ) {
    super(`${file} ${what}`);
  }
}

function refuseKind(path: string, info: Stats): FileRefusedError {
  return new FileRefusedError(
    path,
    info.isDirectory() ? "directory" : "not-regular",
    `is ${describeFileKind(info)}, not a regular file`,
  );
}

/**
 * The bytes of the regular file `path` (symlinks followed), at most `maxBytes`. Checks the kind with
 * stat before opening, opens without blocking and checks the open descriptor again.
 *
 * With `truncate`, a longer file gives its first `maxBytes` bytes instead of an error (for a file
 * whose start is all that matters, such as a lockfile's header).
 *
 * @throws {FileRefusedError} for a directory, FIFO, device or socket, or a file over `maxBytes`.
 * @throws the fs error (`ENOENT`, `EACCES`, …) when the file cannot be opened or read.
 */
export function readFileBounded(
  path: string,
  maxBytes: number = MAX_CONFIG_BYTES,
  options: { truncate?: boolean } = {},
): Buffer {
  const before = statSync(path);
  if (!before.isFile()) throw refuseKind(path, before);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw refuseKind(path, info);
    // Read at most one byte over the limit instead of trusting the size (/proc files report 0).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) {
        if (options.truncate) return Buffer.concat(chunks).subarray(0, maxBytes);
        throw new FileRefusedError(path, "too-large", `is larger than ${maxBytes} bytes`);
      }
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a settings file: UTF-8, a leading BOM removed. Throws `ConfigFileError`:
 * `CONFIG_NOT_FOUND` when absent (callers that treat absence as empty check this code),
 * `CONFIG_UNREADABLE` for a directory, FIFO, device or denied access, `CONFIG_TOO_LARGE` over 1 MiB,
 * and `CONFIG_PARSE` when the bytes are not text.
 */
export async function readTextFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = readFileBounded(path);
  } catch (error) {
    if (error instanceof FileRefusedError) {
      if (error.refusal === "too-large") {
        throw new ConfigFileError(
          "CONFIG_TOO_LARGE",
          path,
          undefined,
          `is larger than ${MAX_CONFIG_BYTES} bytes, too large for a settings file. Check that this is the right file.`,
        );
      }
      throw new ConfigFileError(
        "CONFIG_UNREADABLE",
        path,
        undefined,
        error.refusal === "directory"
          ? "is a directory, not a file. Give the file's path."
          : `${error.what}. Give the path of a file.`,
      );
    }
    throw fileError(path, error);
  }
  return decodeText(bytes, path);
}

/** UTF-8 bytes to text; a NUL byte or invalid UTF-8 is an error naming the file and line. */
export function decodeText(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      lineOfInvalidUtf8(bytes),
      "is not a text file (invalid UTF-8). Save it as UTF-8.",
      { cause: error },
    );
  }
  if (text.startsWith(BOM)) text = text.slice(1);
  checkText(text, file);
  return text;
}

/** Refuses text with a NUL character, naming its line. */
export function checkText(text: string, file: string): void {
  const nul = text.indexOf("\0");
  if (nul !== -1) {
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      lineAt(text, nul),
      "is not a text file (it contains a NUL byte). Check that this is the right file.",
    );
  }
}

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line += 1;
  return line;
}

function lineOfInvalidUtf8(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line += 1;
      start = i + 1;
    }
  }
  return undefined;
}

function fileError(path: string, error: unknown): ConfigFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new ConfigFileError(
      "CONFIG_NOT_FOUND",
      path,
      undefined,
      "does not exist. Create it or give another path.",
      {
        cause: error,
      },
    );
  }
  if (code === "EISDIR") {
    return new ConfigFileError(
      "CONFIG_UNREADABLE",
      path,
      undefined,
      "is a directory, not a file. Give the file's path.",
      {
        cause: error,
      },
    );
  }
  if (code === "EACCES" || code === "EPERM") {
    return new ConfigFileError(
      "CONFIG_UNREADABLE",
      path,
      undefined,
      "cannot be read (permission denied). Check the file's owner and permissions.",
      { cause: error },
    );
  }
  return new ConfigFileError(
    "CONFIG_UNREADABLE",
    path,
    undefined,
    `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))}). Check the path.`,
    { cause: error },
  );
}

/** The text of a settings file, or `undefined` when it does not exist (other failures still throw). */
export async function readTextFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readTextFile(path);
  } catch (error) {
    if (error instanceof ConfigFileError && error.code === "CONFIG_NOT_FOUND") return undefined;
    throw error;
  }
}
