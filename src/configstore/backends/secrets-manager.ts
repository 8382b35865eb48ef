import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { BackendError, type BackendOperation } from "../errors.js";
import type { WritableBackend } from "../types.js";
import { type AwsClientOptions, describeAwsError, joinName, lazyClient, redact } from "./aws-shared.js";

export interface SecretsManagerOptions extends AwsClientOptions {
  /**
   * The name prefix the keys live under, joined to the key with exactly one `/`: prefix `prod/app`
   * and key `DB_PASSWORD` read the secret `prod/app/DB_PASSWORD`. An empty prefix uses keys as full
   * names (or ARNs).
   */
  prefix: string;
  /** The KMS key new secrets are encrypted with. @default the account's `aws/secretsmanager` key */
  kmsKeyId?: string;
}

/** The characters Secrets Manager allows in a secret name, or an ARN (which adds `:`). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;

const ACTIONS: Record<BackendOperation, string> = {
  read: "secretsmanager:GetSecretValue",
  write: "secretsmanager:PutSecretValue` and `secretsmanager:CreateSecret",
  delete: "secretsmanager:DeleteSecret",
  list: "secretsmanager:ListSecrets",
};

/**
 * AWS Secrets Manager: `GetSecretValue` of the current version's `SecretString`. The AWS SDK is
 * loaded on first use only, and one client serves every call. A secret that does not exist, or is
 * scheduled for deletion, or a key that cannot name one, is "not here"; any other AWS error (access
 * denied, a KMS key the caller may not use, throttling) is a failure. `set` puts a new version
 * (creating the secret the first time); `delete` removes it at once, without a recovery window.
 *
 * @example
 * fromSecretsManager({ prefix: "prod/myapp", region: "eu-west-1" }).get("DB_PASSWORD")
 */
export function fromSecretsManager(options: SecretsManagerOptions): WritableBackend {
  if (typeof options?.prefix !== "string") {
    throw new TypeError("fromSecretsManager: `prefix` must be a string");
  }
  const connect = lazyClient(
    "secrets manager",
    () => import("@aws-sdk/client-secrets-manager"),
    (sdk, config) => new sdk.SecretsManagerClient(config) as SecretsManagerClient,
    options,
  );
  const nameOf = (key: string) => joinName(options.prefix, key);
  const fail = (key: string, operation: BackendOperation, error: unknown, secret?: string) => {
    const described = describeAwsError(error);
    const reason = redact(described, secret);
    const name = (error as Error | undefined)?.name ?? "";
    return new BackendError("secretsmanager", key, {
      operation,
      cause: reason === described ? error : undefined,
      reason: `${reason} (secret \`${nameOf(key)}\`)`,
      hint:
        name === "AccessDeniedException"
          ? `Allow \`${ACTIONS[operation]}\` on the secret to these credentials.`
          : name.startsWith("KMS") || /kms/i.test(described)
            ? "Allow `kms:Decrypt` on the secret's KMS key to these credentials (and check the key is enabled)."
            : name === "ThrottlingException"
              ? "Secrets Manager throttled the request: retry later, or read the secret less often."
              : "Check the AWS credentials, the region and the secret's name.",
    });
  };
  // Deleted or scheduled for deletion: nothing to read.
  const absent = (error: unknown) => {
    const name = (error as Error | undefined)?.name;
    return (
      name === "ResourceNotFoundException" ||
      (name === "InvalidRequestException" && /deletion|deleted/i.test((error as Error).message))
    );
  };

  return {
    name: "secretsmanager",
    async get(key) {
      const name = nameOf(key);
      if (!SECRET_NAME.test(name)) return undefined;
      try {
        const { client, sdk } = await connect();
        const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
        if (out.SecretString !== undefined) return out.SecretString;
        if (out.SecretBinary !== undefined) return Buffer.from(out.SecretBinary).toString("utf8");
        return "";
      } catch (error) {
        if (absent(error)) return undefined;
        throw fail(key, "read", error);
      }
    },
    async set(key, value) {
      const name = nameOf(key);
      if (!SECRET_NAME.test(name)) {
        throw new BackendError("secretsmanager", key, {
          operation: "write",
          reason: `\`${name}\` is not a valid secret name.`,
          hint: "Use only letters, digits and `/ _ + = . @ -`.",
        });
      }
      try {
        const { client, sdk } = await connect();
        try {
          await client.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: value }));
        } catch (error) {
          if ((error as Error | undefined)?.name !== "ResourceNotFoundException") throw error;
          await client.send(
            new sdk.CreateSecretCommand({
              Name: name,
              SecretString: value,
              ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
            }),
          );
        }
      } catch (error) {
        throw fail(key, "write", error, value);
      }
    },
    async delete(key) {
      const name = nameOf(key);
      if (!SECRET_NAME.test(name)) return false;
      try {
        const { client, sdk } = await connect();
        await client.send(new sdk.DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
        return true;
      } catch (error) {
        if (absent(error)) return false;
        throw fail(key, "delete", error);
      }
    },
  };
}
