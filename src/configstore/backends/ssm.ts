import type { SSMClient } from "@aws-sdk/client-ssm";
import { BackendError, type BackendOperation } from "../errors.js";
import type { WritableBackend } from "../types.js";
import {
  type AwsClientOptions,
  type AwsCredentials,
  describeAwsError,
  joinName,
  lazyClient,
  redact,
} from "./aws-shared.js";

export interface SsmOptions extends AwsClientOptions {
  /**
   * The parameter path the keys live under, joined to the key with exactly one `/`:
   * prefix `/app/prod` (or `/app/prod/`) and key `DB_PASSWORD` read `/app/prod/DB_PASSWORD`.
   * An empty prefix uses keys as full names.
   */
  prefix: string;
}

/** AWS credentials, as the SDK takes them. */
export type SsmCredentials = AwsCredentials;

/** The characters SSM allows in a parameter name. */
const SSM_NAME = /^[A-Za-z0-9_.\-/]+$/;

/**
 * AWS Systems Manager Parameter Store: `GetParameter` with decryption, so SecureString values work.
 * The AWS SDK is loaded on first use only, and one client serves every call. A parameter that does
 * not exist (or a key that cannot name one) is "not here"; any other AWS error is a failure.
 * `set` writes a SecureString (overwriting); `delete` removes the parameter.
 *
 * @example
 * fromSsm({ prefix: "/myapp/prod", region: "eu-west-1" }).get("DB_PASSWORD")
 */
export function fromSsm(options: SsmOptions): WritableBackend {
  if (typeof options?.prefix !== "string") throw new TypeError("fromSsm: `prefix` must be a string");
  const connect = lazyClient(
    "ssm",
    () => import("@aws-sdk/client-ssm"),
    (sdk, config) => new sdk.SSMClient(config) as SSMClient,
    options,
  );
  const nameOf = (key: string) => parameterName(options.prefix, key);
  const fail = (key: string, operation: BackendOperation, error: unknown, secret?: string) => {
    const name = nameOf(key);
    const described = describeAwsError(error);
    const reason = redact(described, secret);
    return new BackendError("ssm", key, {
      operation,
      // A cause that quotes the value would carry the secret along: drop it then.
      cause: reason === described ? error : undefined,
      reason: `${reason} (parameter \`${name}\`)`,
      hint:
        (error as Error | undefined)?.name === "AccessDeniedException"
          ? `Allow \`ssm:${operation === "read" ? "GetParameter" : operation === "write" ? "PutParameter" : "DeleteParameter"}\` (and \`kms:Decrypt\` for SecureString) to these credentials.`
          : "Check the AWS credentials, the region and the parameter's name.",
    });
  };

  return {
    name: "ssm",
    async get(key) {
      const name = nameOf(key);
      if (!SSM_NAME.test(name)) return undefined;
      try {
        const { client, sdk } = await connect();
        const out = await client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true }));
        return out.Parameter?.Value ?? "";
      } catch (error) {
        if ((error as Error | undefined)?.name === "ParameterNotFound") return undefined;
        throw fail(key, "read", error);
      }
    },
    async set(key, value) {
      const name = nameOf(key);
      if (!SSM_NAME.test(name)) {
        throw new BackendError("ssm", key, {
          operation: "write",
          reason: `\`${name}\` is not a valid parameter name.`,
          hint: "Use only letters, digits and `_ . - /`.",
        });
      }
      if (value === "") {
        throw new BackendError("ssm", key, {
          operation: "write",
          reason: "Parameter Store cannot hold an empty value.",
          hint: "Delete the parameter instead, or store a placeholder.",
        });
      }
      try {
        const { client, sdk } = await connect();
        await client.send(
          new sdk.PutParameterCommand({ Name: name, Value: value, Type: "SecureString", Overwrite: true }),
        );
      } catch (error) {
        throw fail(key, "write", error, value);
      }
    },
    async delete(key) {
      const name = nameOf(key);
      if (!SSM_NAME.test(name)) return false;
      try {
        const { client, sdk } = await connect();
        await client.send(new sdk.DeleteParameterCommand({ Name: name }));
        return true;
      } catch (error) {
        if ((error as Error | undefined)?.name === "ParameterNotFound") return false;
        throw fail(key, "delete", error);
      }
    },
  };
}

/** `prefix` and `key` joined with exactly one `/`; an empty prefix leaves the key as it is. */
export const parameterName = joinName;
