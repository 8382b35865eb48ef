// Whether git would commit a file: tracked, or untracked and not ignored (`git add .` takes it). Asked
// of the real git with a clean environment (no GIT_DIR / GIT_WORK_TREE from a hook) and `-C <dir>`, on
// the file's real path, so a ~/.npmrc symlinked into a dotfiles repository counts as tracked.
import { execFile } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { GitTrackedTargetError } from "./errors.js";

/** Where a path stands with git. */
export type GitState =
  /** In the index: committed or staged. */
  | "tracked"
  /** In a work tree, not tracked, not ignored: `git add .` would commit it. */
  | "unignored"
  /** In a work tree and ignored. */
  | "ignored"
  /** Not in a work tree (git says so, or git is not installed and no `.git` is above the file). */
  | "outside"
  /**
   * git could not answer (dubious ownership, a broken repository, any other error), or git is not
   * installed while a `.git` exists above the file: possibly tracked, so treated as tracked.
   */
  | "unknown";

/** Options of the git checks. */
export interface GitOptions {
  /** The environment git runs with; `GIT_*` variables are dropped from it. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
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
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          resolve({ code: null, stdout: "", stderr: "", missing: true });
          return;
        }
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), missing: false });
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

/** The nearest `.git` (directory or file) at or above `dir`, or `undefined`. */
function gitDirAbove(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return join(current, ".git");
    if (dirname(current) === current) return undefined;
  }
}

/**
 * Where `file` (a real path; it may not exist yet) stands with git. Fails closed: an answer git
 * cannot give is "unknown", which the guard treats as tracked.
 *
 * @example
 * await gitStateOf("/home/u/project/.npmrc") // → "tracked"
 */
export async function gitStateOf(file: string, options: GitOptions = {}): Promise<GitState> {
  return (await gitAnswer(file, options)).state;
}

/** The state, and for "unknown" why (for the refusal's message). */
async function gitAnswer(file: string, options: GitOptions): Promise<{ state: GitState; reason?: string }> {
  const dir = existingAncestor(dirname(file));
  const pathspec = relative(dir, file) || basename(file);
  const listed = await runGit(dir, ["ls-files", "-z", "--cached", "--", pathspec], options);
  if (listed.missing || listed.code !== 0) {
    const dotGit = gitDirAbove(dir);
    // "Not a git repository" (or no git) with no `.git` above is the one case with nothing to protect.
    if (dotGit === undefined && (listed.missing || /not a git repository/i.test(listed.stderr))) {
      return { state: "outside" };
    }
    return {
      state: "unknown",
      reason: listed.missing
        ? `git is not installed, but \`${dotGit}\` exists above it`
        : `git cannot tell (${firstLine(listed.stderr) || `exit ${listed.code}`})`,
    };
  }
  if (listed.stdout.length > 0) return { state: "tracked" };
  const ignored = await runGit(dir, ["check-ignore", "-q", "--no-index", "--", pathspec], options);
  if (ignored.code === 0) return { state: "ignored" };
  // Inside a work tree but git cannot say whether the file is ignored: assume `git add .` would take it.
  return { state: "unignored" };
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
  const { state, reason } = await gitAnswer(realFile, options);
  if (state !== "tracked" && state !== "unignored" && state !== "unknown") return;
  const named = describeTarget(realFile, options.shownAs);
  const message =
    state === "unknown"
      ? `${named} may be tracked by git: ${reason ?? "git cannot tell"}; so no token (or token helper) is written there: fix git for this directory (for dubious ownership: \`git config --global --add safe.directory <dir>\`), write tokens to your user .npmrc (the default), or pass \`--force\``
      : state === "tracked"
        ? `${named} is tracked by git, so a token (or token helper) written there would be committed: write tokens to your user .npmrc (the default), or pass \`--force\` if you really mean this file`
        : `${named} is in a git work tree and not ignored, so \`git add .\` would commit a token (or token helper) written there: add it to .gitignore, write tokens to your user .npmrc (the default), or pass \`--force\``;
  throw new GitTrackedTargetError(realFile, state, message);
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.replace(/^(fatal|error): /, "").trim())
      .find((line) => line !== "") ?? ""
  );
}
