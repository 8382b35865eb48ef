// Daemons started for tests (dbus-daemon, gnome-keyring, Verdaccio) must stop by themselves when
// the test process ends, even when it is killed: each runs under a tiny sh guard that holds a pipe
// from us and kills its child when that pipe closes.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

const GUARD = `
"$@" < "\${TIED_STDIN:-/dev/null}" &
child=$!
# stdin is a pipe from the parent: end of file means it is gone (or wants us to stop).
cat >/dev/null
kill "$child" 2>/dev/null
wait "$child" 2>/dev/null
`;

export interface TiedProcess {
  child: ChildProcess;
  /** Stops the daemon (closes the guard's pipe) and waits for the guard to exit. */
  stop(): Promise<void>;
}

/**
 * Spawns `command` tied to this process's life. Its stdout and stderr are piped to `child`;
 * `stdinFile` (optional) becomes its stdin.
 */
export function spawnTied(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdinFile?: string; cwd?: string },
): TiedProcess {
  const child = spawn("sh", ["-c", GUARD, "sh", command, ...args], {
    env: { ...options.env, ...(options.stdinFile ? { TIED_STDIN: options.stdinFile } : {}) },
    stdio: ["pipe", "pipe", "pipe"],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}

/** Whether a program is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Whether git can be run here (the git-safety tests need it; .ci/run installs it). */
export function hasGit(): boolean {
  return hasCommand("git");
}

/** Resolves with the first line of `stream` matching `pattern`, or rejects after `timeoutMs`. */
export function waitForLine(
  stream: NodeJS.ReadableStream | null,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!stream) {
      reject(new Error(`${what}: no output stream to read`));
      return;
    }
    let buffer = "";
    const timer = setTimeout(() => {
      stream.off("data", onData);
      reject(
        new Error(
          `${what}: no line matching ${pattern} within ${timeoutMs} ms (got: ${buffer.slice(0, 500)})`,
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      for (const line of buffer.split("\n")) {
        if (pattern.test(line)) {
          clearTimeout(timer);
          stream.off("data", onData);
          resolve(line);
          return;
        }
      }
    };
    stream.on("data", onData);
  });
}
