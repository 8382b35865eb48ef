// Many real processes and a real keychain: single flight across processes, recovery from a holder
// killed with SIGKILL, and how `auto` / `keychain` behave with no D-Bus, a locked keyring, and a
// working Secret Service.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cacheKey } from "../../src/cache/entry.js";
import { lockPathFor } from "../../src/cache/lock.js";
import { describeIdentity } from "../../src/codeartifact/resolve.js";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import { ROOT, runNode, stderrLines } from "../support/run.js";
import { type SecretService, secretServiceSkip, startSecretService } from "../support/secret-service.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";

const URL = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
// The Secret Service is shared by the tests that use it: each uses its own domain, hence its own key.
const urlFor = (domain: string) =>
  `https://${domain}-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/`;
const GET_TOKEN = join(ROOT, "test/cache/fixtures/get-token.mjs");
const HOLD_LOCK = join(ROOT, "test/cache/fixtures/hold-lock.mjs");
let aws: FakeAws;

beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
afterEach(() => aws.reset());

function childEnv(extra: Record<string, string> = {}) {
  const home = isolatedHome();
  const cacheDir = join(makeTempDir(), "cache");
  return {
    cacheDir,
    env: { ...home.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE_DIR: cacheDir, ...extra },
  };
}

const getToken = (env: NodeJS.ProcessEnv, url = URL) => runNode(GET_TOKEN, [url], { env });
const digest = (token: string | undefined) =>
  createHash("sha256")
    .update(token ?? "")
    .digest("hex")
    .slice(0, 16);

describe("one AWS call for many processes", () => {
  it("32 processes on a cold cache make exactly one GetAuthorizationToken call; a warm round makes none", async () => {
    const { env } = childEnv({ CODEARTIFACT_KEYRING_CACHE: "file" });
    aws.inject("GetAuthorizationToken", { type: "delay", ms: 300 });
    const cold = await Promise.all(Array.from({ length: 32 }, () => getToken(env)));
    for (const result of cold) expect(result.status, result.stderr).toBe(0);
    const tokens = cold.map((r) => JSON.parse(r.stdout).token);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toBe(digest(aws.codeartifact.issued[0]?.token));
    expect(aws.count("GetAuthorizationToken")).toBe(1);
    expect(cold.filter((r) => JSON.parse(r.stdout).source === "aws")).toHaveLength(1);

    const warm = await Promise.all(Array.from({ length: 32 }, () => getToken(env)));
    for (const result of warm) expect(JSON.parse(result.stdout).source).toBe("cache");
    expect(aws.count("GetAuthorizationToken")).toBe(1);
  });

  it("takes over the lock of a holder killed with SIGKILL once it goes stale", async () => {
    const { env, cacheDir } = childEnv({ CODEARTIFACT_KEYRING_CACHE: "file", LOCK_STALE_MS: "2000" });
    const identity = describeIdentity({}, env);
    const target = { domain: "corp", domainOwner: "111122223333", region: "us-east-1" };
    const lockPath = lockPathFor(cacheDir, cacheKey(target, identity));
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(cacheDir, "locks"), { recursive: true, mode: 0o700 });
    const holder = spawn(process.execPath, [HOLD_LOCK, lockPath, "2000"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once("data", () => resolve());
      holder.once("exit", (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    holder.kill("SIGKILL");
    const started = Date.now();
    const result = await getToken(env);
    const waited = Date.now() - started;
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).source).toBe("aws");
    expect(aws.count("GetAuthorizationToken")).toBe(1);
    // Recovered after the stale timeout (2 s), not after the 60 s wait limit.
    expect(waited).toBeLessThan(15_000);
  });
});

describe("when there is no working keychain", () => {
  it("auto falls back to the file store and says so once", async () => {
    const { env, cacheDir } = childEnv({ DBUS_SESSION_BUS_ADDRESS: "" });
    const first = await getToken(env);
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ source: "aws", store: "file" });
    expect(stderrLines(first.stderr)).toEqual([
      `notice: caching tokens in ${join(cacheDir, "tokens")} (files readable only by you); no OS keychain: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service`,
    ]);
    const second = await getToken(env);
    expect(JSON.parse(second.stdout)).toMatchObject({ source: "cache", store: "file" });
    expect(stderrLines(second.stderr)).toEqual([]);
  });

  it("cache = keychain fails with the reason and the fix", async () => {
    const { env } = childEnv({ DBUS_SESSION_BUS_ADDRESS: "", CODEARTIFACT_KEYRING_CACHE: "keychain" });
    const result = await getToken(env);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      "KEYCHAIN_REQUIRED: cache = keychain, but the OS keychain is unavailable: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service. Unlock or start it (Linux: a Secret Service such as gnome-keyring in your D-Bus session), or set `cache = file` (or CODEARTIFACT_KEYRING_CACHE=file)",
    ]);
    expect(aws.count("GetAuthorizationToken")).toBe(0);
  });
});

const noSecretService = secretServiceSkip("the Secret Service tests of the token cache");

describe.skipIf(noSecretService !== undefined)("with a real Secret Service (gnome-keyring)", () => {
  it("a locked keyring: auto falls back to files, keychain fails with the hint", async () => {
    const locked = await startSecretService({ locked: true });
    try {
      const auto = childEnv({ ...locked.env });
      const result = await getToken(auto.env, urlFor("locked"));
      expect(JSON.parse(result.stdout)).toMatchObject({ store: "file" });
      expect(stderrLines(result.stderr).join("\n")).toContain(
        "no OS keychain: the keyring is locked or missing, and cannot be unlocked or created without a prompt",
      );
      const strict = childEnv({ ...locked.env, CODEARTIFACT_KEYRING_CACHE: "keychain" });
      const failed = await getToken(strict.env, urlFor("locked"));
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain(
        "KEYCHAIN_REQUIRED: cache = keychain, but the OS keychain is unavailable: the keyring is locked or missing",
      );
    } finally {
      await locked.stop();
    }
  });

  describe("unlocked", () => {
    let service: SecretService;
    beforeAll(async () => {
      service = await startSecretService();
    });
    afterAll(() => service?.stop());

    it("auto uses the keychain, says where once, and serves later processes from it", async () => {
      const { env, cacheDir } = childEnv({ ...service.env });
      const first = await getToken(env, urlFor("auto"));
      expect(first.status, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ source: "aws", store: "keychain" });
      expect(stderrLines(first.stderr)).toEqual([
        "notice: caching tokens in the Secret Service (service codeartifact-keyring); set `cache = file` to use files instead",
      ]);
      const second = await getToken(env, urlFor("auto"));
      expect(JSON.parse(second.stdout)).toMatchObject({ source: "cache", store: "keychain" });
      expect(stderrLines(second.stderr)).toEqual([]);
      expect(aws.count("GetAuthorizationToken")).toBe(1);
      // Nothing in the file store: the keychain holds the token.
      const { existsSync } = await import("node:fs");
      expect(existsSync(join(cacheDir, "tokens"))).toBe(false);
    });

    it("32 processes on a cold keychain cache make one call", async () => {
      const { env } = childEnv({ ...service.env, CODEARTIFACT_KEYRING_CACHE: "keychain" });
      aws.inject("GetAuthorizationToken", { type: "delay", ms: 300 });
      const results = await Promise.all(Array.from({ length: 32 }, () => getToken(env, urlFor("flight"))));
      for (const result of results) expect(result.status, result.stderr).toBe(0);
      expect(new Set(results.map((r) => JSON.parse(r.stdout).token)).size).toBe(1);
      expect(aws.count("GetAuthorizationToken")).toBe(1);
    });

    it("a corrupt keychain entry is replaced, not fatal", async () => {
      const { env } = childEnv({ ...service.env, CODEARTIFACT_KEYRING_CACHE: "keychain" });
      const url = urlFor("corrupt");
      const first = JSON.parse((await getToken(env, url)).stdout);
      // Overwrite the entry with garbage through the Secret Service's own CLI when present.
      const identity = describeIdentity({}, env);
      const key = cacheKey({ domain: "corrupt", domainOwner: "111122223333", region: "us-east-1" }, identity);
      const { spawnSync } = await import("node:child_process");
      // This process may not share the child's D-Bus session; use a child to write the garbage.
      const write = spawnSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { AsyncEntry } from "@napi-rs/keyring"; await new AsyncEntry("codeartifact-keyring", ${JSON.stringify(key)}, { linux: { store: "secret-service" } }).setPassword("{not json");`,
        ],
        { env, cwd: ROOT, encoding: "utf8" },
      );
      expect(write.status, write.stderr).toBe(0);
      const again = await getToken(env, url);
      expect(again.status, again.stderr).toBe(0);
      const parsed = JSON.parse(again.stdout);
      expect(parsed.source).toBe("aws");
      expect(parsed.token).not.toBe(first.token);
      expect(JSON.parse((await getToken(env, url)).stdout).source).toBe("cache");
    });
  });
});
