// Secrets Manager's awsJson1_1 wire protocol: `x-amz-target: secretsmanager.<Operation>`, JSON in and
// out, errors as `{"__type": "...", "message": "..."}` with status 400. GetSecretValue, PutSecretValue,
// CreateSecret, DescribeSecret and DeleteSecret, on secrets kept in memory by name.
import type { AwsErrorShape, AwsRequest, AwsResponse, AwsService } from "./server.js";

export interface StoredSecret {
  value: string;
  /** Bumped on every write; the current version's id is `v<version>`. */
  version: number;
  createdAt: number;
  lastChangedAt: number;
  /** A KMS key id the caller was given (only recorded). */
  kmsKeyId?: string;
}

const JSON_TYPE = { "content-type": "application/x-amz-json-1.1" };

export function createSecretsManagerService(initial: Record<string, string> = {}): AwsService & {
  secrets: Map<string, StoredSecret>;
} {
  const now = () => Date.now() / 1000;
  const secrets = new Map<string, StoredSecret>(
    Object.entries(initial).map(([name, value]) => [
      name,
      { value, version: 1, createdAt: now(), lastChangedAt: now() },
    ]),
  );
  const formatError = ({ status, code, message, headers }: AwsErrorShape): AwsResponse => ({
    status,
    headers: { ...JSON_TYPE, ...headers },
    json: { __type: code, message },
  });
  const arnOf = (request: AwsRequest, name: string) =>
    `arn:aws:secretsmanager:${request.region}:000000000000:secret:${name}-${Buffer.from(name).toString("hex").slice(0, 6)}`;
  // SecretId may be the name or the ARN this endpoint handed out.
  const nameOf = (request: AwsRequest, id: string) => {
    for (const name of secrets.keys()) if (arnOf(request, name) === id) return name;
    return id;
  };
  const notFound = () =>
    formatError({
      status: 400,
      code: "ResourceNotFoundException",
      message: "Secrets Manager can't find the specified secret.",
    });
  const ok = (json: unknown): AwsResponse => ({ headers: JSON_TYPE, json });

  return {
    signingName: "secretsmanager",
    secrets,
    formatError,
    operation(request) {
      const target = request.headers["x-amz-target"] ?? "";
      const operation = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : "";
      return ["GetSecretValue", "PutSecretValue", "CreateSecret", "DescribeSecret", "DeleteSecret"].includes(
        operation,
      )
        ? operation
        : undefined;
    },
    handle(operation, request) {
      const input = JSON.parse(request.body || "{}") as {
        SecretId?: string;
        Name?: string;
        SecretString?: string;
        KmsKeyId?: string;
      };
      if (operation === "CreateSecret") {
        const name = input.Name ?? "";
        if (secrets.has(name)) {
          return formatError({
            status: 400,
            code: "ResourceExistsException",
            message: `The operation failed because the secret ${name} already exists.`,
          });
        }
        const stored: StoredSecret = {
          value: input.SecretString ?? "",
          version: 1,
          createdAt: now(),
          lastChangedAt: now(),
          ...(input.KmsKeyId ? { kmsKeyId: input.KmsKeyId } : {}),
        };
        secrets.set(name, stored);
        return ok({ ARN: arnOf(request, name), Name: name, VersionId: "v1" });
      }
      const name = nameOf(request, input.SecretId ?? "");
      const existing = secrets.get(name);
      if (!existing) return notFound();
      if (operation === "GetSecretValue") {
        return ok({
          ARN: arnOf(request, name),
          Name: name,
          SecretString: existing.value,
          VersionId: `v${existing.version}`,
          VersionStages: ["AWSCURRENT"],
          CreatedDate: existing.lastChangedAt,
        });
      }
      if (operation === "PutSecretValue") {
        existing.value = input.SecretString ?? "";
        existing.version += 1;
        existing.lastChangedAt = now();
        return ok({
          ARN: arnOf(request, name),
          Name: name,
          VersionId: `v${existing.version}`,
          VersionStages: ["AWSCURRENT"],
        });
      }
      if (operation === "DescribeSecret") {
        return ok({
          ARN: arnOf(request, name),
          Name: name,
          CreatedDate: existing.createdAt,
          LastChangedDate: existing.lastChangedAt,
          VersionIdsToStages: { [`v${existing.version}`]: ["AWSCURRENT"] },
          ...(existing.kmsKeyId ? { KmsKeyId: existing.kmsKeyId } : {}),
        });
      }
      secrets.delete(name);
      return ok({ ARN: arnOf(request, name), Name: name, DeletionDate: now() });
    },
  };
}
