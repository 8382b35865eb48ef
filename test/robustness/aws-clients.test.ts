// Every AWS client is built by one factory (src/configstore/aws-client.ts), so `timeout` bounds STS
// (role_arn) and SSM (ssm_prefix) as it bounds GetAuthorizationToken: a hung AssumeRole or
// GetParameter gives up after 3 attempts of `timeout`, in one line, through the CLI and the pnpm
// helper. And the SSM backend takes its AWS settings from the environment it is given.
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromSsm } from "../../src/configstore/backends/ssm.js";
import { startFakeAws, withFakeAws } from "../support/aws/index.js";
import { ROOT, runNode } from "../support/run.js";
import { hasStackTrace, makeWorld, messages, URL } from "./support.js";

const CONFIG = ".config/codeartifact-keyring/config.ini";
const ROLE = "arn:aws:iam::111122223333:role/Reader";

describe("timeout bounds every AWS client", () => {
  it.concurrent("a hung AssumeRole (role_arn, timeout = 1): 3 attempts, one line, no CodeArtifact call; the pnpm helper does not hang either", () =>
    withFakeAws(async (aws, host) => {
      const w = makeWorld(aws);
      w.write(w.path(CONFIG), `[codeartifact]\ntimeout = 1\nrole_arn = ${ROLE}\n`);
      aws.inject("AssumeRole", { type: "hang" }, Number.POSITIVE_INFINITY);
      const started = Date.now();
      const result = await w.cli(["token", "-r", URL]);
      const seconds = (Date.now() - started) / 1000;
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(messages(result)).toEqual([
        `error: no answer from ${host} within 1 s (3 attempts): check the network or proxy, or raise the \`timeout\` setting`,
      ]);
      expect(hasStackTrace(result.stderr)).toBe(false);
      // STS's own 3 attempts, not 3 × 3 (the CodeArtifact client does not retry an STS failure).
      expect(aws.count("AssumeRole")).toBe(3);
      expect(aws.count("GetAuthorizationToken")).toBe(0);
      // Without the bound the SDK waits forever (the run is killed at 120 s).
      expect(seconds).toBeLessThan(3 * 1 + 15);

      const pnpm = await runNode(join(ROOT, "dist", "pnpm-token-helper.cjs"), [URL], {
        env: w.env,
        cwd: w.project,
        timeoutMs: 60_000,
      });
      expect(pnpm.status).toBe(1);
      expect(pnpm.signal).toBe(null);
      expect(pnpm.stdout).toBe("");
      expect(aws.count("AssumeRole")).toBe(6);
    }));

  it.concurrent("a hung GetParameter (ssm_prefix, timeout = 1): 3 attempts, one line naming the setting", () =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      w.write(
        w.path(CONFIG),
        "[codeartifact]\ntimeout = 1\nssm_prefix = /ci\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
      );
      aws.inject("GetParameter", { type: "hang" }, Number.POSITIVE_INFINITY);
      const started = Date.now();
      const result = await w.cli(["token", "-r", URL]);
      const seconds = (Date.now() - started) / 1000;
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      const lines = messages(result);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: .*config\.ini:5: .*CA_SECRET.*TimeoutError: no complete answer within 1 s/,
      );
      expect(hasStackTrace(result.stderr)).toBe(false);
      expect(aws.count("GetParameter")).toBe(3);
      expect(aws.count("GetAuthorizationToken")).toBe(0);
      expect(seconds).toBeLessThan(3 * 1 + 15);
    }));
});

describe("the SSM backend's AWS settings come from the environment it is given", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("endpoint, region and keys from `env`; process.env's decoys are not read", async () => {
    const aws = await startFakeAws({ ssmParameters: { "/app/KEY": "from-ssm" } });
    try {
      vi.stubEnv("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
      vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAPROCESSENVDECOY1");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "decoy");
      vi.stubEnv("AWS_REGION", "eu-north-1");
      const ssm = fromSsm({ prefix: "/app", env: aws.env() });
      await expect(ssm.get("KEY")).resolves.toBe("from-ssm");
      expect(aws.calls.at(-1)).toMatchObject({ operation: "GetParameter", outcome: 200 });
    } finally {
      await aws.close();
    }
  });
});
