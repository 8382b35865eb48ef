// Timing whole processes. Commands of one group are measured in interleaved rounds (A×k, B×k, A×k,
// B×k, …) so that a slower minute on a shared machine hits every command alike, and every ratio
// comes from samples taken side by side. Each round runs hyperfine when it is installed (its JSON
// export's per-run times are merged across rounds); otherwise this file's own runner does the same
// with process.hrtime around spawnSync.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export interface Command {
  /** Short label for tables. */
  name: string;
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Paths removed before each timed run (and each warm-up): the cold scenarios' empty cache. */
  clean?: string[];
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export interface Runner {
  /** `hyperfine 1.15.0`, or `own runner (…)`. */
  description: string;
  /** Runs `command` `runs` times after `warmup` untimed runs; resolves to wall times in ms. */
  time(command: Command, runs: number, warmup: number, scratch: string): Promise<number[]>;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, runs: sorted.length };
}

/** Quotes an argument for hyperfine's command line (split like a shell's words, even with -N). */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function hyperfineVersion(): string | undefined {
  const probe = spawnSync("hyperfine", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** hyperfine when installed (and not refused), else the own runner; `reason` says why not hyperfine. */
export function chooseRunner(options: { ownRunner: boolean }): { runner: Runner; reason?: string } {
  const version = options.ownRunner ? undefined : hyperfineVersion();
  if (version) return { runner: hyperfineRunner(version) };
  const reason = options.ownRunner
    ? "--own-runner was given"
    : "hyperfine is not installed (apt-get install hyperfine; .ci/run does)";
  return { runner: ownRunner(), reason };
}

function hyperfineRunner(version: string): Runner {
  return {
    description: `${version} (-N: no shell; one invocation per command per round, JSON exports merged)`,
    async time(command, runs, warmup, scratch) {
      const exported = join(scratch, "hyperfine.json");
      const args = ["-N", "--style", "none", "--runs", String(runs), "--warmup", String(warmup)];
      if (command.clean?.length) args.push("--prepare", ["rm", "-rf", ...command.clean].map(quote).join(" "));
      args.push("--export-json", exported, command.argv.map(quote).join(" "));
      const run = spawnSync("hyperfine", args, {
        env: command.env,
        cwd: command.cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (run.status !== 0) {
        throw new Error(`hyperfine failed for ${command.name} (exit ${run.status}):\n${run.stderr}`);
      }
      const { results } = JSON.parse(readFileSync(exported, "utf8")) as { results: { times: number[] }[] };
      rmSync(exported, { force: true });
      return (results[0]?.times ?? []).map((seconds) => seconds * 1000);
    },
  };
}

function ownRunner(): Runner {
  return {
    description: "own runner (spawnSync, wall time by process.hrtime)",
    async time(command, runs, warmup) {
      const times: number[] = [];
      for (let i = 0; i < warmup + runs; i++) {
        for (const path of command.clean ?? []) rmSync(path, { recursive: true, force: true });
        const started = process.hrtime.bigint();
        const run = spawnSync(command.argv[0] as string, command.argv.slice(1), {
          env: command.env,
          cwd: command.cwd,
          stdio: ["ignore", "ignore", "pipe"],
        });
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        if (run.status !== 0) {
          throw new Error(`${command.name} failed (exit ${run.status}):\n${run.stderr?.toString()}`);
        }
        if (i >= warmup) times.push(elapsed);
      }
      return times;
    },
  };
}

/**
 * Measures a group of commands in `rounds` interleaved rounds of `runsPerRound` runs each (warm-up
 * runs in the first round only). Resolves to every command's samples, by name.
 */
export async function measureGroup(
  runner: Runner,
  commands: readonly Command[],
  options: { rounds: number; runsPerRound: number; warmup: number; scratch: string },
): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const command of commands) {
      const warmup = round === 0 ? options.warmup : 0;
      samples
        .get(command.name)
        ?.push(...(await runner.time(command, options.runsPerRound, warmup, options.scratch)));
    }
  }
  return samples;
}

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, collecting its output (never rejects on a non-zero exit). */
export function runProcess(command: Pick<Command, "argv" | "env" | "cwd">): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.argv[0] as string, command.argv.slice(1), {
      env: command.env,
      cwd: command.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Peak resident memory in KB: GNU time's `%M` when /usr/bin/time exists, else Node's own maxRSS report. */
export function peakMemoryMethod(): "gnu-time" | "node-maxrss" {
  return spawnSync("/usr/bin/time", ["-f", "%M", "true"], { stdio: "ignore" }).status === 0
    ? "gnu-time"
    : "node-maxrss";
}

const MAXRSS_HOOK = `data:text/javascript,${encodeURIComponent(
  'process.on("exit", () => process.stderr.write(`\\nmaxrss-kb:${process.resourceUsage().maxRSS}\\n`));',
)}`;

/**
 * Median peak memory (KB) of `runs` runs, or undefined with the reason when it cannot be measured
 * (a program that is not Node, without GNU time).
 */
export async function peakMemory(
  command: Command,
  runs: number,
  method: "gnu-time" | "node-maxrss",
): Promise<{ kb?: number; reason?: string }> {
  const isNode = command.argv[0] === process.execPath || command.argv[0] === "node";
  if (method === "node-maxrss" && !isNode) {
    return { reason: "GNU time is absent and this program is not Node (install the `time` package)" };
  }
  const values: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const path of command.clean ?? []) rmSync(path, { recursive: true, force: true });
    const argv =
      method === "gnu-time"
        ? ["/usr/bin/time", "-f", "maxrss-kb:%M", ...command.argv]
        : [command.argv[0] as string, `--import=${MAXRSS_HOOK}`, ...command.argv.slice(1)];
    const result = await runProcess({ ...command, argv });
    const match = /maxrss-kb:(\d+)\s*$/.exec(result.stderr);
    if (result.status !== 0 || !match) {
      throw new Error(`${command.name}: peak memory run failed (exit ${result.status}): ${result.stderr}`);
    }
    values.push(Number(match[1]));
  }
  return { kb: stats(values).median };
}
