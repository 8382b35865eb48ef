// The SSM backend with the real @aws-sdk/client-ssm against the loopback endpoint (SigV4 verified).
import { SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import { fromSsm, parameterName } from "../../src/configstore/backends/ssm.js";
import { BackendError } from "../../src/configstore/errors.js";
import { interpolate } from "../../src/configstore/interpolate.js";
import { ConfigStore } from "../../src/configstore/store.js";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws({
    ssmParameters: { "/app/prod/DB_PASSWORD": "s3cret", "/app/prod/EMPTYISH": "x", "/top": "root level" },
  });
});
afterAll(() => aws?.close());
beforeEach(() => aws.reset());

const backend = (prefix = "/app/prod", extra: { secretAccessKey?: string } = {}) =>
  fromSsm({
    prefix,
    region: "us-east-1",
    endpoint: aws.url,
    credentials: { ...TEST_CREDENTIALS, ...extra },
  });

describe("fromSsm", () => {
  it("reads a SecureString through GetParameter", async () => {
    await expect(backend().get("DB_PASSWORD")).resolves.toBe("s3cret");
    expect(aws.count("GetParameter")).toBe(1);
  });

  it("answers undefined for ParameterNotFound", async () => {
    await expect(backend().get("NOPE")).resolves.toBeUndefined();
    expect(aws.calls.at(-1)).toMatchObject({ operation: "GetParameter", outcome: 400 });
  });

  it.each([
    ["/app/prod", "KEY", "/app/prod/KEY"],
    ["/app/prod/", "KEY", "/app/prod/KEY"],
    ["/app/prod//", "/KEY", "/app/prod/KEY"],
    ["/", "KEY", "/KEY"],
    ["", "/already/full", "/already/full"],
    ["", "plain", "plain"],
    ["/app", "nested/path", "/app/nested/path"],
  ])("joins prefix %j and key %j as %j", (prefix, key, expected) => {
    expect(parameterName(prefix, key)).toBe(expected);
  });

  it("writes SecureString parameters under the prefix and deletes them", async () => {
    const ssm = backend("/app/dev/");
    await ssm.set("API_TOKEN", "tok-123");
    expect(aws.ssm.get("/app/dev/API_TOKEN")).toMatchObject({ value: "tok-123", type: "SecureString" });
    await ssm.set("API_TOKEN", "tok-456"); // Overwrite
    expect(aws.ssm.get("/app/dev/API_TOKEN")).toMatchObject({ value: "tok-456", version: 2 });
    await expect(ssm.delete("API_TOKEN")).resolves.toBe(true);
    expect(aws.ssm.has("/app/dev/API_TOKEN")).toBe(false);
    await expect(ssm.delete("API_TOKEN")).resolves.toBe(false);
  });

  it("treats a key SSM cannot hold as not here, without a call", async () => {
    const ssm = backend();
    await expect(ssm.get("has space")).resolves.toBeUndefined();
    await expect(ssm.get("ünïcode")).resolves.toBeUndefined();
    await expect(ssm.delete("has space")).resolves.toBe(false);
    expect(aws.count("GetParameter")).toBe(0);
    await expect(ssm.set("has space", "v")).rejects.toThrow(/is not a valid parameter name/);
  });

  it("refuses to store an empty value (Parameter Store cannot)", async () => {
    await expect(backend().set("K", "")).rejects.toThrow(/cannot hold an empty value/);
    expect(aws.count("PutParameter")).toBe(0);
  });

  it("fails on AccessDenied, naming backend, key and parameter, with the cause and a fix", async () => {
    aws.inject("GetParameter", {
      type: "error",
      status: 400,
      code: "AccessDeniedException",
      message: "User is not authorized to perform: ssm:GetParameter",
    });
    const error = await backend()
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "BACKEND_FAILED", backend: "ssm", key: "DB_PASSWORD" });
    expect((error as Error).message).toBe(
      "ssm: cannot read `DB_PASSWORD`: AccessDeniedException: User is not authorized to perform: ssm:GetParameter (parameter `/app/prod/DB_PASSWORD`) Allow `ssm:GetParameter` (and `kms:Decrypt` for SecureString) to these credentials.",
    );
    expect((error as Error).cause).toMatchObject({ name: "AccessDeniedException" });
  });

  it("fails when the endpoint rejects the signature (wrong secret key)", async () => {
    const error = await backend("/app/prod", { secretAccessKey: "wrong" })
      .get("DB_PASSWORD")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BACKEND_FAILED", backend: "ssm" });
    expect((error as Error).message).toContain("InvalidSignatureException");
    expect(aws.rejectedSignatures()).toBeGreaterThan(0);
  });

  it("halts the chain on a real failure instead of falling through to a default", async () => {
    aws.inject("GetParameter", { type: "error", status: 400, code: "AccessDeniedException" });
    const store = new ConfigStore([backend(), fromMemory({ DB_PASSWORD: "fallback" })]);
    await expect(store.get("DB_PASSWORD")).rejects.toMatchObject({ backend: "ssm" });
  });

  it("never puts the value it tried to write into its message", async () => {
    aws.inject("PutParameter", {
      type: "error",
      status: 400,
      code: "ValidationException",
      message: "Value 'hunter2-very-secret' at 'value' failed to satisfy constraint",
    });
    const error = await backend()
      .set("PASSWORD", "hunter2-very-secret")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BACKEND_FAILED", key: "PASSWORD" });
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain("hunter2-very-secret");
    expect((error as Error).cause).toBeUndefined();
  });

  it("uses an injected client", async () => {
    const client = new SSMClient({ region: "us-east-1", endpoint: aws.url, credentials: TEST_CREDENTIALS });
    const ssm = fromSsm({ prefix: "", client });
    await expect(ssm.get("/top")).resolves.toBe("root level");
  });

  it("resolves references through SSM in interpolation", async () => {
    const store = new ConfigStore([fromMemory({ DB_USER: "app" }), backend()]);
    await expect(interpolate("postgres://${DB_USER}:${DB_PASSWORD}@db/", store)).resolves.toBe(
      "postgres://app:s3cret@db/",
    );
  });

  it("reads values with every kind of character unchanged", async () => {
    const value = "päss\nwörd 🔑 \"q\" 'q' \\ $x ${y} = # ;";
    aws.ssm.set("/app/prod/ODD", { value, type: "SecureString", version: 1 });
    await expect(backend().get("ODD")).resolves.toBe(value);
  });
});
