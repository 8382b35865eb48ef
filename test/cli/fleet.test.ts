// One token for a CI fleet, through the built bin against the loopback SSM Parameter Store and
// Secrets Manager (SigV4 verified): `publish` writes each domain's token once, runners with
// `token_from` read it and never call CodeArtifact, and every way it can go wrong is one line that
// names the store and the fix.
import { beforeEach, describe, expect, it } from "vitest";
import { stderrLines as allStderrLines } from "../support/run.js";
import { REGISTRY, REGISTRY_OTHER_DOMAIN, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();
// The endpoint's reset keeps parameters and secrets: each test starts with none.
beforeEach(() => {
  aws().ssm.clear();
  aws().secretsManager.clear();
});

/** stderr without the once-per-HOME notice of where tokens are cached. */
const stderrLines = (stderr: string) =>
  allStderrLines(stderr).filter((l) => !l.startsWith("caching tokens in "));
const SSM_NAME = "/ci/ca/corp-111122223333-us-east-1";
const SECRET_NAME = "ci/ca/corp-111122223333-us-east-1";

/** A sandbox whose SSM and Secrets Manager calls go to the loopback endpoint too. */
const box = (env: NodeJS.ProcessEnv = {}) => sandbox({ AWS_ENDPOINT_URL: aws().url, ...env });

function record(overrides: Record<string, unknown> = {}): string {
  const now = Date.now();
  return JSON.stringify({
    version: 1,
    token: "eyJ2ZXIiOjF9.PUBLISHED-TOKEN-xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    expiresAt: new Date(now + 11 * 3600_000).toISOString(),
    domain: "corp",
    domainOwner: "111122223333",
    region: "us-east-1",
    publishedAt: new Date(now - 3600_000).toISOString(),
    publisher: "role ci-publisher",
    ...overrides,
  });
}

const seedSsm = (value: string) => aws().ssm.set(SSM_NAME, { value, type: "SecureString", version: 1 });

describe("publish", () => {
  it("stores the domain's token as a SecureString record, then keeps it while it has more than --margin left", async () => {
    const publisher = box();
    const first = await publisher.run(["publish", "--to", "ssm:/ci/ca", "--registry", REGISTRY]);
    expect(first.status, first.stderr).toBe(0);
    const issued = aws().codeartifact.issued.at(-1)?.token as string;
    const stored = aws().ssm.get(SSM_NAME);
    expect(stored?.type).toBe("SecureString");
    expect(JSON.parse(stored?.value ?? "")).toEqual({
      version: 1,
      token: issued,
      expiresAt: expect.stringMatching(/^\d{4}-/),
      domain: "corp",
      domainOwner: "111122223333",
      region: "us-east-1",
      publishedAt: expect.stringMatching(/^\d{4}-/),
      publisher: "default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE)",
    });
    expect(stderrLines(first.stderr).at(-1)).toMatch(
      new RegExp(
        `^published the token for corp \\(111122223333, us-east-1\\) to parameter \`${SSM_NAME}\`, valid until `,
      ),
    );
    expect(first.stdout + first.stderr).not.toContain(issued);

    // A scheduled run 15 minutes later: nothing to do, no token minted, nothing written.
    const second = await publisher.run(["publish", "--to", "ssm:/ci/ca", "--registry", REGISTRY, "--json"]);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      store: "ssm:/ci/ca",
      results: [expect.objectContaining({ action: "kept", name: SSM_NAME, domain: "corp" })],
    });
    expect(aws().count("GetAuthorizationToken")).toBe(1);
    expect(aws().count("PutParameter")).toBe(1);

    // With less than --margin left it is replaced.
    const third = await publisher.run([
      "publish",
      "--to",
      "ssm:/ci/ca",
      "--registry",
      REGISTRY,
      "--margin",
      "43200",
    ]);
    expect(third.status, third.stderr).toBe(0);
    expect(aws().count("PutParameter")).toBe(2);
    // Written again; the cached token still serves (the cache refreshes at half its life when the margin is longer).
    expect(aws().ssm.get(SSM_NAME)?.version).toBe(2);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
  });

  it("creates a secret per domain in Secrets Manager, one per domain for several registries", async () => {
    const result = await box().run([
      "publish",
      "--to",
      "secretsmanager:ci/ca",
      "--registry",
      REGISTRY,
      "--registry",
      REGISTRY.replace("npm-store", "other-store"),
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect([...aws().secretsManager.keys()]).toEqual([SECRET_NAME]);
    expect(aws().count("CreateSecret")).toBe(1);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
  });

  it("refuses to overwrite a value at the name that it did not write, unless --force", async () => {
    seedSsm("something else entirely");
    const publisher = box();
    const result = await publisher.run(["publish", "--to", "ssm:/ci/ca", "--registry", REGISTRY]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `error: ssm:/ci/ca: parameter \`${SSM_NAME}\` holds something that is not a token record written by \`codeartifact-login publish\`: choose another --to path, or pass --force to replace it`,
    ]);
    expect(aws().ssm.get(SSM_NAME)?.value).toBe("something else entirely");
    const forced = await publisher.run(["publish", "--to", "ssm:/ci/ca", "--registry", REGISTRY, "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
  });

  it.each([
    [[], "error: `publish` needs where to: --to ssm:/PATH or --to secretsmanager:NAME"],
    [
      ["--to", "s3:bucket"],
      "error: --to s3:bucket: use `ssm:/PATH` (a Parameter Store path) or `secretsmanager:NAME` (a Secrets Manager name prefix)",
    ],
    [
      ["--to", "ssm:no-slash"],
      "error: --to ssm:no-slash: use `ssm:/PATH` (a Parameter Store path) or `secretsmanager:NAME` (a Secrets Manager name prefix)",
    ],
    [
      ["--to", "ssm:/ci", "--margin", "soon"],
      "error: --margin soon: use a number of seconds from 0 to 43200 (default 3600)",
    ],
  ])("%j is a usage error (exit 2), naming the flag and the fix", async (args, line) => {
    const result = await box().run(["publish", ...args, "--registry", REGISTRY]);
    expect(result.status).toBe(2);
    // Every usage error ends with the pointer to --help.
    expect(stderrLines(result.stderr)).toEqual([`${line} (run with --help for usage)`]);
    expect(aws().calls).toEqual([]);
  });
});

describe("token_from", () => {
  it("a runner reads the published token (1 store read, 0 CodeArtifact calls) and caches it", async () => {
    await box().run(["publish", "--to", "secretsmanager:ci/ca", "--registry", REGISTRY]);
    const published = aws().codeartifact.issued.at(-1)?.token as string;
    aws().reset();
    const runner = box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "secretsmanager:ci/ca" });
    const result = await runner.run(["token", "--registry", REGISTRY, "--format", "json"]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ token: published, source: "published" });
    expect(aws().calls.map((c) => c.operation)).toEqual(["GetSecretValue"]);
    const again = await runner.run(["token", "--registry", REGISTRY]);
    expect(again.stdout).toBe(`${published}\n`);
    expect(aws().calls).toHaveLength(1);
  });

  it("works from the config's token_from setting with SSM", async () => {
    seedSsm(record());
    const runner = box();
    runner.config("[codeartifact]\ntoken_from = ssm:/ci/ca\n");
    const result = await runner.run(["token", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("eyJ2ZXIiOjF9.PUBLISHED-TOKEN-xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    expect(aws().count("GetParameter")).toBe(1);
    expect(aws().count("GetAuthorizationToken")).toBe(0);
  });

  // Computed when a test seeds, so the ages in the messages are what the test says.
  const stale = () => new Date(Date.now() + 5 * 60_000).toISOString();
  const expired = () => new Date(Date.now() - 10 * 60_000).toISOString();
  const old = () => new Date(Date.now() - 12 * 3600_000).toISOString();
  it.each([
    [
      "a missing parameter",
      () => {},
      `error: ssm:/ci/ca: no token is published for corp (111122223333, us-east-1) (parameter \`${SSM_NAME}\` does not exist): run \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\` on a schedule, or set \`token_from_fallback = aws\` to mint one here`,
    ],
    [
      "a parameter for another domain",
      () => seedSsm(record({ domain: "tools", domainOwner: "444455556666", region: "eu-west-1" })),
      `error: ssm:/ci/ca: parameter \`${SSM_NAME}\` holds a token for tools (444455556666, eu-west-1), not corp (111122223333, us-east-1): the publisher (role ci-publisher) wrote another domain's token under this name: republish with \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\``,
    ],
    [
      "an expired published token",
      () => seedSsm(record({ expiresAt: expired(), publishedAt: old() })),
      `error: ssm:/ci/ca: the token at parameter \`${SSM_NAME}\` was published 12 h ago by role ci-publisher and expired 10 min ago: check that publisher's scheduled \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\` (its logs and permissions), or set \`token_from_fallback = aws\``,
    ],
    [
      "a published token within the refresh margin",
      () => seedSsm(record({ expiresAt: stale(), publishedAt: old() })),
      `error: ssm:/ci/ca: the token at parameter \`${SSM_NAME}\` was published 12 h ago by role ci-publisher and expires in 5 min, less than the 15 min required: check that publisher's scheduled \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\` (its logs and permissions), or set \`token_from_fallback = aws\``,
    ],
    [
      "a value that is not a published record",
      () => seedSsm("hunter2"),
      `error: ssm:/ci/ca: parameter \`${SSM_NAME}\` does not hold a token record written by \`codeartifact-login publish\` (JSON with token, expiresAt, domain, domainOwner, region): republish it with \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\``,
    ],
    [
      "a published token that cannot be a token (a line break: a second .npmrc line)",
      () => seedSsm(record({ token: "eyJ2ZXIiOjF9.abc\n//evil.example/:_authToken=x" })),
      `error: ssm:/ci/ca: parameter \`${SSM_NAME}\` holds a token that cannot be one (it holds a line break at position 17; tokens are letters, digits and \`- . _ ~ + /\` with \`=\` only at the end); nothing was cached or printed: republish it with \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\``,
    ],
    [
      "a published token said to live for a century",
      () => seedSsm(record({ expiresAt: "2126-01-01T00:00:00.000Z" })),
      `error: ssm:/ci/ca: parameter \`${SSM_NAME}\` holds a token said to expire at 2126-01-01T00:00:00.000Z, more than 12 h from now; nothing was cached or printed: republish it with \`codeartifact-login publish --to ssm:/ci/ca --registry ${REGISTRY}\`, and check the publisher's and this machine's clocks`,
    ],
    [
      "an unreadable parameter (AccessDenied)",
      () => {
        seedSsm(record());
        aws().inject("GetParameter", {
          type: "error",
          status: 400,
          code: "AccessDeniedException",
          message: "User is not authorized to perform: ssm:GetParameter",
        });
      },
      `error: ssm:/ci/ca: cannot read \`corp-111122223333-us-east-1\`: AccessDeniedException: User is not authorized to perform: ssm:GetParameter (parameter \`${SSM_NAME}\`): default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE) needs \`ssm:GetParameter\` on parameter \`${SSM_NAME}\` and \`kms:Decrypt\` (kms:Encrypt to write) on its KMS key`,
    ],
    [
      "a throttled read",
      () => {
        seedSsm(record());
        aws().throttle("GetParameter", 0);
      },
      `error: ssm:/ci/ca: Parameter Store throttled the read of parameter \`${SSM_NAME}\` after 3 attempts: retry shortly; for a large fleet raise Parameter Store's throughput (higher throughput setting) or publish to secretsmanager:`,
    ],
  ])(
    "%s: one line naming the store and the fix, exit 1, no CodeArtifact call",
    async (_label, seed, line) => {
      seed();
      const result = await box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/ca" }).run([
        "token",
        "--registry",
        REGISTRY,
      ]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(stderrLines(result.stderr)).toEqual([line]);
      expect(aws().count("GetAuthorizationToken")).toBe(0);
    },
  );

  it("--min-valid asks more of the published token than the refresh margin", async () => {
    seedSsm(record({ expiresAt: new Date(Date.now() + 5 * 3600_000).toISOString() }));
    const runner = box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/ca" });
    const result = await runner.run(["token", "--registry", REGISTRY, "--min-valid", "6h"]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)[0]).toContain("expires in 5 h, less than the 6 h required");
    expect(aws().count("GetAuthorizationToken")).toBe(0);
    const enough = await runner.run(["token", "--registry", REGISTRY, "--min-valid", "4h"]);
    expect(enough.status, enough.stderr).toBe(0);
  });

  it("an unreadable secret (KMS) names kms:Decrypt", async () => {
    aws().inject("GetSecretValue", {
      type: "error",
      status: 400,
      code: "DecryptionFailure",
      message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    });
    const result = await box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "secretsmanager:ci/ca" }).run([
      "token",
      "--registry",
      REGISTRY,
    ]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `error: secretsmanager:ci/ca: cannot read \`corp-111122223333-us-east-1\`: DecryptionFailure: Secrets Manager can't decrypt the protected secret text using the provided KMS key. (secret \`${SECRET_NAME}\`): default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE) needs \`secretsmanager:GetSecretValue\` on secret \`${SECRET_NAME}\` and \`kms:Decrypt\` (kms:Encrypt to write) on its KMS key`,
    ]);
  });

  it("token_from_fallback = aws mints its own when nothing usable is published, and says so", async () => {
    seedSsm(record({ expiresAt: expired(), publishedAt: old() }));
    const runner = box({
      CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/ca",
      CODEARTIFACT_KEYRING_TOKEN_FROM_FALLBACK: "aws",
    });
    const result = await runner.run(["token", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${aws().codeartifact.issued.at(-1)?.token}\n`);
    expect(stderrLines(result.stderr)).toEqual([
      `warning: ssm:/ci/ca: the token at parameter \`${SSM_NAME}\` was published 12 h ago by role ci-publisher and expired 10 min ago; minting a token with GetAuthorizationToken instead (token_from_fallback = aws)`,
    ]);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
  });

  it("the fallback does not cover a denied read: that is a permission to fix, not a token to mint", async () => {
    aws().inject("GetParameter", {
      type: "error",
      status: 400,
      code: "AccessDeniedException",
      message: "denied",
    });
    const result = await box({
      CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/ca",
      CODEARTIFACT_KEYRING_TOKEN_FROM_FALLBACK: "aws",
    }).run(["token", "--registry", REGISTRY]);
    expect(result.status).toBe(1);
    expect(aws().count("GetAuthorizationToken")).toBe(0);
  });

  it("a bad token_from value names the variable and the rule", async () => {
    const result = await box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:relative" }).run([
      "token",
      "--registry",
      REGISTRY,
    ]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      "error: CODEARTIFACT_KEYRING_TOKEN_FROM: `token_from = ssm:relative` is not valid: use `ssm:/PATH` (a Parameter Store path) or `secretsmanager:NAME` (a Secrets Manager name prefix)",
    ]);
  });

  it("a runner of another domain is not served this domain's token", async () => {
    seedSsm(record());
    const result = await box({ CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/ca" }).run([
      "token",
      "--registry",
      REGISTRY_OTHER_DOMAIN,
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(stderrLines(result.stderr)[0]).toContain(
      "no token is published for tools (444455556666, eu-west-1)",
    );
  });
});

describe("secretsmanager_prefix", () => {
  it("a config value resolves from Secrets Manager through ${NAME}", async () => {
    const runner = box({ AWS_SECRET_ACCESS_KEY: "" });
    // The Secrets Manager call signs with the environment's other key; CodeArtifact with the config's.
    runner.config(
      "[codeartifact]\nsecretsmanager_prefix = ci/keys\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
    );
    const now = Date.now() / 1000;
    aws().secretsManager.set("ci/keys/CA_SECRET", {
      value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      version: 1,
      createdAt: now,
      lastChangedAt: now,
    });
    const result = await runner.run(["token", "--registry", REGISTRY], {
      env: {
        AWS_ACCESS_KEY_ID: "AKIAI44QH8DHBEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
      },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${aws().codeartifact.issued.at(-1)?.token}\n`);
    expect(aws().calls.map((c) => c.operation)).toEqual(["GetSecretValue", "GetAuthorizationToken"]);
  });
});
