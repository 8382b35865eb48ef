// SIGKILL at random points of the write path, in a loop (KILL_RUNS; CI: 200). Each run starts from an
// existing ~/.npmrc, ~/.yarnrc.yml and cached token, runs `login --yarn --refresh` (or, one run in
// five, `logout --yarn`) and kills it after a random delay: most delays are drawn after the moment the
// endpoint hands out the new token (the window in which the cache, the .npmrc and the .yarnrc.yml are
// written), the rest anywhere in the run. Afterwards every file must parse and hold exactly its old or
// its new content: nothing half-written, nothing lost. Leftover temp files and locks are counted.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEntry } from "../../src/cache/entry.js";
import { parseNpmrc } from "../../src/package-managers/ini-text.js";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import { BIN } from "../support/run.js";
import { KILL_RUNS, makeWorld, nerf, reg, seedCache, type World } from "./support.js";

const PARALLEL = Math.max(1, Number(process.env.KILL_PARALLEL ?? 2));
const OLD = "eyJ2ZXIiOjEsImlzdSI6OLDTOKEN-0123456789abcdefghijklmnopqrstuvwxyz";

let aws: FakeAws;
/** Called when the endpoint hands out a token for a domain (each run has its own domain). */
const onIssue = new Map<string, (token: string) => void>();
beforeAll(async () => {
  aws = await startFakeAws();
  aws.codeartifact.makeToken = ({ domain }) => {
    const token = `eyJ2ZXIiOjEsImlzdSI6NEW-${domain}-${randomBytes(24).toString("base64url")}`;
    onIssue.get(domain)?.(token);
    return token;
  };
});
afterAll(() => aws.close());

type Mode = "login" | "logout";
interface Run {
  world: World;
  url: string;
  domain: string;
  mode: Mode;
  npmrcOld: string;
  yarnrcOld: string;
  cacheFile: string;
  cacheOld: string;
}

function prepare(index: number, mode: Mode): Run {
  const world = makeWorld(aws);
  const domain = `kill${index}`;
  const url = reg(domain);
  const npmrcOld = `# my settings\nfund=false\n${nerf(url)}:_authToken=${OLD}\n@corp:registry=${url}\n//registry.npmjs.org/:_authToken=npm_unrelated\n`;
  const yarnrcOld = `# yarn\nenableTelemetry: false\nnpmRegistries:\n  "${nerf(url)}":\n    npmAuthToken: ${OLD}\n    npmAlwaysAuth: true\n`;
  world.write(world.path(".npmrc"), npmrcOld, 0o600);
  world.write(world.path(".yarnrc.yml"), yarnrcOld, 0o600);
  const seeded = seedCache(world, url, OLD, { fetchedAgoS: 60, expiresInS: 12 * 3600 });
  return { world, url, domain, mode, npmrcOld, yarnrcOld, cacheFile: seeded.file, cacheOld: seeded.text };
}

const argsOf = (run: Run) =>
  run.mode === "login"
    ? ["login", "-r", run.url, "--yarn", "--refresh", "--quiet"]
    : ["logout", "-r", run.url, "--yarn", "--quiet"];

function start(run: Run): {
  child: ChildProcess;
  done: Promise<{ status: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...argsOf(run)], {
    cwd: run.world.project,
    env: run.world.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ status: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on("close", (status, signal) => resolve({ status, signal, stderr })),
  );
  return { child, done };
}

/** The new content of each file, as a function of the new token (from one run left to finish). */
interface Expected {
  npmrc(run: Run, token: string): string;
  yarnrc(run: Run, token: string): string;
}

type State = "old" | "new" | "absent";
interface Outcome {
  mode: Mode;
  killed: boolean;
  phase: "anywhere" | "after the token was issued";
  states: Record<"npmrc" | "yarnrc" | "cache", State>;
  problems: string[];
  leftovers: string[];
}

function classify(
  run: Run,
  expected: Expected,
  issued: string | undefined,
): Omit<Outcome, "mode" | "killed" | "phase"> {
  const problems: string[] = [];
  const states = {} as Outcome["states"];
  const w = run.world;

  const npmrc = readFileSync(w.path(".npmrc"), "utf8");
  parseNpmrc(npmrc); // parses (a half-written file would still parse: the byte comparison decides)
  if (npmrc === run.npmrcOld) states.npmrc = "old";
  else if (run.mode === "logout" && npmrc === expected.npmrc(run, "")) states.npmrc = "new";
  else if (run.mode === "login" && issued && npmrc === expected.npmrc(run, issued)) states.npmrc = "new";
  else problems.push(`~/.npmrc is neither old nor new:\n${npmrc}`);

  const yarnrc = readFileSync(w.path(".yarnrc.yml"), "utf8");
  if (yarnrc === run.yarnrcOld) states.yarnrc = "old";
  else if (run.mode === "logout" && yarnrc === expected.yarnrc(run, "")) states.yarnrc = "new";
  else if (run.mode === "login" && issued && yarnrc === expected.yarnrc(run, issued)) states.yarnrc = "new";
  else problems.push(`~/.yarnrc.yml is neither old nor new:\n${yarnrc}`);

  if (!existsSync(run.cacheFile)) {
    if (run.mode === "logout") states.cache = "absent";
    else problems.push("the cache entry disappeared");
  } else {
    const text = readFileSync(run.cacheFile, "utf8");
    const entry = parseEntry(text);
    if (text === run.cacheOld) states.cache = "old";
    else if (run.mode === "login" && entry && issued && entry.token === issued) states.cache = "new";
    else
      problems.push(`the cache entry is neither old nor new: ${entry ? "another token" : "does not parse"}`);
  }
  for (const [file, mode] of [
    [w.path(".npmrc"), 0o600],
    [w.path(".yarnrc.yml"), 0o600],
    ...(existsSync(run.cacheFile) ? [[run.cacheFile, 0o600] as const] : []),
  ] as const) {
    const actual = statSync(file).mode & 0o777;
    if (actual !== mode) problems.push(`${basename(file)} is mode ${actual.toString(8)}`);
  }

  // Whatever else is there: write-file-atomic's temp files (`name.<hash>`) and lock dirs a SIGKILL left.
  const leftovers: string[] = [];
  for (const dir of [w.home, join(w.cacheDir, "tokens"), join(w.cacheDir, "locks")]) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const full = join(dir, name);
      if (/^\.(npmrc|yarnrc\.yml)\.\d+$|^[0-9a-f]{16}\.json\.\d+$|\.lock$/.test(name)) {
        leftovers.push(
          `${name}${statSync(full).isFile() ? ` (mode ${(statSync(full).mode & 0o777).toString(8)})` : ""}`,
        );
        if (statSync(full).isFile() && (statSync(full).mode & 0o077) !== 0) {
          problems.push(`leftover ${name} is readable by others`);
        }
      }
    }
  }
  return { states, problems, leftovers };
}

/** Runs to completion once per mode, to learn the new content and how long a run and its writes take. */
async function calibrate(): Promise<{ expected: Expected; totalMs: Record<Mode, number>; writeMs: number }> {
  const login = prepare(900_000, "login");
  let issuedAt = 0;
  let issued = "";
  onIssue.set(login.domain, (token) => {
    issuedAt = Date.now();
    issued = token;
  });
  const t0 = Date.now();
  const loginDone = await start(login).done;
  const loginMs = Date.now() - t0;
  expect(loginDone.status, loginDone.stderr).toBe(0);
  const npmrcTemplate = readFileSync(login.world.path(".npmrc"), "utf8").replaceAll(issued, "\u0000");
  const yarnrcTemplate = readFileSync(login.world.path(".yarnrc.yml"), "utf8").replaceAll(issued, "\u0000");
  expect(npmrcTemplate).toBe(login.npmrcOld.replace(OLD, "\u0000"));

  const logout = prepare(900_001, "logout");
  const t1 = Date.now();
  const logoutDone = await start(logout).done;
  const logoutMs = Date.now() - t1;
  expect(logoutDone.status, logoutDone.stderr).toBe(0);
  const npmrcLogout = readFileSync(logout.world.path(".npmrc"), "utf8");
  const yarnrcLogout = readFileSync(logout.world.path(".yarnrc.yml"), "utf8");
  expect(npmrcLogout).not.toContain(OLD);
  expect(existsSync(logout.cacheFile)).toBe(false);

  const swap = (template: string, from: Run, run: Run) => template.replaceAll(from.domain, run.domain);
  return {
    expected: {
      npmrc: (run, token) =>
        run.mode === "login"
          ? swap(npmrcTemplate, login, run).replaceAll("\u0000", token)
          : swap(npmrcLogout, logout, run),
      yarnrc: (run, token) =>
        run.mode === "login"
          ? swap(yarnrcTemplate, login, run).replaceAll("\u0000", token)
          : swap(yarnrcLogout, logout, run),
    },
    totalMs: { login: loginMs, logout: logoutMs },
    writeMs: Math.max(20, t0 + loginMs - issuedAt),
  };
}

describe(`SIGKILL during writes: ${KILL_RUNS} runs (KILL_RUNS), ${PARALLEL} at a time`, () => {
  it("every file parses and holds its old or its new content; none is lost", {
    timeout: 30 * 60_000,
  }, async () => {
    const { expected, totalMs, writeMs } = await calibrate();
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    let next = 0;

    const one = async (index: number) => {
      const mode: Mode = index % 5 === 4 ? "logout" : "login";
      const run = prepare(index, mode);
      // Login: 3 in 4 kills land after the token is issued, spread over the write window (+50%).
      const afterIssue = mode === "login" && index % 4 !== 0;
      let issued: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const { child, done } = start(run);
      const kill = () => child.kill("SIGKILL");
      if (afterIssue) {
        onIssue.set(run.domain, (token) => {
          issued = token;
          timer = setTimeout(kill, Math.random() * writeMs * 1.5);
        });
      } else {
        onIssue.set(run.domain, (token) => {
          issued = token;
        });
        timer = setTimeout(kill, Math.random() * totalMs[mode] * 1.2);
      }
      const result = await done;
      clearTimeout(timer);
      onIssue.delete(run.domain);
      const killed = result.signal === "SIGKILL";
      if (!killed && result.status !== 0) failures.push(`run ${index} (${mode}) failed: ${result.stderr}`);
      const outcome = {
        mode,
        killed,
        phase: afterIssue ? "after the token was issued" : "anywhere",
        ...classify(run, expected, issued),
      } as Outcome;
      if (outcome.problems.length > 0)
        failures.push(`run ${index} (${mode}): ${outcome.problems.join("; ")}`);
      outcomes.push(outcome);
    };
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < KILL_RUNS) await one(next++);
      }),
    );

    const killed = outcomes.filter((o) => o.killed);
    const tally = (pick: (o: Outcome) => string) => {
      const counts: Record<string, number> = {};
      for (const o of killed) counts[pick(o)] = (counts[pick(o)] ?? 0) + 1;
      return counts;
    };
    const leftovers = outcomes.flatMap((o) => o.leftovers);
    const summary = {
      runs: outcomes.length,
      killed: killed.length,
      finishedBeforeTheKill: outcomes.length - killed.length,
      killPoints: tally((o) => o.phase),
      filesChecked: outcomes.length * 3,
      states: tally(
        (o) => `${o.mode}: npmrc ${o.states.npmrc}, yarnrc ${o.states.yarnrc}, cache ${o.states.cache}`,
      ),
      halfWrittenOrLost: failures.length,
      leftoverTempFilesAndLocks: leftovers.length,
      leftoverKinds: [...new Set(leftovers.map((l) => l.replace(/[0-9a-f]{16}|\d{5,}/g, "…")))],
      calibration: { ...totalMs, writeWindowMs: writeMs },
    };
    console.log(`kill loop: ${JSON.stringify(summary, null, 2)}`);
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(KILL_RUNS);
    // The loop must have killed runs in the middle of their writes, not only before or after them.
    const mixed = killed.filter((o) => new Set(Object.values(o.states)).size > 1);
    expect(killed.length).toBeGreaterThan(KILL_RUNS / 2);
    expect(mixed.length).toBeGreaterThan(0);
  });
});
