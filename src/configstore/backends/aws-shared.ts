// What the AWS-backed backends (SSM Parameter Store, Secrets Manager) share: a client made on first
// use from a lazily imported SDK through the one client factory (aws-client.ts), and AWS error
// messages made safe to quote.
import { awsClientConfig } from "../aws-client.js";

/** AWS credentials, as the SDK takes them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How an AWS-backed backend reaches its service. */
export interface AwsClientOptions {
  /** @default AWS_REGION, AWS_DEFAULT_REGION, then the profile's region in the AWS config file of `env` */
  region?: string;
  /** A custom endpoint (a VPC endpoint, a test server). @default AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL */
  endpoint?: string;
  /** @default the SDK's default credential chain, fed from `env` */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The environment the AWS settings are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Seconds each attempt may take in total (3 attempts). @default 10 */
  timeoutSeconds?: number;
  /** TLS verification: true, false, or a CA bundle path. @default true */
  verify?: boolean | string;
  /**
   * A client to use instead of creating one (then region, endpoint and credentials are ignored).
   * Typed by shape, so the published types need no AWS SDK.
   */
  client?: { send(command: never): Promise<unknown> };
}

/**
 * The SDK module and one client of `service` (the SDK's service id: `ssm`, `secrets manager`),
 * configured by `awsClientConfig`, loaded on the first call only. A failed import or client creation
 * is not kept: the next call tries again.
 * @internal Left out of the published types: its signature names the SDK's own types (through
 * `awsClientConfig`), which a program using the library does not install.
 */
export function lazyClient<Sdk, Client>(
  service: string,
  load: () => Promise<Sdk>,
  create: (sdk: Sdk, config: Awaited<ReturnType<typeof awsClientConfig>>) => Client,
  options: AwsClientOptions,
): () => Promise<{ sdk: Sdk; client: Client }> {
  let session: Promise<{ sdk: Sdk; client: Client }> | undefined;
  return () => {
    if (!session) {
      session = load().then(async (sdk) => ({
        sdk,
        client:
          (options.client as Client | undefined) ??
          create(
            sdk,
            await awsClientConfig({
              service,
              env: options.env ?? process.env,
              ...(options.region !== undefined ? { region: options.region } : {}),
              ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
              ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
              ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
              ...(options.verify !== undefined ? { verify: options.verify } : {}),
            }),
          ),
      }));
      session.catch(() => {
        session = undefined;
      });
    }
    return session;
  };
}

/** `Name: message` of an AWS error, on one line. */
export function describeAwsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message && error.message !== error.name ? `: ${error.message}` : "";
  return `${error.name}${message}`.replace(/\s*[\r\n]+\s*/g, " ");
}

/** AWS validation messages may echo the value sent; never let it into our message. */
export function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join("[redacted]") : message;
}

/** `prefix` and `key` joined with exactly one `/`; an empty prefix leaves the key as it is. */
export function joinName(prefix: string, key: string): string {
  if (prefix === "") return key;
  return `${prefix.replace(/\/+$/, "")}/${key.replace(/^\/+/, "")}`;
}
