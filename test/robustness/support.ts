// Shared by the robustness suites: a "world" (isolated HOME, project dir, cache dir, loopback AWS
// environment), snapshots of every file in it (to prove a failing run changed nothing), the output
// checks every case makes (one line, no stack trace), and the loop counts that CI raises.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join, relative } from "node:path";
import { cacheKey, keyDigest, serializeEntry } from "../../src/cache/entry.js";
import { parseRegistryUrl } from "../../src/codeartifact/registry-url.js";
import { describeIdentity } from "../../src/codeartifact/resolve.js";
import type { FakeAws } from "../support/aws/index.js";
import { BIN, ROOT, type RunResult, run, runCli, stderrLines } from "../support/run.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";

/** Loop sizes: the figures in CI (`CI` set), smaller for a developer's `npm test`. */
const inCi = Boolean(process.env.CI);
function count(name: string, ci: number, local: number): number {
  const given = Number(process.env[name]);
  return Number.isInteger(given) && given > 0 ? given : inCi ? ci : local;
}
/** SIGKILL runs of the kill loop (issue: at least 200). */
export const KILL_RUNS = count("KILL_RUNS", 200, 40);
/** fast-check runs of each robustness property (issue: at least 10,000; cheap enough to run always). */
export const FC_RUNS = count("ROBUSTNESS_FC_RUNS", 10_000, 10_000);
/** Generated rounds of the 32-process login property. */
export const LOGIN_ROUNDS = count("LOGIN_ROUNDS", 5, 1);
export const FC_SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

export const OWNER = "111122223333";
/** A CodeArtifact registry URL. */
export const reg = (domain = "corp", repo = "npm-store", region = "us-east-1", owner = OWNER) =>
  `https://${domain}-${owner}.d.codeartifact.${region}.amazonaws.com/npm/${repo}/`;
export const nerf = (url: string) => url.replace(/^https:/, "");
export const URL = reg();

export interface World {
  home: string;
  project: string;
  cacheDir: string;
  env: Record<string, string>;
  path(...parts: string[]): string;
  /** Writes a file (parents created), `mode` when given. */
  write(file: string, content: string | Buffer, mode?: number): string;
  cli(args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<RunResult>;
}

/**
 * A throwaway HOME with a project directory (the cwd of every run) and a file token cache, talking
 * to the loopback endpoint with the test keys. Nothing of this machine's AWS, npm or keychain leaks in.
 */
export function makeWorld(aws: FakeAws, extra: Record<string, string> = {}): World {
  const h = isolatedHome();
  const project = h.path("project");
  mkdirSync(project, { recursive: true });
  const cacheDir = h.path(".cache", "codeartifact-keyring");
  const env = { ...h.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE: "file", ...extra };
  const world: World = {
    home: h.home,
    project,
    cacheDir,
    env,
    path: h.path,
    write(file, content, mode) {
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, content, mode === undefined ? {} : { mode });
      return file;
    },
    cli: (args, options = {}) =>
      runCli(args, {
        env: { ...env, ...options.env },
        cwd: project,
        ...(options.input !== undefined ? { input: options.input } : {}),
        timeoutMs: 120_000,
      }),
  };
  return world;
}

export interface Entry {
  type: "file" | "dir" | "link" | "other";
  mode: number;
  /** sha256 of a file's bytes, a link's target. */
  digest?: string;
}

/** Every path under `roots` (relative to the first root's parent), with type, mode and content digest. */
export function snapshot(...roots: string[]): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (dir: string, base: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const full = join(dir, name);
      const info = lstatSync(full);
      const key = relative(base, full);
      const mode = info.mode & 0o7777;
      if (info.isSymbolicLink()) out.set(key, { type: "link", mode, digest: readlinkSync(full) });
      else if (info.isDirectory()) {
        out.set(key, { type: "dir", mode });
        walk(full, base);
      } else if (info.isFile()) {
        let digest: string;
        try {
          digest = createHash("sha256").update(readFileSync(full)).digest("hex");
        } catch {
          digest = "(unreadable)";
        }
        out.set(key, { type: "file", mode, digest });
      } else out.set(key, { type: "other", mode });
    }
  };
  for (const root of roots) walk(root, join(root, ".."));
  return out;
}

/** The differences between two snapshots, one line each (`+ path`, `- path`, `~ path (what)`). */
export function diffSnapshots(before: Map<string, Entry>, after: Map<string, Entry>): string[] {
  const lines: string[] = [];
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (!old) lines.push(`+ ${path}`);
    else if (old.type !== entry.type || old.digest !== entry.digest) lines.push(`~ ${path} (content)`);
    else if (old.mode !== entry.mode)
      lines.push(`~ ${path} (mode ${old.mode.toString(8)} → ${entry.mode.toString(8)})`);
  }
  for (const path of before.keys()) if (!after.has(path)) lines.push(`- ${path}`);
  return lines;
}

/** A stack frame, as Node prints them. */
const STACK_FRAME = /^\s+at\s.+(?:\(.*:\d+:\d+\)|:\d+:\d+)$/m;
export const hasStackTrace = (text: string) => STACK_FRAME.test(text);

/** stderr lines without the SDK's Node 20 notice and without the auto-store notice. */
export function messages(result: RunResult): string[] {
  return stderrLines(result.stderr);
}

/** Cache entries in the file store, parsed. */
export function cacheFiles(world: World): string[] {
  try {
    return readdirSync(join(world.cacheDir, "tokens")).map((n) => join(world.cacheDir, "tokens", n));
  } catch {
    return [];
  }
}

/** A distinctive token: easy to find anywhere, shaped like CodeArtifact's (base64url, ~1 KB). */
export function canaryToken(label: string): string {
  const body = createHash("sha512").update(label).digest("base64url");
  return `eyJ2ZXIiOjEsImlzdSI6CANARY${body}${"x".repeat(600)}`;
}

/** Whether git can be run here (the git-safety cases need it; .ci/run installs it). */
export { hasGit } from "../support/processes.js";

/** A git repository at `dir` with `files` committed, made with the world's isolated HOME. */
export function gitRepo(world: World, dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) world.write(join(dir, name), text);
  const git = (...args: string[]) =>
    execFileSync(
      "git",
      ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args],
      { cwd: dir, env: { ...world.env, GIT_CONFIG_NOSYSTEM: "1" }, stdio: "ignore" },
    );
  git("init", "-q");
  git("add", ...Object.keys(files));
  git("commit", "-qm", "dotfiles");
}

/** Running as root (CI does): permission bits do not stop root, so such cases run as `nobody`. */
export const isRoot = process.getuid?.() === 0;
const NOBODY = 65_534;

/**
 * Runs the built CLI in `world` as an unprivileged user when this process is root (the world is
 * handed to that user first), as this user otherwise: for cases that need permission bits to bite.
 */
/**
 * The built package copied where `nobody` can read it: the checkout itself may sit in a directory
 * only its owner can enter (`mktemp -d` makes them 0700).
 */
let readableBin: string | undefined;
function binForNobody(): string {
  if (!readableBin) {
    const dir = makeTempDir("cak-unprivileged-");
    for (const part of ["package.json", "bin", "dist", join("node_modules", "@napi-rs")]) {
      cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    }
    chmodSync(dir, 0o755);
    execFileSync("chmod", ["-R", "a+rX", dir]);
    readableBin = join(dir, relative(ROOT, BIN));
  }
  return readableBin;
}

export function runCliUnprivileged(world: World, args: string[]): Promise<RunResult> {
  if (!isRoot) return world.cli(args);
  execFileSync("chown", ["-R", `${NOBODY}:${NOBODY}`, world.home]);
  return run(process.execPath, [binForNobody(), ...args], {
    env: world.env,
    cwd: world.project,
    uid: NOBODY,
    gid: NOBODY,
  });
}

/**
 * Puts a token in the world's file cache as the CLI would have stored it for `url` (identity and
 * endpoint read from the world's environment): `fetchedAgoS` seconds ago, expiring in `expiresInS`.
 * Returns the entry's path and text, to check later that it was served, kept or replaced whole.
 */
export function seedCache(
  world: World,
  url: string,
  token: string,
  timing: { fetchedAgoS: number; expiresInS: number },
): { file: string; text: string } {
  const target = parseRegistryUrl(url);
  if (!target) throw new Error(`not a CodeArtifact URL: ${url}`);
  const identity = describeIdentity({}, world.env);
  const key = cacheKey(target, identity);
  const now = Date.now();
  const text = serializeEntry({
    key,
    domain: target.domain,
    domainOwner: target.domainOwner,
    region: target.region,
    identity: identity.key,
    identityDescription: identity.description,
    ...(identity.endpoint ? { endpoint: identity.endpoint } : {}),
    token,
    expiresAt: new Date(now + timing.expiresInS * 1000),
    fetchedAt: new Date(now - timing.fetchedAgoS * 1000),
  });
  const dir = join(world.cacheDir, "tokens");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${keyDigest(key)}.json`);
  writeFileSync(file, text, { mode: 0o600 });
  return { file, text };
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
