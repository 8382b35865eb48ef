// SSM Parameter Store's awsJson1_1 wire protocol: `x-amz-target: AmazonSSM.<Operation>`, JSON in and
// out, errors as `{"__type": "...", "message": "..."}` with status 400.
import type { AwsErrorShape, AwsResponse, AwsService } from "./server.js";

export interface SsmParameter {
  value: string;
  type: "String" | "SecureString" | "StringList";
  version: number;
}

export function createSsmService(initial: Record<string, string> = {}): AwsService & {
  parameters: Map<string, SsmParameter>;
} {
  const parameters = new Map<string, SsmParameter>(
    Object.entries(initial).map(([name, value]) => [name, { value, type: "SecureString", version: 1 }]),
  );
  const formatError = ({ status, code, message, headers }: AwsErrorShape): AwsResponse => ({
    status,
    headers: { "content-type": "application/x-amz-json-1.1", ...headers },
    json: { __type: code, message },
  });
  const notFound = (name: string) => formatError({ status: 400, code: "ParameterNotFound", message: name });

  return {
    signingName: "ssm",
    parameters,
    formatError,
    operation(request) {
      const target = request.headers["x-amz-target"] ?? "";
      const operation = target.startsWith("AmazonSSM.") ? target.slice("AmazonSSM.".length) : "";
      return ["GetParameter", "PutParameter", "DeleteParameter"].includes(operation) ? operation : undefined;
    },
    handle(operation, request) {
      const input = JSON.parse(request.body || "{}") as {
        Name?: string;
        Value?: string;
        Type?: string;
        Overwrite?: boolean;
      };
      const name = input.Name ?? "";
      const existing = parameters.get(name);
      if (operation === "GetParameter") {
        if (!existing) return notFound(name);
        return {
          headers: { "content-type": "application/x-amz-json-1.1" },
          json: {
            Parameter: {
              Name: name,
              Type: existing.type,
              Value: existing.value,
              Version: existing.version,
              ARN: `arn:aws:ssm:${request.region}:000000000000:parameter${name.startsWith("/") ? "" : "/"}${name}`,
              DataType: "text",
              LastModifiedDate: Date.now() / 1000,
            },
          },
        };
      }
      if (operation === "PutParameter") {
        if (existing && !input.Overwrite) {
          return formatError({ status: 400, code: "ParameterAlreadyExists", message: name });
        }
        const version = (existing?.version ?? 0) + 1;
        parameters.set(name, {
          value: input.Value ?? "",
          type: (input.Type as SsmParameter["type"]) ?? "SecureString",
          version,
        });
        return {
          headers: { "content-type": "application/x-amz-json-1.1" },
          json: { Version: version, Tier: "Standard" },
        };
      }
      if (!existing) return notFound(name);
      parameters.delete(name);
      return { headers: { "content-type": "application/x-amz-json-1.1" }, json: {} };
    },
  };
}
