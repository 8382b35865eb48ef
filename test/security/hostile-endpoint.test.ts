// A hostile or broken endpoint (and a hostile environment or config) cannot inject: a token is
// checked once where it enters, before it is cached, printed, masked or written; its expiry is
// bounded; answers are bounded in size and time; a redirect is called one. Through the built CLI.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cacheFiles,
  hasStackTrace,
  makeWorld,
  messages,
  seedCache,
  URL,
  type World,
} from "../robustness/support.js";
import { withFakeAws } from "../support/aws/index.js";
import { ROOT, run, runNode } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";

const OP = "GetAuthorizationToken";
const GOOD = `eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.${"A".repeat(64)}`;
const HELPER = join(ROOT, "dist", "pnpm-token-helper.cjs");

/** What a test may never see anywhere: the hostile token's payload. */
const MARKER = "INJECTED";
const HOSTILE: [string, string][] = [
  ["a newline (a second .npmrc line, a second workflow command)", `${GOOD}\n::warning::${MARKER}`],
  ["a command substitution", `${GOOD}$(touch ${MARKER})`],
  ["a quote and a semicolon", `${GOOD}';echo ${MARKER};'`],
  ["a carriage return", `${GOOD}\r${MARKER}`],
  ["a bare number", "123456789012345678"],
  ["9 KB (past the 8 KiB bound)", `${MARKER}${"a".repeat(9000)}`],
];

function helper(w: World): ReturnType<typeof runNode> {
  return runNode(HELPER, [URL], { env: w.env, cwd: w.project, timeoutMs: 60_000 });
}

function expectNothingLeaked(w: World, ...outputs: { stdout: string; stderr: string }[]): void {
  for (const output of outputs) {
    expect(output.stdout).not.toContain(MARKER);
    expect(output.stderr).not.toContain(MARKER);
    expect(hasStackTrace(output.stderr)).toBe(false);
  }
  expect(cacheFiles(w)).toEqual([]);
}

describe("a token that cannot be one is refused where it enters", () => {
  it.concurrent.each(HOSTILE)("from GetAuthorizationToken: %s", (_name, token) =>
    withFakeAws(async (aws, host) => {
      aws.codeartifact.makeToken = () => token;
      const w = makeWorld(aws);
      const results = [];
      // Every format for the line break; the other shapes through the plain one (the check is shared).
      for (const format of token.includes("\n") ? ["raw", "env", "header", "json"] : ["raw"]) {
        const result = await w.cli(["token", "-r", URL, "--format", format]);
        expect(result.status).toBe(1);
        expect(result.stdout).toBe("");
        const lines = messages(result);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(
            `^error: CodeArtifact at ${host.replace(/\./g, "\\.")} sent a token that cannot be one \\(it (holds|is) .*\\): nothing was cached or printed; check \`endpoint_url\``,
          ),
        );
        results.push(result);
      }
      const ci = await w.cli(["token", "-r", URL], { env: { GITHUB_ACTIONS: "true" } });
      expect(ci.status).toBe(1);
      expect(ci.stdout).toBe("");
      const pnpm = await helper(w);
      expect(pnpm.status).toBe(1);
      expect(pnpm.stdout).toBe("");
      expectNothingLeaked(w, ...results, ci, pnpm);
      // Nothing cached: every run asked again (a refused token would otherwise break every later run).
      expect(aws.count(OP)).toBe(results.length + 2);
    }),
  );

  it.concurrent.each(HOSTILE)("from CODEARTIFACT_AUTH_TOKEN: %s", (_name, token) =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws, { CODEARTIFACT_AUTH_TOKEN: token });
      const result = await w.cli(["token", "-r", URL, "--format", "env"]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(messages(result)).toEqual([
        expect.stringMatching(
          /^error: CODEARTIFACT_AUTH_TOKEN is not a CodeArtifact token \(it (holds|is) [^)]*\): set it to the token itself, or unset it to fetch one$/,
        ),
      ]);
      const pnpm = await helper(w);
      expect(pnpm.status).toBe(1);
      expect(pnpm.stdout).toBe("");
      expectNothingLeaked(w, result, pnpm);
      expect(aws.count(OP)).toBe(0);
    }),
  );

  it.concurrent("from `auth_token` in the config: a TOML number, named by file:line", () =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      const config = w.write(
        w.path(".config/codeartifact-keyring/config.toml"),
        "[codeartifact]\nauth_token = 12345\n",
      );
      const result = await w.cli(["token", "-r", URL]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(messages(result)).toEqual([
        `error: ${config}:2: \`auth_token\` is not a CodeArtifact token (it is a number): set it to the token itself, or remove it to fetch one`,
      ]);
    }));

  it.concurrent("read back from the cache: a planted entry with a newline counts as absent and is replaced", () =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      aws.codeartifact.makeToken = () => GOOD;
      const seeded = seedCache(w, URL, `${GOOD}\n${MARKER}`, { fetchedAgoS: 60, expiresInS: 3600 });
      const result = await w.cli(["token", "-r", URL]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${GOOD}\n`);
      expect(aws.count(OP)).toBe(1);
      expect(readFileSync(seeded.file, "utf8")).not.toContain(MARKER);
    }));

  it.concurrent("`--format env` is quoted for eval, and `eval` of it runs nothing", () =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      aws.codeartifact.makeToken = () => `~${GOOD}+/=`;
      const result = await w.cli(["token", "-r", URL, "--format", "env"]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`CODEARTIFACT_AUTH_TOKEN='~${GOOD}+/='\n`);
      const dir = makeTempDir();
      const script = join(dir, "eval.sh");
      writeFileSync(script, `eval "$(cat "$1")"\nprintf '%s' "$CODEARTIFACT_AUTH_TOKEN"\n`);
      const out = join(dir, "out.env");
      writeFileSync(out, result.stdout);
      const shell = await run("sh", [script, out], { env: { PATH: process.env.PATH ?? "" }, cwd: dir });
      expect(shell.stdout).toBe(`~${GOOD}+/=`);
    }));
});

describe("expiry is bounded", () => {
  it.concurrent("an expiry a century away is cut to 12 h with one warning, and cached so", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.codeartifact.expiration = ({ now }) => now + 100 * 365 * 86_400;
      const before = Date.now();
      const result = await w.cli(["token", "-r", URL, "--format", "json"]);
      expect(result.status, result.stderr).toBe(0);
      const lines = messages(result);
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^warning: CodeArtifact at ${host.replace(/\./g, "\\.")} said the token expires at 21\\d\\d-.*, more than 12 h from now: using .* instead`,
          ),
        ),
      ]);
      const expiresAt = Date.parse(JSON.parse(result.stdout).expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 12 * 3600_000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 12 * 3600_000);
      const [file] = cacheFiles(w);
      expect(Date.parse(JSON.parse(readFileSync(file as string, "utf8")).expiresAt)).toBe(expiresAt);
    }));

  it.concurrent("a 12 h token (the service's maximum) is not touched", () =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      const result = await w.cli(["token", "-r", URL]);
      expect(result.status, result.stderr).toBe(0);
      expect(messages(result)).toEqual([]);
    }));
});

describe("answers are bounded in size and time, and a redirect is named", () => {
  /** The child's peak RSS, reported by a preloaded module when it exits. */
  async function peakRss(w: World, args: string[]) {
    const dir = makeTempDir();
    const report = join(dir, "rss.json");
    const preload = join(dir, "rss.cjs");
    writeFileSync(
      preload,
      `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS * 1024)));\n`,
    );
    const result = await w.cli(args, { env: { NODE_OPTIONS: `--require ${preload}` } });
    return { result, bytes: Number(readFileSync(report, "utf8")) };
  }

  it.concurrent.each([
    ["chunked", false],
    ["with Content-Length", true],
  ])("a 150 MB answer (%s) is refused after 1 MiB, with a bounded peak RSS", (_name, declareLength) =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "flood", bytes: 150 * 1024 * 1024, declareLength }, Infinity);
      const { result, bytes } = await peakRss(w, ["token", "-r", URL]);
      expect(result.status).toBe(1);
      expect(messages(result)).toEqual([
        `error: the answer from ${host} is larger than 1024 KiB: it is not CodeArtifact's; check \`endpoint_url\` / AWS_ENDPOINT_URL and the proxy`,
      ]);
      expect(aws.count(OP)).toBe(1); // not retried
      // Node with the SDK loaded stays near 100 MB; reading the whole answer peaked at 680 MB.
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(250 * 1024 * 1024);
    }),
  );

  it.concurrent("a redirect is reported as one, with only the origin it pointed at", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.inject(
        OP,
        { type: "body", status: 302, body: "", headers: { location: `https://evil.example/${MARKER}?q=1` } },
        Infinity,
      );
      const result = await w.cli(["token", "-r", URL]);
      expect(result.status).toBe(1);
      expect(messages(result)).toEqual([
        `error: ${host} answered with a redirect (HTTP 302 to https://evil.example), which is not followed: point \`endpoint_url\` / AWS_ENDPOINT_URL at the service itself, or check the proxy`,
      ]);
      expect(aws.count(OP)).toBe(1);
    }));

  it.concurrent("a server trickling a byte every 0.4 s is cut at `timeout` per attempt: 3 attempts, then one line", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "trickle", intervalMs: 400 }, Infinity);
      w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\ntimeout = 1\n");
      const started = Date.now();
      const result = await w.cli(["token", "-r", URL]);
      const seconds = (Date.now() - started) / 1000;
      expect(messages(result)).toEqual([
        `error: no answer from ${host} within 1 s (3 attempts): check the network or proxy, or raise the \`timeout\` setting`,
      ]);
      expect(result.status).toBe(1);
      expect(aws.calls.map((c) => c.outcome)).toEqual(["trickle", "trickle", "trickle"]);
      // 3 × timeout plus start-up and backoff; without the bound it never ends (the run is killed at 120 s).
      expect(seconds).toBeLessThan(3 * 1 + 15);
    }));
});
