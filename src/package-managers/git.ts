// Whether git would commit a file: tracked, or untracked and not ignored (`git add .` takes it). Asked
// of the real git with a clean environment (no GIT_DIR / GIT_WORK_TREE from a hook) and `-C <dir>`, on
// the file's real path, so a ~/.npmrc symlinked into a dotfiles repository counts as tracked.
import { execFile } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import { basename, dirname, relative } from "node:path";
import { GitTrackedTargetError } from "./errors.js";

/** Where a path stands with git. */
export type GitState =
  /** In the index: committed or staged. */
  | "tracked"
  /** In a work tree, not tracked, not ignored: `git add .` would commit it. */
  | "unignored"
  /** In a work tree and ignored. */
  | "ignored"
  /** Not in a work tree, or git is not installed. */
  | "outside";

/** Options of the git checks. */
export interface GitOptions {
  /** The environment git runs with; `GIT_*` variables are dropped from it. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

interface GitRun {
  code: number | null;
  stdout: string;
  /** git is not installed (or not runnable). */
  missing: boolean;
}

function cleanEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE... from a hook or a wrapper would point git elsewhere.
    if (value !== undefined && !/^GIT_/i.test(name)) clean[name] = value;
  }
  clean.LC_ALL = "C";
  clean.GIT_OPTIONAL_LOCKS = "0";
  return clean;
}

/** Runs git; resolves with its exit code (never rejects for a non-zero exit). */
export function runGit(dir: string, args: readonly string[], options: GitOptions = {}): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile(
      "git",
      // Pathspec magic off (a file named `*.npmrc` is that file), except where a command refuses the flag.
      [...(args[0] === "check-ignore" ? [] : ["--literal-pathspecs"]), "-C", dir, ...args],
      { env: cleanEnv(options.env ?? process.env), timeout: 15_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          resolve({ code: null, stdout: "", missing: true });
          return;
        }
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), missing: false });
      },
    );
  });
}

/** The nearest existing directory at or above `dir`. */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}

/**
 * Where `file` (a real path; it may not exist yet) stands with git.
 *
 * @example
 * await gitStateOf("/home/u/project/.npmrc") // → "tracked"
 */
export async function gitStateOf(file: string, options: GitOptions = {}): Promise<GitState> {
  const dir = existingAncestor(dirname(file));
  const pathspec = relative(dir, file) || basename(file);
  const listed = await runGit(dir, ["ls-files", "-z", "--cached", "--", pathspec], options);
  // Exit 128: not a repository (or git refused it, e.g. "dubious ownership"): nothing to protect here.
  if (listed.missing || listed.code !== 0) return "outside";
  if (listed.stdout.length > 0) return "tracked";
  const ignored = await runGit(dir, ["check-ignore", "-q", "--no-index", "--", pathspec], options);
  if (ignored.code === 0) return "ignored";
  // Inside a work tree but git cannot say whether the file is ignored: assume `git add .` would take it.
  return "unignored";
}

/** The file as the user named it, with its real path when that differs; "a link to" only for a symlink. */
function describeTarget(realFile: string, shownAs: string | undefined): string {
  if (!shownAs || shownAs === realFile) return `\`${realFile}\``;
  let link = false;
  try {
    link = lstatSync(shownAs).isSymbolicLink();
  } catch {
    // Gone since it was resolved: say no more than the two paths.
  }
  return link ? `\`${shownAs}\` (a link to \`${realFile}\`)` : `\`${shownAs}\` (\`${realFile}\`)`;
}

/**
 * Refuses to put a token into `realFile` when git would commit it.
 *
 * @param shownAs the path the user named (shown in the message when it differs from the real path).
 * @throws {GitTrackedTargetError} `GIT_TRACKED_TARGET` or `GIT_UNIGNORED_TARGET`.
 */
export async function assertNotGitExposed(
  realFile: string,
  options: GitOptions & { shownAs?: string } = {},
): Promise<void> {
  const state = await gitStateOf(realFile, options);
  if (state !== "tracked" && state !== "unignored") return;
  const named = describeTarget(realFile, options.shownAs);
  const message =
    state === "tracked"
      ? `${named} is tracked by git, so a token (or token helper) written there would be committed: write tokens to your user .npmrc (the default), or pass \`--force\` if you really mean this file`
      : `${named} is in a git work tree and not ignored, so \`git add .\` would commit a token (or token helper) written there: add it to .gitignore, write tokens to your user .npmrc (the default), or pass \`--force\``;
  throw new GitTrackedTargetError(realFile, state, message);
}
