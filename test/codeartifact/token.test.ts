// The real AWS SDK against the loopback endpoint (SigV4 verified): every credential kind, the
// pre-fetched token paths, interpolated secrets, and each error's one-line message.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { readKeyringConfig } from "../../src/codeartifact/config.js";
import { resolveRegistry } from "../../src/codeartifact/resolve.js";
import { fetchRegistryToken, readTokenExpiry } from "../../src/codeartifact/token.js";
import { fromDockerSecrets } from "../../src/configstore/backends/docker-secrets.js";
import { fromEnv } from "../../src/configstore/backends/env.js";
import { ConfigStore } from "../../src/configstore/store.js";
import { type FakeAws, OTHER_CREDENTIALS, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";
import { makeTempDir } from "../support/tmp.js";

const URL = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
let aws: FakeAws;

beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());
afterEach(() => {
  aws.reset();
  vi.unstubAllEnvs();
});

/** An environment with no AWS configuration of this machine in reach. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = makeTempDir();
  return {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, ".config"),
    AWS_CONFIG_FILE: join(dir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/**
 * The environment is passed in, never read from process.env: process.env holds decoys (keys the
 * endpoint rejects, a closed endpoint, another profile) that would fail any test they reached. Only
 * HOME is mirrored: the SDK finds its SSO token cache under process.env.HOME and takes no parameter.
 */
function useEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAPROCESSENVDECOY1");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "process-env-decoy-secret");
  vi.stubEnv("AWS_PROFILE", "process-env-decoy");
  vi.stubEnv("AWS_ROLE_ARN", undefined);
  vi.stubEnv("AWS_REGION", "eu-north-1");
  vi.stubEnv("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
  vi.stubEnv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9");
  vi.stubEnv("HOME", env.HOME);
  env.AWS_ENDPOINT_URL_STS = aws.url;
  return env;
}

async function configOf(text: string) {
  return readKeyringConfig({
    text: `[codeartifact]\nendpoint_url = ${aws.url}\ntimeout = 2\n${text}`,
    file: "test.ini",
  });
}

const STATIC = `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${TEST_CREDENTIALS.secretAccessKey}\n`;

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected a rejection");
}

describe("credentials", () => {
  it("static keys from the config sign the call; token_duration becomes the duration", async () => {
    const env = useEnv(cleanEnv());
    const result = await fetchRegistryToken(URL, {
      config: await configOf(`${STATIC}token_duration = 1800\n`),
      env,
    });
    const issued = aws.codeartifact.issued.at(-1);
    expect(result.source).toBe("aws");
    expect(result.token.reveal()).toBe(issued?.token);
    expect(String(result.token)).toBe("[redacted]");
    expect(result.expiresAt?.getTime()).toBe((issued?.expiration ?? 0) * 1000);
    expect(aws.calls).toEqual([
      expect.objectContaining({
        operation: "GetAuthorizationToken",
        accessKeyId: TEST_CREDENTIALS.accessKeyId,
        query: { domain: "corp", "domain-owner": "111122223333", duration: "1800" },
      }),
    ]);
  });

  it("leaves the duration out when token_duration is not set (the service's 12 h)", async () => {
    const env = useEnv(cleanEnv());
    await fetchRegistryToken(URL, { config: await configOf(STATIC), env });
    expect(aws.calls.at(-1)?.query).toEqual({ domain: "corp", "domain-owner": "111122223333" });
  });

  it("a profile from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE", async () => {
    const env = useEnv(cleanEnv());
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE as string,
      `[dev]\naws_access_key_id = ${OTHER_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${OTHER_CREDENTIALS.secretAccessKey}\n`,
    );
    const result = await fetchRegistryToken(URL, { config: await configOf("profile_name = dev\n"), env });
    expect(result.source).toBe("aws");
    expect(aws.calls.at(-1)?.accessKeyId).toBe(OTHER_CREDENTIALS.accessKeyId);
  });

  it("--profile overrides the config's profile", async () => {
    const env = useEnv(cleanEnv());
    writeFileSync(
      env.AWS_SHARED_CREDENTIALS_FILE as string,
      `[ci]\naws_access_key_id = ${OTHER_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${OTHER_CREDENTIALS.secretAccessKey}\n`,
    );
    const resolved = await resolveRegistry(URL, {
      config: await configOf("profile_name = dev\n"),
      env,
      overrides: { profile: "ci" },
    });
    expect(resolved.settings.profile).toBe("ci");
    expect(resolved.sources.profile_name).toEqual({ section: "flag", file: "--profile" });
    await fetchRegistryToken(URL, {
      config: await configOf("profile_name = dev\n"),
      env,
      overrides: { profile: "ci" },
    });
    expect(aws.calls.at(-1)?.accessKeyId).toBe(OTHER_CREDENTIALS.accessKeyId);
  });

  it("the SDK's default chain: keys in the environment", async () => {
    const env = useEnv(
      cleanEnv({
        AWS_ACCESS_KEY_ID: OTHER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: OTHER_CREDENTIALS.secretAccessKey,
      }),
    );
    const result = await fetchRegistryToken(URL, { config: await configOf(""), env });
    expect(result.source).toBe("aws");
    expect(aws.calls.at(-1)?.accessKeyId).toBe(OTHER_CREDENTIALS.accessKeyId);
  });

  it("role_arn is assumed on top of the base credentials, with session name and external id", async () => {
    const env = useEnv(cleanEnv());
    aws.sts.externalIds.set("arn:aws:iam::111122223333:role/Reader", "ext-42");
    await fetchRegistryToken(URL, {
      config: await configOf(
        `${STATIC}role_arn = arn:aws:iam::111122223333:role/Reader\nrole_session_name = ci-job\nexternal_id = ext-42\n`,
      ),
      env,
    });
    const assumed = aws.sts.assumed.at(-1);
    expect(assumed).toMatchObject({
      roleArn: "arn:aws:iam::111122223333:role/Reader",
      roleSessionName: "ci-job",
      externalId: "ext-42",
      callerAccessKeyId: TEST_CREDENTIALS.accessKeyId,
    });
    // The CodeArtifact call is signed with the role's temporary credentials, not the base keys.
    expect(aws.calls.filter((c) => c.operation === "GetAuthorizationToken").at(-1)?.accessKeyId).toBe(
      assumed?.issuedAccessKeyId,
    );
  });

  it("a role the identity may not assume names the role and the trust policy", async () => {
    const env = useEnv(cleanEnv());
    aws.sts.denied.add("arn:aws:iam::111122223333:role/Admin");
    const error = await rejection(
      fetchRegistryToken(URL, {
        config: await configOf(`${STATIC}role_arn = arn:aws:iam::111122223333:role/Admin\n`),
        env,
      }),
    );
    expect(error.code).toBe("ACCESS_DENIED");
    expect(error.message).toMatch(
      /^cannot assume role arn:aws:iam::111122223333:role\/Admin as static key AKIA…MPLE: check the role's trust policy/,
    );
  });

  it("an identity describes itself without its secret, and two identities never share a key", async () => {
    const env = cleanEnv();
    const a = await resolveRegistry(URL, { config: await configOf(STATIC), env });
    const b = await resolveRegistry(URL, {
      config: await configOf(
        `aws_access_key_id = ${OTHER_CREDENTIALS.accessKeyId}\naws_secret_access_key = x\n`,
      ),
      env,
    });
    expect(a.identity.key).not.toBe(b.identity.key);
    expect(a.identity.key).not.toContain(TEST_CREDENTIALS.accessKeyId);
    expect(a.identity.description).toBe("static key AKIA…MPLE");
    const role = await resolveRegistry(URL, {
      config: await configOf(`profile_name = dev\nrole_arn = arn:aws:iam::111122223333:role/R\n`),
      env,
    });
    expect(role.identity.key).toBe("profile:dev>role:arn:aws:iam::111122223333:role/R");
    const chain = await resolveRegistry(URL, {
      config: await configOf(""),
      env: { ...env, AWS_PROFILE: "team" },
    });
    expect(chain.identity.key).toBe("default:profile=team");
  });
});

describe("pre-fetched tokens skip AWS", () => {
  it("CODEARTIFACT_AUTH_TOKEN is returned as is, with the expiry it states", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = `${Buffer.from(JSON.stringify({ ver: 1, isu: exp - 60, exp })).toString("base64url")}.opaque.part`;
    const env = useEnv(cleanEnv({ CODEARTIFACT_AUTH_TOKEN: token }));
    const result = await fetchRegistryToken(URL, { config: await configOf(STATIC), env });
    expect(result.source).toBe("env");
    expect(result.token.reveal()).toBe(token);
    expect(result.expiresAt?.getTime()).toBe(exp * 1000);
    expect(aws.calls).toEqual([]);
  });

  it("auth_token in the config, with no readable expiry", async () => {
    const env = useEnv(cleanEnv());
    const result = await fetchRegistryToken(URL, {
      config: await configOf("auth_token = plain-token\n"),
      env,
    });
    expect(result).toMatchObject({ source: "config", expiresAt: undefined });
    expect(result.token.reveal()).toBe("plain-token");
    expect(aws.calls).toEqual([]);
  });

  it.each(["", "not-base64!", "e30", `${Buffer.from('{"exp":"soon"}').toString("base64url")}.x`])(
    "readTokenExpiry(%j) is undefined",
    (token) => {
      expect(readTokenExpiry(token)).toBeUndefined();
    },
  );
});

describe("${…} secrets resolve through the configstore chain, never from the file itself", () => {
  it("from Docker secrets", async () => {
    const secrets = makeTempDir();
    writeFileSync(join(secrets, "CI_SECRET"), `${TEST_CREDENTIALS.secretAccessKey}\n`);
    const env = useEnv(cleanEnv());
    const store = new ConfigStore([fromEnv({ env }), fromDockerSecrets({ dir: secrets })]);
    const config = await configOf(
      `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = \${CI_SECRET}\n`,
    );
    const resolved = await resolveRegistry(URL, { config, env, store });
    expect(resolved.sources.aws_secret_access_key).toMatchObject({
      section: "codeartifact",
      line: 5,
      via: ["docker-secrets"],
    });
    expect(resolved.settings.secretAccessKey?.reveal()).toBe(TEST_CREDENTIALS.secretAccessKey);
    const result = await fetchRegistryToken(URL, { config, env, store });
    expect(result.source).toBe("aws");
  });

  it("from the project's user secrets (the .env holds only the id)", async () => {
    const project = makeTempDir();
    const env = useEnv(cleanEnv());
    const id = "0b7c7f3e-3f69-4c0e-9d5a-9f1c2c8b0a11";
    writeFileSync(join(project, ".env"), `USER_SECRETS_ID=${id}\n`);
    const dir = join(env.XDG_CONFIG_HOME as string, "codeartifact-keyring", "user-secrets", id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(dir, "secrets.json"),
      JSON.stringify({ CA_SECRET: TEST_CREDENTIALS.secretAccessKey }),
      { mode: 0o600 },
    );
    const config = await configOf(
      `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = \${CA_SECRET}\n`,
    );
    const resolved = await resolveRegistry(URL, { config, env, cwd: project });
    expect(resolved.sources.aws_secret_access_key?.via).toEqual(["user-secrets"]);
    await fetchRegistryToken(URL, { config, env, cwd: project });
    expect(aws.count("GetAuthorizationToken")).toBe(1);
  });

  it("a missing reference names the reference and where it stood", async () => {
    const env = useEnv(cleanEnv());
    const config = await configOf(
      `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = \${NOT_SET_ANYWHERE}\n`,
    );
    const error = await rejection(resolveRegistry(URL, { config, env, cwd: makeTempDir() }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(/^test\.ini:5: /);
    expect(error.message).toContain("NOT_SET_ANYWHERE");
    expect(error.message).toContain("aws_secret_access_key");
  });
});

describe("errors: one line each, with the fix", () => {
  const cases: [string, () => void, string, RegExp][] = [
    [
      "access denied",
      () => aws.codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId),
      "ACCESS_DENIED",
      /^access denied for static key AKIA…MPLE on domain corp \(111122223333, us-east-1\): the identity needs `codeartifact:GetAuthorizationToken` on the domain and `sts:GetServiceBearerToken`$/,
    ],
    [
      "domain not found",
      () => aws.codeartifact.domains.add("other/111122223333"),
      "DOMAIN_NOT_FOUND",
      /^domain `corp` owned by 111122223333 was not found in us-east-1: check the registry URL/,
    ],
    [
      "throttled after the SDK's retries",
      () =>
        aws.inject(
          "GetAuthorizationToken",
          { type: "error", status: 429, code: "ThrottlingException", headers: { "retry-after": "0" } },
          Infinity,
        ),
      "THROTTLED",
      /^CodeArtifact throttled the token request for corp \(111122223333, us-east-1\) after 3 attempts: wait a moment and retry/,
    ],
    [
      "HTTP 503 after retries",
      () =>
        aws.inject(
          "GetAuthorizationToken",
          { type: "error", status: 503, code: "ServiceUnavailableException" },
          Infinity,
        ),
      "SERVICE_UNAVAILABLE",
      /^CodeArtifact at 127\.0\.0\.1:\d+ answered HTTP 503 \(ServiceUnavailableException\) after 3 attempts: the service is having trouble; try again shortly$/,
    ],
    [
      "malformed JSON",
      () =>
        aws.inject("GetAuthorizationToken", { type: "body", body: '{"authorizationToken": "abc", "expir' }),
      "BAD_RESPONSE",
      /^CodeArtifact at 127\.0\.0\.1:\d+ sent an answer that is not valid JSON/,
    ],
    [
      "a missing expiration",
      () => aws.inject("GetAuthorizationToken", { type: "body", body: '{"authorizationToken": "abc"}' }),
      "BAD_RESPONSE",
      /^CodeArtifact at 127\.0\.0\.1:\d+ answered without a token expiration/,
    ],
    [
      "an expiration in the past",
      () =>
        aws.inject("GetAuthorizationToken", {
          type: "body",
          body: `{"authorizationToken": "abc", "expiration": ${Math.floor(Date.now() / 1000) - 60}}`,
        }),
      "TOKEN_ALREADY_EXPIRED",
      /^CodeArtifact at 127\.0\.0\.1:\d+ issued a token that expired at .*: check this machine's clock/,
    ],
    [
      "a response that never ends (timeout)",
      () => aws.inject("GetAuthorizationToken", { type: "hang" }, Infinity),
      "ENDPOINT_TIMEOUT",
      /^no answer from 127\.0\.0\.1:\d+ within 2 s/,
    ],
  ];
  it.each(cases)("%s", async (_name, arrange, code, message) => {
    const env = useEnv(cleanEnv());
    arrange();
    const error = await rejection(fetchRegistryToken(URL, { config: await configOf(STATIC), env }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });

  it("a wrong secret is rejected by the endpoint's signature check", async () => {
    const env = useEnv(cleanEnv());
    const error = await rejection(
      fetchRegistryToken(URL, {
        config: await configOf(
          `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = wrong\n`,
        ),
        env,
      }),
    );
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(error.message).toBe(
      "AWS rejected the credentials of static key AKIA…MPLE (InvalidSignatureException): check the access key and secret, or refresh the session",
    );
    expect(aws.rejectedSignatures()).toBeGreaterThan(0);
  });

  it("an unreachable endpoint names the host", async () => {
    const env = useEnv(cleanEnv());
    const config = await readKeyringConfig({
      text: `[codeartifact]\nendpoint_url = http://127.0.0.1:9\ntimeout = 2\n${STATIC}`,
    });
    const error = await rejection(fetchRegistryToken(URL, { config, env }));
    expect(error.code).toBe("ENDPOINT_UNREACHABLE");
    expect(error.message).toMatch(/^cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\): check the network/);
  });

  it("no credentials anywhere names what was tried", async () => {
    const env = useEnv(cleanEnv({ AWS_PROFILE: "" }));
    const error = await rejection(fetchRegistryToken(URL, { config: await configOf(""), env }));
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(error.message).toMatch(
      /^no AWS credentials for corp \(111122223333, us-east-1\): tried the default chain/,
    );
  });

  it("a missing profile names the profile", async () => {
    const env = useEnv(cleanEnv());
    const error = await rejection(
      fetchRegistryToken(URL, { config: await configOf("profile_name = ghost\n"), env }),
    );
    expect(error.code).toBe("NO_CREDENTIALS");
    expect(error.message).toMatch(
      /^no AWS credentials for corp \(111122223333, us-east-1\): tried profile `ghost`/,
    );
  });

  it("an expired SSO session says how to log in again", async () => {
    const env = useEnv(cleanEnv());
    const cache = join(env.HOME as string, ".aws", "sso", "cache");
    mkdirSync(cache, { recursive: true });
    writeFileSync(
      env.AWS_CONFIG_FILE as string,
      "[profile sso-dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    // The SDK names the cache file by the SHA-1 of the session name.
    const { createHash } = await import("node:crypto");
    writeFileSync(
      join(cache, `${createHash("sha1").update("corp").digest("hex")}.json`),
      JSON.stringify({
        accessToken: "x",
        expiresAt: new Date(Date.now() - 3600_000).toISOString(),
        region: "us-east-1",
        startUrl: "https://corp.awsapps.com/start",
      }),
    );
    const error = await rejection(
      fetchRegistryToken(URL, { config: await configOf("profile_name = sso-dev\n"), env }),
    );
    expect(error.code, error.message).toBe("SSO_SESSION_EXPIRED");
    expect(error.message).toBe(
      "the AWS SSO session for profile `sso-dev` has expired: run `aws sso login --profile sso-dev` and try again",
    );
  });

  it("static keys need both halves", async () => {
    const env = cleanEnv();
    const error = await rejection(
      resolveRegistry(URL, { config: await configOf(`aws_access_key_id = AKIAONLY\n`), env }),
    );
    expect(error.message).toBe(
      "test.ini:4: static credentials need both keys: `aws_secret_access_key` is missing in [codeartifact] (set it, or remove the other key to use a profile)",
    );
  });

  it.each([
    [
      "token_duration = 60",
      "INVALID_DURATION",
      "test.ini:4: token duration `60` is not valid: use 0 (expire with the role session) or 900 to 43200 seconds",
    ],
    [
      "refresh_margin = soon",
      "CONFIG_INVALID",
      "test.ini:4: `refresh_margin = soon` is not valid: use a number of seconds from 0 to 43200",
    ],
    [
      "role_arn = admin",
      "CONFIG_INVALID",
      "test.ini:4: `role_arn = admin` is not valid: expected a role ARN such as arn:aws:iam::123456789012:role/NAME",
    ],
    [
      "cache = sometimes",
      "CONFIG_INVALID",
      "test.ini:4: `cache = sometimes` is not valid: use one of auto, keychain, file, none",
    ],
  ])("%s", async (line, code, message) => {
    const error = await rejection(
      resolveRegistry(URL, { config: await configOf(`${line}\n`), env: cleanEnv() }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it("--duration out of range", async () => {
    const error = await rejection(
      resolveRegistry(URL, { config: await configOf(""), env: cleanEnv(), overrides: { tokenDuration: 60 } }),
    );
    expect(error.code).toBe("INVALID_DURATION");
    expect(error.message).toBe(
      "--duration: token duration `60` is not valid: use 0 (expire with the role session) or 900 to 43200 seconds",
    );
  });

  it("CODEARTIFACT_KEYRING_CACHE=bogus names the variable", async () => {
    const error = await rejection(
      resolveRegistry(URL, {
        config: await configOf(""),
        env: cleanEnv({ CODEARTIFACT_KEYRING_CACHE: "bogus" }),
      }),
    );
    expect(error.message).toBe(
      "CODEARTIFACT_KEYRING_CACHE: `cache = bogus` is not valid: use one of auto, keychain, file, none",
    );
  });
});
