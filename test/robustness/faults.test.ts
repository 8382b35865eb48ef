// Faults of the AWS side, injected at the loopback endpoint, seen through the built CLI: each gives
// its documented exit code and one-line message (no stack trace), leaves every file as it was, and a
// cached token that has not expired stands in exactly for the transient ones (unreachable, timeout,
// throttled, 5xx), with one warning line. A fresh cached token needs no call at all.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FakeAws, TEST_CREDENTIALS, withFakeAws } from "../support/aws/index.js";
import {
  closedPort,
  diffSnapshots,
  hasStackTrace,
  makeWorld,
  messages,
  seedCache,
  snapshot,
  URL,
  type World,
} from "./support.js";

const OP = "GetAuthorizationToken";
const CACHED = "eyJ2ZXIiOjEsImlzdSI6CACHEDTOKEN0123456789abcdefghijklmnopqrstuvwxyz";
const OLD_NPMRC = `fund=false\n//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/:_authToken=${CACHED}\n`;
const nowS = () => Math.floor(Date.now() / 1000);

interface Fault {
  name: string;
  /** Injects the fault, or changes the world so that it happens. */
  arrange: (w: World, aws: FakeAws) => void | Promise<void>;
  /** The one line, without `error: ` (and, for login, without the registry's name). */
  message: (w: World, host: string) => string | RegExp;
  /** Bridged by a cached token that has not expired yet. */
  transient: boolean;
  /** GetAuthorizationToken calls that reach the endpoint for one command. */
  calls: number;
}

const always = (fault: Parameters<FakeAws["inject"]>[1]) => (_w: World, aws: FakeAws) =>
  aws.inject(OP, fault, Number.POSITIVE_INFINITY);

function expiredSso(w: World): void {
  const cache = w.path(".aws/sso/cache");
  mkdirSync(cache, { recursive: true });
  w.write(
    w.path(".aws/config"),
    "[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
  );
  // The SDK names the cache file by the SHA-1 of the session name.
  writeFileSync(
    join(cache, `${createHash("sha1").update("corp").digest("hex")}.json`),
    JSON.stringify({
      accessToken: "x",
      expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
      region: "us-east-1",
      startUrl: "https://corp.awsapps.com/start",
    }),
  );
  Object.assign(w.env, { AWS_CONFIG_FILE: w.path(".aws/config"), AWS_PROFILE: "sso-dev" });
  delete w.env.AWS_ACCESS_KEY_ID;
  delete w.env.AWS_SECRET_ACCESS_KEY;
}

const FAULTS: Fault[] = [
  {
    name: "HTTP 500 on every attempt",
    arrange: always({ type: "error", status: 500, code: "InternalServerException" }),
    message: (_w, host) =>
      `CodeArtifact at ${host} answered HTTP 500 (InternalServerException) after 3 attempts: the service is having trouble; try again shortly`,
    transient: true,
    calls: 3,
  },
  {
    name: "HTTP 503 on every attempt",
    arrange: always({ type: "error", status: 503, code: "ServiceUnavailableException" }),
    message: (_w, host) =>
      `CodeArtifact at ${host} answered HTTP 503 (ServiceUnavailableException) after 3 attempts: the service is having trouble; try again shortly`,
    transient: true,
    calls: 3,
  },
  {
    name: "HTTP 429 with Retry-After on every attempt",
    arrange: always({
      type: "error",
      status: 429,
      code: "ThrottlingException",
      headers: { "retry-after": "1" },
    }),
    message: (_w, _host) =>
      "CodeArtifact throttled the token request for corp (111122223333, us-east-1) after 3 attempts: wait a moment and retry, or share one token per domain (it is valid for every repository)",
    transient: true,
    calls: 3,
  },
  {
    name: "connection refused",
    arrange: async (w) => {
      w.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${await closedPort()}`;
    },
    message: (w) => {
      const refused = new globalThis.URL(w.env.AWS_ENDPOINT_URL as string);
      return `cannot reach ${refused.host} (ECONNREFUSED): check the network, proxy or VPC endpoint, and the endpoint \`${w.env.AWS_ENDPOINT_URL}\``;
    },
    transient: true,
    calls: 0,
  },
  {
    name: "a connection reset in the middle of the response",
    arrange: always({ type: "reset" }),
    message: (_w, host) =>
      `cannot reach ${host} (ECONNRESET): check the network, proxy or VPC endpoint, and the endpoint \`http://${host}\``,
    transient: true,
    calls: 3,
  },
  {
    name: "a response that never ends (timeout = 1)",
    arrange: (w, aws) => {
      aws.inject(OP, { type: "hang" }, Number.POSITIVE_INFINITY);
      w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\ntimeout = 1\n");
    },
    message: (_w, host) =>
      `no answer from ${host} within 1 s (3 attempts): check the network or proxy, or raise the \`timeout\` setting`,
    transient: true,
    calls: 3,
  },
  {
    name: "malformed JSON",
    arrange: always({ type: "body", body: '{"authorizationToken": "abc", "expir' }),
    message: (_w, host) =>
      `CodeArtifact at ${host} sent an answer that is not valid JSON: check \`endpoint_url\` / AWS_ENDPOINT_URL points at CodeArtifact`,
    transient: false,
    calls: 1,
  },
  {
    name: "an HTML page from a proxy",
    arrange: always({
      type: "body",
      body: "<html><body>Sign in to the proxy</body></html>",
      headers: { "content-type": "text/html" },
    }),
    message: (_w, host) =>
      `CodeArtifact at ${host} sent an answer that is not valid JSON: check \`endpoint_url\` / AWS_ENDPOINT_URL points at CodeArtifact`,
    transient: false,
    calls: 1,
  },
  {
    name: "a missing expiration",
    arrange: always({ type: "body", body: '{"authorizationToken": "abc"}' }),
    message: (_w, host) =>
      `CodeArtifact at ${host} answered without a token expiration: try again; if it persists, check \`endpoint_url\``,
    transient: false,
    calls: 1,
  },
  {
    name: "a missing token",
    arrange: (_w, aws) =>
      aws.inject(OP, { type: "body", body: `{"expiration": ${nowS() + 3600}}` }, Infinity),
    message: (_w, host) =>
      `CodeArtifact at ${host} answered without a token: try again; if it persists, check \`endpoint_url\``,
    transient: false,
    calls: 1,
  },
  {
    name: "an expiration in the past",
    arrange: (_w, aws) =>
      aws.inject(
        OP,
        { type: "body", body: `{"authorizationToken": "abc", "expiration": ${nowS() - 60}}` },
        Infinity,
      ),
    message: (_w, host) =>
      new RegExp(
        `^CodeArtifact at ${host.replace(/\./g, "\\.")} issued a token that expired at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: check this machine's clock \\(now \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`,
      ),
    transient: false,
    calls: 1,
  },
  {
    name: "a wrong signature (403 InvalidSignatureException)",
    arrange: (w) => {
      w.env.AWS_SECRET_ACCESS_KEY = "not-the-secret-the-endpoint-knows";
    },
    message: (_w, _host) =>
      "AWS rejected the credentials of default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE) (InvalidSignatureException): check the access key and secret, or refresh the session",
    transient: false,
    calls: 0,
  },
  {
    name: "AccessDeniedException",
    arrange: (_w, aws) => aws.codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId),
    message: (_w, _host) =>
      "access denied for default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE) on domain corp (111122223333, us-east-1): the identity needs `codeartifact:GetAuthorizationToken` on the domain and `sts:GetServiceBearerToken`",
    transient: false,
    calls: 1,
  },
  {
    name: "ResourceNotFoundException",
    arrange: (_w, aws) => aws.codeartifact.domains.add("other/111122223333"),
    message: (_w, _host) =>
      "domain `corp` owned by 111122223333 was not found in us-east-1: check the registry URL (domain, owner and region) or the config's coordinates",
    transient: false,
    calls: 1,
  },
  {
    name: "an expired SSO session",
    arrange: expiredSso,
    message: (_w, _host) =>
      "the AWS SSO session for profile `sso-dev` has expired: run `aws sso login --profile sso-dev` and try again",
    transient: false,
    calls: 0,
  },
];

/** Nothing changed but the cache and lock directories the fetch took its lock in. */
const changedFiles = (before: ReturnType<typeof snapshot>, w: World) =>
  diffSnapshots(before, snapshot(w.home)).filter(
    (line) => !/^\+ [^ ]*\/\.cache\/codeartifact-keyring(\/locks)?$/.test(line),
  );

function matches(actual: string | undefined, expected: string | RegExp): void {
  if (typeof expected === "string") expect(actual).toBe(expected);
  else expect(actual).toMatch(expected);
}

describe(`${FAULTS.length} faults, cold cache: the documented message, exit 1, nothing written`, () => {
  it.concurrent.each(FAULTS.map((f) => [f.name, f] as const))("%s", (_name, fault) =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      w.write(w.path(".npmrc"), OLD_NPMRC, 0o600);
      await fault.arrange(w, aws);
      const before = snapshot(w.home);

      const token = await w.cli(["token", "-r", URL]);
      expect(token.status).toBe(1);
      expect(token.stdout).toBe("");
      const [line, ...rest] = messages(token);
      expect(rest).toEqual([]);
      matches(line?.replace(/^error: /, ""), fault.message(w, host));
      expect(line?.startsWith("error: ")).toBe(true);
      expect(hasStackTrace(token.stderr)).toBe(false);
      expect(aws.count(OP)).toBe(fault.calls);

      const login = await w.cli(["login", "-r", URL]);
      expect(login.status).toBe(1);
      const loginLines = messages(login);
      expect(loginLines).toHaveLength(1);
      matches(loginLines[0]?.replace(/^error: npm-store \(corp, us-east-1\): /, ""), fault.message(w, host));
      expect(hasStackTrace(login.stderr)).toBe(false);
      expect(changedFiles(before, w)).toEqual([]);
    }),
  );
});

describe("a cached token that has not expired (inside the refresh margin)", () => {
  const stale = { fetchedAgoS: 12 * 3600 - 600, expiresInS: 600 };

  it.concurrent.each(FAULTS.map((f) => [f.transient ? "bridges" : "does not bridge", f.name, f] as const))(
    "%s %s",
    (_verb, _name, fault) =>
      withFakeAws(async (aws, host) => {
        const w = makeWorld(aws);
        w.write(w.path(".npmrc"), OLD_NPMRC, 0o600);
        await fault.arrange(w, aws);
        const seeded = seedCache(w, URL, CACHED, stale);
        const before = snapshot(w.home);

        const result = await w.cli(["token", "-r", URL]);
        const lines = messages(result);
        expect(hasStackTrace(result.stderr)).toBe(false);
        expect(lines).toHaveLength(1);
        if (fault.transient) {
          expect(result.status).toBe(0);
          expect(result.stdout).toBe(`${CACHED}\n`);
          const expiry = JSON.parse(seeded.text).expiresAt;
          const [warning] = lines;
          expect(warning?.startsWith("warning: ")).toBe(true);
          const suffix = `; using the cached token for corp, valid until ${expiry}`;
          expect(warning?.endsWith(suffix)).toBe(true);
          matches(warning?.slice("warning: ".length, -suffix.length), fault.message(w, host));
        } else {
          expect(result.status).toBe(1);
          expect(result.stdout).toBe("");
          matches(lines[0]?.replace(/^error: /, ""), fault.message(w, host));
        }
        // The cache entry is served or kept, never damaged; the .npmrc is untouched.
        expect(readFileSync(seeded.file, "utf8")).toBe(seeded.text);
        expect(changedFiles(before, w)).toEqual([]);
      }),
  );

  it.concurrent("login writes the bridged token and says so in one warning line", () =>
    withFakeAws(async (aws, _host) => {
      const w = makeWorld(aws);
      w.write(w.path(".npmrc"), "fund=false\n", 0o600);
      aws.inject(OP, { type: "error", status: 503, code: "ServiceUnavailableException" }, Infinity);
      seedCache(w, URL, CACHED, stale);
      const result = await w.cli(["login", "-r", URL, "--json"]);
      expect(result.status, result.stderr).toBe(0);
      const lines = messages(result);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^warning: CodeArtifact at .* answered HTTP 503 .*; using the cached token for corp/,
      );
      expect(readFileSync(w.path(".npmrc"), "utf8")).toBe(OLD_NPMRC);
      expect(JSON.parse(result.stdout).registries[0]).toMatchObject({
        ok: true,
        source: "cache",
        cached: true,
      });
    }));
});

describe("the cache's other promises under faults", () => {
  it.concurrent("a fresh cached token is served with no call at all while the endpoint fails", () =>
    withFakeAws(async (aws, _host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "error", status: 500, code: "InternalServerException" }, Infinity);
      seedCache(w, URL, CACHED, { fetchedAgoS: 60, expiresInS: 12 * 3600 - 60 });
      const result = await w.cli(["token", "-r", URL]);
      expect({ status: result.status, stdout: result.stdout, stderr: messages(result) }).toEqual({
        status: 0,
        stdout: `${CACHED}\n`,
        stderr: [],
      });
      expect(aws.count(OP)).toBe(0);
    }));

  it.concurrent("an expired cached token is never served: the fault stands", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "error", status: 503, code: "ServiceUnavailableException" }, Infinity);
      seedCache(w, URL, CACHED, { fetchedAgoS: 12 * 3600 + 60, expiresInS: -60 });
      const result = await w.cli(["token", "-r", URL]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(messages(result)).toEqual([
        `error: CodeArtifact at ${host} answered HTTP 503 (ServiceUnavailableException) after 3 attempts: the service is having trouble; try again shortly`,
      ]);
    }));

  it.concurrent("faults that clear within the SDK's 3 attempts are survived: 500, 429 (Retry-After), reset", () =>
    withFakeAws(async (aws, _host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "error", status: 500, code: "InternalServerException" }, 1);
      aws.inject(
        OP,
        { type: "error", status: 429, code: "ThrottlingException", headers: { "retry-after": "1" } },
        1,
      );
      const first = await w.cli(["token", "-r", URL]);
      expect(first.status, first.stderr).toBe(0);
      expect(messages(first)).toEqual([]);
      expect(aws.count(OP)).toBe(3);
      const v = makeWorld(aws);
      aws.inject(OP, { type: "reset" }, 2);
      const second = await v.cli(["token", "-r", URL]);
      expect(second.status, second.stderr).toBe(0);
      expect(aws.count(OP)).toBe(6);
    }));

  it.concurrent("the timeout is the `timeout` setting, per attempt, 3 attempts: 2 s gives up in about 6 s", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      aws.inject(OP, { type: "hang" }, Number.POSITIVE_INFINITY);
      w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\ntimeout = 2\n");
      const started = Date.now();
      const result = await w.cli(["token", "-r", URL]);
      const seconds = (Date.now() - started) / 1000;
      expect(messages(result)).toEqual([
        `error: no answer from ${host} within 2 s (3 attempts): check the network or proxy, or raise the \`timeout\` setting`,
      ]);
      expect(aws.count(OP)).toBe(3);
      // 3 attempts of 2 s plus the SDK's backoff; far from the 30 s of the default.
      expect(seconds).toBeGreaterThanOrEqual(6);
      expect(seconds).toBeLessThan(20);
    }));
});
