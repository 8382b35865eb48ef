import type { SSMClient } from "@aws-sdk/client-ssm";
import { awsClientConfig } from "../aws-client.js";
import { BackendError, type BackendOperation } from "../errors.js";
import type { WritableBackend } from "../types.js";

export interface SsmOptions {
  /**
   * The parameter path the keys live under, joined to the key with exactly one `/`:
   * prefix `/app/prod` (or `/app/prod/`) and key `DB_PASSWORD` read `/app/prod/DB_PASSWORD`.
   * An empty prefix uses keys as full names.
   */
  prefix: string;
  /** @default AWS_REGION, AWS_DEFAULT_REGION, then the profile's region in the AWS config file of `env` */
  region?: string;
  /** A custom endpoint (a VPC endpoint, a test server). @default AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL */
  endpoint?: string;
  /** @default the SDK's default credential chain, fed from `env` */
  credentials?: SsmCredentials | (() => Promise<SsmCredentials>);
  /** The environment the AWS settings are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Seconds each attempt may take in total (3 attempts). @default 10 */
  timeoutSeconds?: number;
  /** TLS verification: true, false, or a CA bundle path. @default true */
  verify?: boolean | string;
  /**
   * A client to use instead of creating one (then region, endpoint and credentials are ignored): an
   * `SSMClient` of @aws-sdk/client-ssm. Typed by shape, so the published types need no AWS SDK.
   */
  client?: { send(command: never): Promise<unknown> };
}

/** AWS credentials, as the SDK takes them. */
export interface SsmCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

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
  let session: Promise<{ client: SSMClient; sdk: typeof import("@aws-sdk/client-ssm") }> | undefined;
  const connect = () => {
    if (!session) {
      session = import("@aws-sdk/client-ssm").then(async (sdk) => ({
        sdk,
        client:
          (options.client as SSMClient | undefined) ??
          new sdk.SSMClient(
            await awsClientConfig({
              service: "ssm",
              env: options.env ?? process.env,
              ...(options.region !== undefined ? { region: options.region } : {}),
              ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
              ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
              ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
              ...(options.verify !== undefined ? { verify: options.verify } : {}),
            }),
          ),
      }));
      // A failed import or client creation is not kept: the next call tries again.
      session.catch(() => {
        session = undefined;
      });
    }
    return session;
  };
  const nameOf = (key: string) => parameterName(options.prefix, key);
  const fail = (key: string, operation: BackendOperation, error: unknown, secret?: string) => {
    const name = nameOf(key);
    const described = describe(error);
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
export function parameterName(prefix: string, key: string): string {
  if (prefix === "") return key;
  return `${prefix.replace(/\/+$/, "")}/${key.replace(/^\/+/, "")}`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message && error.message !== error.name ? `: ${error.message}` : "";
  return `${error.name}${message}`.replace(/\s*[\r\n]+\s*/g, " ");
}

/** AWS validation messages may echo the value sent; never let it into our message. */
function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join("[redacted]") : message;
}
