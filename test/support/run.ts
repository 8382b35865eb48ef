// Running real processes from tests: the built bin, fixtures, package managers.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "codeartifact-login.js");

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Run as this user and group (tests that need file modes to bite while running as root). */
  uid?: number;
  gid?: number;
  /** The Node binary for {@link runNode} and {@link runCli}. Default: `CAK_TEST_NODE`, else this Node. */
  node?: string;
}

/**
 * The Node that runs the built CLI and fixtures: `CAK_TEST_NODE` when set (`.ci/run` runs the CLI tests
 * again on Node 22 and 24 this way), else the Node running the tests.
 */
export const TEST_NODE = process.env.CAK_TEST_NODE || process.execPath;

/** Runs a program to completion and collects its output. Never rejects for a non-zero exit. */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd ?? ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    // A child that exits without reading its stdin must not turn into an EPIPE here.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a Node script with this Node. */
export function runNode(script: string, args: string[], options: RunOptions): Promise<RunResult> {
  return run(options.node ?? TEST_NODE, [script, ...args], options);
}

/** Runs the built CLI (`npm test` builds dist/ first). */
export function runCli(args: string[], options: RunOptions): Promise<RunResult> {
  if (!existsSync(join(ROOT, "dist", "cli.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test does it for you)");
  }
  return runNode(BIN, args, options);
}

/**
 * stderr without the AWS SDK's Node 20 support notice, and without the CLI's "fetching a token for …"
 * line, which appears whenever an AWS call takes over a second (a loaded machine): tests must tolerate
 * both; test/cli/newcomer.test.ts checks that line on its own.
 */
export function stderrLines(stderr: string): string[] {
  return stderr
    .replace(
      /\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?(?:--trace-warnings \.\.\.` to show where the warning was created\)\n?)/g,
      "",
    )
    .split("\n")
    .filter(
      (line) =>
        line.trim() !== "" &&
        !/Failed to set fd limit/.test(line) &&
        !/^fetching a token for .*…$/.test(line),
    );
}
