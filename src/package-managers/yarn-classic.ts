// Yarn 1 ("classic") reads .npmrc like npm, with one difference that matters here: it sends a
// registry's token for UNSCOPED packages only when `//host/path/:always-auth=true` is set (scoped
// packages work without). npm 9+ dropped `always-auth`, and npm 11/12 warn `Unknown user config
// "always-auth"` about the line, so it is written only for projects yarn 1 installs.
import { join } from "node:path";
import { FileRefusedError, readFileBounded } from "../configstore/text-file.js";
import { findProject } from "./npmrc-locations.js";

/** The first bytes of a yarn 1 lockfile say so (yarn berry's start with `__metadata`). */
const LOCKFILE_V1 = /^(?:#[^\n]*\n)*# yarn lockfile v1\b/;

/**
 * The file's first `bytes` bytes (all of it by default, up to the usual 1 MiB), or undefined when it
 * is absent or is no regular file a project would hold (a FIFO planted as `yarn.lock` must not hang
 * the run; a huge lockfile is read only as far as its header).
 */
function readStart(path: string, bytes?: number): string | undefined {
  try {
    return (
      bytes === undefined ? readFileBounded(path) : readFileBounded(path, bytes, { truncate: true })
    ).toString("utf8");
  } catch (error) {
    if (error instanceof FileRefusedError) return undefined;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Why the project at `cwd` is installed by yarn 1, or undefined: a `yarn.lock` v1 in its package or
 * workspace root, or `"packageManager": "yarn@1…"` in that root's package.json.
 *
 * @example
 * yarnClassicEvidence("/src/app") // "`/src/app/yarn.lock` (yarn lockfile v1)"
 */
export function yarnClassicEvidence(
  cwd: string,
  options: { env?: Readonly<Record<string, string | undefined>>; home?: string } = {},
): string | undefined {
  const project = findProject(cwd, options);
  const roots = [...new Set([project.packageRoot, project.root].filter((d): d is string => d !== undefined))];
  for (const root of roots) {
    const lockfile = join(root, "yarn.lock");
    const start = readStart(lockfile, 512);
    if (start !== undefined && LOCKFILE_V1.test(start.replace(/\r\n/g, "\n"))) {
      return `\`${lockfile}\` (yarn lockfile v1)`;
    }
    const manifest = readStart(join(root, "package.json"));
    if (manifest === undefined) continue;
    let packageManager: unknown;
    try {
      packageManager = (JSON.parse(manifest) as Record<string, unknown>).packageManager;
    } catch {
      continue; // npm reports a broken package.json better than we can
    }
    if (typeof packageManager === "string" && /^yarn@1\./.test(packageManager)) {
      return `\`${join(root, "package.json")}\` ("packageManager": "${packageManager}")`;
    }
  }
  return undefined;
}
