// The cache policy, driven by an injectable clock against the loopback CodeArtifact endpoint:
// refresh margin, the half-life rule for short tokens, stale fallback on transient faults only,
// identity separation, and what a corrupt entry does (nothing bad).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cacheKey, isFresh, keyDigest, refreshThresholdSeconds } from "../../src/cache/entry.js";
import { clearCachedTokens, listCachedTokens } from "../../src/cache/manage.js";
import { fileStore } from "../../src/cache/stores.js";
import { type GetTokenOptions, getAuthorizationToken } from "../../src/cache/token.js";
import { readKeyringConfig } from "../../src/codeartifact/config.js";
import { type FakeAws, OTHER_CREDENTIALS, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";
import { makeTempDir } from "../support/tmp.js";

const URL = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
const OTHER_REPO = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other-store/";
let aws: FakeAws;

beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
afterEach(() => aws.reset());

/** A clock the test moves; starts at the real time so the endpoint's expirations make sense. */
function testClock() {
  let offsetSeconds = 0;
  return {
    now: () => new Date(Date.now() + offsetSeconds * 1000),
    advance(seconds: number) {
      offsetSeconds += seconds;
    },
  };
}

async function setup(
  extra = "",
  keys: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS,
  cache = "file",
) {
  const cacheDir = join(makeTempDir(), "cache");
  const config = await readKeyringConfig({
    text: `[codeartifact]\nendpoint_url = ${aws.url}\ntimeout = 2\ncache = ${cache}\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n${extra}`,
  });
  const clock = testClock();
  const warnings: string[] = [];
  const options: GetTokenOptions = {
    config,
    cacheDir,
    env: { HOME: makeTempDir() },
    now: clock.now,
    onWarning: (m) => warnings.push(m),
  };
  return { cacheDir, clock, options, warnings };
}

describe("refresh policy (pure)", () => {
  const fetchedAt = new Date("2026-01-01T00:00:00Z");
  const at = (seconds: number) => new Date(fetchedAt.getTime() + seconds * 1000);
  it.each([
    // lifetime, margin, age → fresh?
    [43_200, 900, 42_299, true],
    [43_200, 900, 42_300, true], // exactly the margin left
    [43_200, 900, 42_301, false],
    [1_200, 900, 599, true], // short token: half its lifetime (600 s) is the threshold
    [1_200, 900, 601, false],
    [3_600, 0, 3_599, true], // margin 0: until expiry
    [3_600, 0, 3_600, false], // expired is never fresh
  ])("lifetime %i s, margin %i s, age %i s → fresh: %s", (lifetime, margin, age, fresh) => {
    const entry = { fetchedAt, expiresAt: at(lifetime) };
    expect(isFresh(entry, at(age), margin)).toBe(fresh);
  });

  it("the threshold is the margin, or half the lifetime below twice the margin", () => {
    expect(refreshThresholdSeconds({ fetchedAt, expiresAt: at(43_200) }, 900)).toBe(900);
    expect(refreshThresholdSeconds({ fetchedAt, expiresAt: at(1_799) }, 900)).toBe(899.5);
  });
});

describe("the cached token", () => {
  it("is fetched once, then served from the cache without calling AWS", async () => {
    const { options } = await setup();
    const first = await getAuthorizationToken(URL, options);
    const second = await getAuthorizationToken(URL, options);
    expect(first.source).toBe("aws");
    expect(second.source).toBe("cache");
    expect(second.token.reveal()).toBe(first.token.reveal());
    expect(second.cache?.store).toBe("file");
    expect(second.cache?.stale).toBeUndefined();
    expect(aws.count("GetAuthorizationToken")).toBe(1);
  });

  it("is shared by every repository of the domain", async () => {
    const { options } = await setup();
    await getAuthorizationToken(URL, options);
    expect((await getAuthorizationToken(OTHER_REPO, options)).source).toBe("cache");
    expect(aws.count("GetAuthorizationToken")).toBe(1);
  });

  it("is refreshed once fewer than refresh_margin seconds are left", async () => {
    const { options, clock } = await setup("token_duration = 3600\nrefresh_margin = 600\n");
    await getAuthorizationToken(URL, options);
    clock.advance(2_990); // 610 s left
    expect((await getAuthorizationToken(URL, options)).source).toBe("cache");
    clock.advance(20); // 590 s left
    expect((await getAuthorizationToken(URL, options)).source).toBe("aws");
    expect(aws.count("GetAuthorizationToken")).toBe(2);
  });

  it("is refreshed after half its lifetime when it lives less than twice the margin", async () => {
    const { options, clock } = await setup("token_duration = 900\n");
    await getAuthorizationToken(URL, options);
    clock.advance(440);
    expect((await getAuthorizationToken(URL, options)).source).toBe("cache");
    clock.advance(20);
    expect((await getAuthorizationToken(URL, options)).source).toBe("aws");
  });

  it("stands in, with a warning, when a refresh fails for a transient reason and it has not expired", async () => {
    const { options, clock, warnings } = await setup("token_duration = 3600\n");
    const first = await getAuthorizationToken(URL, options);
    clock.advance(3_000);
    aws.inject(
      "GetAuthorizationToken",
      { type: "error", status: 503, code: "ServiceUnavailableException" },
      Infinity,
    );
    const stale = await getAuthorizationToken(URL, options);
    expect(stale).toMatchObject({ source: "cache", cache: { stale: true } });
    expect(stale.token.reveal()).toBe(first.token.reveal());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^CodeArtifact at .* answered HTTP 503 .*; using the cached token for corp, valid until /,
    );
    clock.advance(700); // now expired: nothing may stand in
    await expect(getAuthorizationToken(URL, options)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });

  it.each([
    ["a connection reset mid-response", { type: "reset" as const }],
    [
      "throttling",
      { type: "error" as const, status: 429, code: "ThrottlingException", headers: { "retry-after": "0" } },
    ],
  ])("bridges %s with the cached token", async (_name, fault) => {
    const { options, clock } = await setup("token_duration = 3600\n");
    await getAuthorizationToken(URL, options);
    clock.advance(3_000);
    aws.inject("GetAuthorizationToken", fault, Infinity);
    const result = await getAuthorizationToken(URL, options);
    expect(result.cache?.stale).toBe(true);
  });

  it("does not stand in for a non-transient failure: access denied stands", async () => {
    const { options, clock } = await setup("token_duration = 3600\n");
    await getAuthorizationToken(URL, options);
    clock.advance(3_000);
    aws.codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId);
    await expect(getAuthorizationToken(URL, options)).rejects.toMatchObject({ code: "ACCESS_DENIED" });
  });

  it("is never served to another identity", async () => {
    const a = await setup();
    const b = await setup("", OTHER_CREDENTIALS);
    const options = { ...b.options, cacheDir: a.cacheDir };
    const tokenA = await getAuthorizationToken(URL, a.options);
    const tokenB = await getAuthorizationToken(URL, options);
    expect(tokenB.source).toBe("aws");
    expect(tokenB.token.reveal()).not.toBe(tokenA.token.reveal());
    expect(aws.calls.map((c) => c.accessKeyId)).toEqual([
      TEST_CREDENTIALS.accessKeyId,
      OTHER_CREDENTIALS.accessKeyId,
    ]);
    expect(
      (await listCachedTokens({ cacheDir: a.cacheDir, keychain: fileStore(makeTempDir()) })).tokens,
    ).toHaveLength(2);
  });

  it("forceRefresh fetches a new one", async () => {
    const { options } = await setup();
    await getAuthorizationToken(URL, options);
    expect((await getAuthorizationToken(URL, { ...options, forceRefresh: true })).source).toBe("aws");
    expect(aws.count("GetAuthorizationToken")).toBe(2);
  });

  it("cache = none always asks AWS and writes nothing", async () => {
    const { options, cacheDir } = await setup("", TEST_CREDENTIALS, "none");
    await getAuthorizationToken(URL, options);
    await getAuthorizationToken(URL, options);
    expect(aws.count("GetAuthorizationToken")).toBe(2);
    expect(() => readdirSync(cacheDir)).toThrow(/ENOENT/);
  });

  it("in one process, concurrent callers share one fetch", async () => {
    const { options } = await setup();
    aws.inject("GetAuthorizationToken", { type: "delay", ms: 200 });
    const results = await Promise.all(Array.from({ length: 10 }, () => getAuthorizationToken(URL, options)));
    expect(new Set(results.map((r) => r.token.reveal())).size).toBe(1);
    expect(aws.count("GetAuthorizationToken")).toBe(1);
  });
});

describe("the file store", () => {
  it("keeps one 0600 file per key in a 0700 dir, named by a digest that reveals nothing", async () => {
    const { options, cacheDir } = await setup();
    const result = await getAuthorizationToken(URL, options);
    const tokens = join(cacheDir, "tokens");
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(tokens).mode & 0o777).toBe(0o700);
    const files = readdirSync(tokens);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{16}\.json$/);
    expect(statSync(join(tokens, files[0] as string)).mode & 0o777).toBe(0o600);
    const entry = JSON.parse(readFileSync(join(tokens, files[0] as string), "utf8"));
    expect(entry).toMatchObject({
      version: 1,
      domain: "corp",
      domainOwner: "111122223333",
      region: "us-east-1",
    });
    expect(entry.token).toBe(result.token.reveal());
    expect(files[0]).not.toContain(result.token.reveal().slice(0, 16));
  });

  it.each([
    ["garbage", "\u0000\u0001not json"],
    ["valid JSON of another version", JSON.stringify({ version: 99, token: "x" })],
    ["an entry missing its token", JSON.stringify({ version: 1, key: "k" })],
    ["an empty file", ""],
  ])("treats %s as absent and replaces it", async (_name, content) => {
    const { options, cacheDir } = await setup();
    await getAuthorizationToken(URL, options);
    const tokens = join(cacheDir, "tokens");
    const file = join(tokens, readdirSync(tokens)[0] as string);
    writeFileSync(file, content);
    const again = await getAuthorizationToken(URL, options);
    expect(again.source).toBe("aws");
    expect(JSON.parse(readFileSync(file, "utf8")).token).toBe(again.token.reveal());
  });

  it("lists entries without their tokens, and clears them by filter", async () => {
    const { options, cacheDir } = await setup();
    const token = await getAuthorizationToken(URL, options);
    const noKeychain = { cacheDir, keychain: fileStore(makeTempDir()) };
    const listing = await listCachedTokens(noKeychain);
    expect(listing.tokens).toEqual([
      expect.objectContaining({
        domain: "corp",
        domainOwner: "111122223333",
        region: "us-east-1",
        store: "file",
      }),
    ]);
    expect(JSON.stringify(listing)).not.toContain(token.token.reveal());
    expect(await clearCachedTokens({ domain: "other" }, noKeychain)).toBe(0);
    expect(await clearCachedTokens({ domain: "corp" }, noKeychain)).toBe(1);
    expect((await listCachedTokens(noKeychain)).tokens).toEqual([]);
  });

  it("keys name domain, owner, region and identity, never a secret", async () => {
    const key = cacheKey(
      { domain: "corp", domainOwner: "111122223333", region: "us-east-1" },
      { kind: "profile", key: "profile:dev", description: "profile dev" },
    );
    expect(key).toBe("v1|corp|111122223333|us-east-1|profile:dev");
    expect(keyDigest(key)).toMatch(/^[0-9a-f]{16}$/);
  });
});
