import {
  CodeartifactClient,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
} from "@aws-sdk/client-codeartifact";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "./aws/index.js";

// The fake endpoint is itself test support: prove it speaks the wire protocols the real SDK expects
// and rejects what AWS rejects, or every test built on it proves nothing.
describe("loopback AWS endpoint", () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await startFakeAws({ ssmParameters: { "/app/DB_PASSWORD": "s3cret" } });
  });
  afterAll(() => aws.close());

  const client = (secretAccessKey: string = TEST_CREDENTIALS.secretAccessKey) =>
    new CodeartifactClient({
      region: "us-east-1",
      endpoint: aws.url,
      credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey },
      maxAttempts: 1,
    });

  it("issues a token to a correctly signed GetAuthorizationToken", async () => {
    const out = await client().send(
      new GetAuthorizationTokenCommand({
        domain: "my-domain",
        domainOwner: "111122223333",
        durationSeconds: 900,
      }),
    );
    expect(out.authorizationToken).toBe(aws.codeartifact.issued.at(-1)?.token);
    expect(out.expiration).toBeInstanceOf(Date);
    expect(aws.calls.at(-1)?.query).toMatchObject({
      domain: "my-domain",
      "domain-owner": "111122223333",
      duration: "900",
    });
  });

  it("rejects a wrong secret with 403 InvalidSignatureException, as AWS does", async () => {
    const before = aws.rejectedSignatures();
    await expect(
      client("wrong-secret").send(
        new GetAuthorizationTokenCommand({ domain: "d1", domainOwner: "111122223333" }),
      ),
    ).rejects.toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 403 } });
    expect(aws.rejectedSignatures()).toBe(before + 1);
  });

  it("answers GetRepositoryEndpoint", async () => {
    const out = await client().send(
      new GetRepositoryEndpointCommand({
        domain: "d1",
        domainOwner: "111122223333",
        repository: "r.1",
        format: "npm",
      }),
    );
    expect(out.repositoryEndpoint).toBe(
      "https://d1-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/r.1/",
    );
  });

  it("injects a throttling fault with Retry-After", async () => {
    aws.inject("GetAuthorizationToken", {
      type: "error",
      status: 429,
      code: "ThrottlingException",
      headers: { "retry-after": "1" },
    });
    await expect(
      client().send(new GetAuthorizationTokenCommand({ domain: "d1", domainOwner: "111122223333" })),
    ).rejects.toMatchObject({ name: "ThrottlingException", retryAfterSeconds: 1 });
  });

  it("throttles an operation past its rate per second with ThrottlingException (429 for CodeArtifact)", async () => {
    aws.throttle("GetAuthorizationToken", 5);
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          client().send(new GetAuthorizationTokenCommand({ domain: "d1", domainOwner: "111122223333" })),
        ),
      );
      const refused = results.filter((r) => r.status === "rejected");
      expect(results.length - refused.length).toBe(5);
      expect(refused).toHaveLength(3);
      for (const r of refused) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({
          name: "ThrottlingException",
          $metadata: { httpStatusCode: 429 },
        });
      }
      expect(aws.throttled("GetAuthorizationToken")).toBe(3);
    } finally {
      aws.throttle("GetAuthorizationToken", undefined);
    }
  });

  it("plays Secrets Manager: CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret", async () => {
    const sm = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: aws.url,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await sm.send(new CreateSecretCommand({ Name: "fleet/token", SecretString: "one" }));
    await expect(
      sm.send(new CreateSecretCommand({ Name: "fleet/token", SecretString: "again" })),
    ).rejects.toMatchObject({ name: "ResourceExistsException" });
    await sm.send(new PutSecretValueCommand({ SecretId: "fleet/token", SecretString: "two" }));
    const out = await sm.send(new GetSecretValueCommand({ SecretId: "fleet/token" }));
    expect(out).toMatchObject({ Name: "fleet/token", SecretString: "two", VersionId: "v2" });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: out.ARN }));
    expect(described.Name).toBe("fleet/token");
    expect(described.LastChangedDate).toBeInstanceOf(Date);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: "nope" }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("assumes a role whose credentials then sign CodeArtifact calls", async () => {
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: aws.url,
      credentials: TEST_CREDENTIALS,
    });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: "arn:aws:iam::111122223333:role/Reader", RoleSessionName: "s1" }),
    );
    const creds = out.Credentials;
    expect(creds?.AccessKeyId).toMatch(/^ASIA/);
    const assumed = new CodeartifactClient({
      region: "us-east-1",
      endpoint: aws.url,
      credentials: {
        accessKeyId: creds?.AccessKeyId ?? "",
        secretAccessKey: creds?.SecretAccessKey ?? "",
        sessionToken: creds?.SessionToken ?? "",
      },
    });
    await assumed.send(new GetAuthorizationTokenCommand({ domain: "d1", domainOwner: "111122223333" }));
    expect(aws.calls.at(-1)?.accessKeyId).toBe(creds?.AccessKeyId);
  });

  it("serves SSM parameters and answers ParameterNotFound", async () => {
    const ssm = new SSMClient({ region: "us-east-1", endpoint: aws.url, credentials: TEST_CREDENTIALS });
    const out = await ssm.send(new GetParameterCommand({ Name: "/app/DB_PASSWORD", WithDecryption: true }));
    expect(out.Parameter?.Value).toBe("s3cret");
    await expect(ssm.send(new GetParameterCommand({ Name: "/app/NOPE" }))).rejects.toMatchObject({
      name: "ParameterNotFound",
    });
  });
});
