// Many built CLIs at once against one HOME. A fast-check property over how 32 registries spread over
// domains (LOGIN_ROUNDS rounds; CI: 3): 32 parallel `login` processes end with every registry's line in
// ~/.npmrc (and ~/.yarnrc.yml), the other lines kept, and exactly one GetAuthorizationToken call per
// domain. 32 parallel `token` calls on a cold cache make one call. A lock holder killed with SIGKILL
// (the cache's lock, the .npmrc's lock) is taken over once its lock goes stale (10 s), not later.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cacheKey } from "../../src/cache/entry.js";
import { DEFAULT_LOCK_STALE_MS, lockPathFor } from "../../src/cache/lock.js";
import { parseRegistryUrl } from "../../src/codeartifact/registry-url.js";
import { describeIdentity } from "../../src/codeartifact/resolve.js";
import { parseNpmrc } from "../../src/package-managers/ini-text.js";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import { ROOT } from "../support/run.js";
import { FC_SEED, LOGIN_ROUNDS, makeWorld, messages, nerf, reg, URL, type World } from "./support.js";

const OP = "GetAuthorizationToken";
const PROCESSES = 32;
let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
afterEach(() => aws.reset());

const PRESET = "# kept\nfund=false\n//registry.npmjs.org/:_authToken=npm_unrelated\n";

describe(`${PROCESSES} parallel logins against one HOME (${LOGIN_ROUNDS} generated rounds, LOGIN_ROUNDS)`, () => {
  it("every registry's line is present and each domain is fetched once", {
    timeout: 15 * 60_000,
  }, async () => {
    const figures: string[] = [];
    let round = 0;
    const scenario = fc.record({
      domains: fc.integer({ min: 1, max: 4 }),
      picks: fc.array(fc.nat(), { minLength: PROCESSES, maxLength: PROCESSES }),
      preset: fc.boolean(),
      yarn: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ domains, picks, preset, yarn }) => {
        round += 1;
        aws.reset();
        const w = makeWorld(aws);
        if (preset) w.write(w.path(".npmrc"), PRESET, 0o600);
        const names = Array.from({ length: domains }, (_, d) => `r${round}d${d}`);
        const urls = picks.map((pick, i) => reg(names[pick % domains] as string, `repo-${i}`));
        // Slow answers keep the processes overlapping while one of them holds each domain's lock.
        aws.inject(OP, { type: "delay", ms: 300 }, Number.POSITIVE_INFINITY);
        const results = await Promise.all(
          urls.map((url) => w.cli(["login", "-r", url, "--quiet", ...(yarn ? ["--yarn"] : [])])),
        );
        for (const result of results)
          expect({ status: result.status, stderr: messages(result) }).toEqual({ status: 0, stderr: [] });

        const used = [...new Set(urls.map((u) => parseRegistryUrl(u)?.domain as string))];
        const calls = aws.calls.filter((c) => c.operation === OP);
        expect(calls.map((c) => c.query.domain).sort()).toEqual(used.sort());
        const tokenOf = new Map(aws.codeartifact.issued.map((t) => [t.domain, t.token]));

        const text = readFileSync(w.path(".npmrc"), "utf8");
        const entries = parseNpmrc(text);
        for (const url of urls) {
          const lines = entries.filter((e) => e.key === `${nerf(url)}:_authToken`);
          expect(lines).toHaveLength(1);
          expect(lines[0]?.value).toBe(tokenOf.get(parseRegistryUrl(url)?.domain as string));
        }
        expect(entries.filter((e) => e.key.endsWith(":_authToken"))).toHaveLength(
          PROCESSES + (preset ? 1 : 0),
        );
        if (preset) expect(text.startsWith(PRESET)).toBe(true);
        if (yarn) {
          const yarnrc = readFileSync(w.path(".yarnrc.yml"), "utf8");
          for (const url of urls) expect(yarnrc).toContain(`"${nerf(url)}":`);
          expect(yarnrc.match(/npmAuthToken:/g)).toHaveLength(PROCESSES);
        }
        figures.push(
          `${domains} domain(s), ${used.length} used, ${calls.length} call(s)${yarn ? ", --yarn" : ""}`,
        );
      }),
      { numRuns: LOGIN_ROUNDS, endOnFailure: true, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
    console.log(`parallel logins: ${figures.length} rounds of ${PROCESSES}: ${figures.join("; ")}`);
  });
});

describe(`${PROCESSES} parallel token calls on a cold cache`, () => {
  it("make one GetAuthorizationToken call and print one token", async () => {
    const w = makeWorld(aws);
    aws.inject(OP, { type: "delay", ms: 300 });
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => w.cli(["token", "-r", URL])));
    for (const result of results)
      expect({ status: result.status, stderr: messages(result) }).toEqual({ status: 0, stderr: [] });
    expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
    expect(results[0]?.stdout).toBe(`${aws.codeartifact.issued[0]?.token}\n`);
    expect(aws.count(OP)).toBe(1);
  });
});

const HOLD_LOCK = join(ROOT, "test/cache/fixtures/hold-lock.mjs");

/** A process holding `path`'s lock as the tool does (refreshing it), started and then SIGKILLed. */
async function killedHolder(path: string): Promise<void> {
  const holder: ChildProcess = spawn(process.execPath, [HOLD_LOCK, path, String(DEFAULT_LOCK_STALE_MS)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  const gone = new Promise((resolve) => holder.once("exit", resolve));
  holder.kill("SIGKILL");
  await gone;
}

async function timed(w: World, args: string[]) {
  const started = Date.now();
  const result = await w.cli(args);
  return { result, seconds: (Date.now() - started) / 1000 };
}

describe("a lock holder killed with SIGKILL", () => {
  it(`is taken over once its lock is stale (${DEFAULT_LOCK_STALE_MS / 1000} s): the token cache's lock and the .npmrc's`, async () => {
    // The token cache's lock, for `token`.
    const a = makeWorld(aws);
    const target = parseRegistryUrl(URL);
    if (!target) throw new Error("bad URL");
    const cacheLock = lockPathFor(a.cacheDir, cacheKey(target, describeIdentity({}, a.env)));
    a.write(join(a.cacheDir, "locks", ".keep"), "");
    // The .npmrc's lock, for `login` (with a cached token, so only the file lock is in the way).
    const b = makeWorld(aws);
    b.write(b.path(".npmrc"), "fund=false\n", 0o600);
    expect((await b.cli(["token", "-r", URL])).status).toBe(0);

    await Promise.all([killedHolder(cacheLock), killedHolder(b.path(".npmrc"))]);
    const [token, login] = await Promise.all([
      timed(a, ["token", "-r", URL]),
      timed(b, ["login", "-r", URL, "--quiet"]),
    ]);

    const stale = DEFAULT_LOCK_STALE_MS / 1000;
    for (const { result, seconds } of [token, login]) {
      expect({ status: result.status, stderr: messages(result) }).toEqual({ status: 0, stderr: [] });
      // It waited for the dead holder's lock to go stale, then went ahead: not before, not much after.
      expect(seconds).toBeGreaterThan(stale - 2);
      expect(seconds).toBeLessThan(stale + 10);
    }
    expect(readFileSync(b.path(".npmrc"), "utf8")).toContain(`${nerf(URL)}:_authToken=`);
    console.log(
      `killed lock holders: token recovered in ${token.seconds.toFixed(1)} s, login in ${login.seconds.toFixed(1)} s (stale timeout ${stale} s)`,
    );
  });
});
