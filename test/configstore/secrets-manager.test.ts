// The Secrets Manager backend with the real @aws-sdk/client-secrets-manager against the loopback
// endpoint (SigV4 verified): reads, the first write creating the secret, failures named with a fix.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import { fromSecretsManager } from "../../src/configstore/backends/secrets-manager.js";
import { BackendError } from "../../src/configstore/errors.js";
import { interpolate } from "../../src/configstore/interpolate.js";
import { ConfigStore } from "../../src/configstore/store.js";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws({ secrets: { "prod/app/DB_PASSWORD": "s3cret", "full-name": "root level" } });
});
afterAll(() => aws?.close());
beforeEach(() => aws.reset());

const backend = (prefix = "prod/app", extra: { secretAccessKey?: string } = {}) =>
  fromSecretsManager({
    prefix,
    region: "us-east-1",
    endpoint: aws.url,
    credentials: { ...TEST_CREDENTIALS, ...extra },
  });

describe("fromSecretsManager", () => {
  it("reads a secret's string through GetSecretValue", async () => {
    await expect(backend().get("DB_PASSWORD")).resolves.toBe("s3cret");
    expect(aws.count("GetSecretValue")).toBe(1);
  });

  it("answers undefined for ResourceNotFoundException, and for a name it cannot hold without a call", async () => {
    await expect(backend().get("NOPE")).resolves.toBeUndefined();
    expect(aws.calls.at(-1)).toMatchObject({ operation: "GetSecretValue", outcome: 400 });
    await expect(backend().get("has space")).resolves.toBeUndefined();
    expect(aws.count("GetSecretValue")).toBe(1);
  });

  it("creates the secret on the first set, puts a new version after, and deletes it", async () => {
    const sm = backend("dev/app/");
    await sm.set("API_TOKEN", "tok-123");
    expect(aws.count("PutSecretValue")).toBe(1);
    expect(aws.count("CreateSecret")).toBe(1);
    expect(aws.secretsManager.get("dev/app/API_TOKEN")).toMatchObject({ value: "tok-123", version: 1 });
    await sm.set("API_TOKEN", "tok-456");
    expect(aws.count("CreateSecret")).toBe(1);
    expect(aws.secretsManager.get("dev/app/API_TOKEN")).toMatchObject({ value: "tok-456", version: 2 });
    await expect(sm.delete("API_TOKEN")).resolves.toBe(true);
    expect(aws.secretsManager.has("dev/app/API_TOKEN")).toBe(false);
    await expect(sm.delete("API_TOKEN")).resolves.toBe(false);
  });

  it("fails on AccessDenied, naming backend, key and secret, with the permission to grant", async () => {
    aws.inject("GetSecretValue", {
      type: "error",
      status: 400,
      code: "AccessDeniedException",
      message: "User is not authorized to perform: secretsmanager:GetSecretValue",
    });
    const error = await backend()
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      "secretsmanager: cannot read `DB_PASSWORD`: AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue (secret `prod/app/DB_PASSWORD`) Allow `secretsmanager:GetSecretValue` on the secret to these credentials.",
    );
  });

  it("names kms:Decrypt when the secret's KMS key refuses", async () => {
    aws.inject("GetSecretValue", {
      type: "error",
      status: 400,
      code: "DecryptionFailure",
      message: "Access to KMS is not allowed",
    });
    const error = await backend()
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /DecryptionFailure.*Allow `kms:Decrypt` on the secret's KMS key/,
    );
  });

  it("fails when the endpoint rejects the signature (wrong secret key)", async () => {
    const error = await backend("prod/app", { secretAccessKey: "wrong" })
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BACKEND_FAILED", backend: "secretsmanager" });
    expect((error as Error).message).toContain("InvalidSignatureException");
    expect(aws.rejectedSignatures()).toBeGreaterThan(0);
  });

  it("reports throttling past the endpoint's rate after the SDK's retries", async () => {
    aws.throttle("GetSecretValue", 0);
    const error = await backend()
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/ThrottlingException.*throttled the request/);
    expect(aws.throttled("GetSecretValue")).toBe(3);
  });

  it("never puts the value it tried to write into its message", async () => {
    aws.inject("PutSecretValue", {
      type: "error",
      status: 400,
      code: "ValidationException",
      message: "Value 'hunter2-very-secret' failed to satisfy constraint",
    });
    const error = await backend()
      .set("PASSWORD", "hunter2-very-secret")
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain("hunter2-very-secret");
    expect((error as Error).cause).toBeUndefined();
  });

  it("uses an injected client, and resolves references through the store", async () => {
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: aws.url,
      credentials: TEST_CREDENTIALS,
    });
    await expect(fromSecretsManager({ prefix: "", client }).get("full-name")).resolves.toBe("root level");
    const store = new ConfigStore([fromMemory({ DB_USER: "app" }), backend()]);
    await expect(interpolate("postgres://${DB_USER}:${DB_PASSWORD}@db/", store)).resolves.toBe(
      "postgres://app:s3cret@db/",
    );
  });
});
