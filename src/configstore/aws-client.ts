// The one place an AWS SDK client's configuration is made: CodeArtifact, STS (role_arn), SSM, and
// any client added later. It takes the settings (region, endpoint, timeout, TLS verification,
// credentials) and the environment as values, and gives the SDK everything explicitly, so no client
// reads `process.env` on its own and no setting reaches one client but not another.
//
// It lives in configstore because the SSM (and later Secrets Manager) backends need it and configstore
// must not import codeartifact; it knows nothing of CodeArtifact tokens. Every SDK import is dynamic:
// a process that never talks to AWS never loads the SDK.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { FileRefusedError, readFileBounded } from "./text-file.js";

/** Seconds each attempt may take in total (connect, send, headers, body) when no timeout is set. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Attempts per call (the SDK's standard retry strategy: backoff, throttling, 5xx and timeouts retried). */
export const MAX_ATTEMPTS = 3;
/**
 * The largest answer read from AWS. The answers these clients get (a token of ~1 KB, a parameter of at
 * most 8 KB, a secret of at most 64 KB) are far smaller; a larger one is a wrong or hostile endpoint.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface AwsClientSettings {
  /**
   * The SDK's service id: `"codeartifact"`, `"sts"`, `"ssm"`, `"secrets manager"`. It names the
   * per-service endpoint variable (`AWS_ENDPOINT_URL_SECRETS_MANAGER`).
   */
  service: string;
  /** The environment the SDK would otherwise read from `process.env`. */
  env: NodeJS.ProcessEnv;
  /** Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region` in the AWS config file. */
  region?: string;
  /** Default: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then AWS's own endpoint. */
  endpoint?: string;
  /** Seconds one attempt may take in total, however slowly the answer trickles in. @default 10 */
  timeoutSeconds?: number;
  /** TLS verification: `true` (system CAs), `false` (none), or the path of a CA bundle. @default true */
  verify?: boolean | string;
  /** Credentials to use; default: the credential chain of `env` (see `awsCredentials`). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The AWS profile the default chain uses (instead of `AWS_PROFILE`). */
  profile?: string;
  /** @default 3 */
  maxAttempts?: number;
  /** @default 1 MiB */
  maxResponseBytes?: number;
}

/** A client configuration that every SDK v3 client constructor takes: `new SSMClient(config)`. */
export interface AwsClientConfig {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts: number;
  retryMode: "standard";
  requestHandler: BoundedHttpHandler;
  endpoint?: string;
  /** Endpoints come from `endpoint` or `env` only, never from the SDK's own read of `process.env`. */
  ignoreConfiguredEndpointUrls: true;
  useFipsEndpoint: boolean;
  useDualstackEndpoint: boolean;
}

/** An attempt's total time ran out (the SDK retries it, as it does a socket timeout). */
export class AttemptTimeoutError extends Error {
  override name = "TimeoutError";
  readonly code = "ETIMEDOUT";
  constructor(readonly seconds: number) {
    super(`no complete answer within ${seconds} s`);
  }
}

/** `verify` names a CA bundle that cannot be read. */
export class CaBundleError extends Error {
  override name = "CaBundleError";
}

/** The answer was larger than `maxResponseBytes` (not retried). */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  readonly code = "ERESPONSETOOLARGE";
  constructor(readonly limit: number) {
    super(`the answer is larger than ${limit} bytes`);
  }
}

/** The endpoint answered with a redirect, which the SDK does not follow (not retried). */
export class RedirectResponseError extends Error {
  override name = "RedirectResponseError";
  readonly code = "EREDIRECT";
  constructor(
    readonly status: number,
    /** Where it pointed: the origin only (no path or query from an untrusted header), or undefined. */
    readonly location: string | undefined,
  ) {
    super(`HTTP ${status} redirect${location ? ` to ${location}` : ""}`);
  }
}

/**
 * On Node < 22 the SDK prints a multi-line NodeVersionSupportWarning the first time a client is made:
 * a notice to whoever picks the SDK's version (this package's maintainers: the SDK is bundled into
 * dist/vendor/), which a program using this library or its CLI cannot act on. It is marked as already
 * shown in the SDK's own state, which in the bundle belongs to this package's copy of the SDK alone:
 * neither process.env nor an SDK the program loads itself is touched. Every client's configuration is
 * made here, before the client, so one call covers them all (and the clients credential providers make).
 */
async function quietSdkNotice(): Promise<void> {
  const { state } = await import("@aws-sdk/core/client");
  state.warningEmitted = true;
}

/**
 * The configuration for a client of `settings.service`, every part explicit.
 * @example
 * const { SSMClient } = await import("@aws-sdk/client-ssm");
 * const client = new SSMClient(await awsClientConfig({ service: "ssm", env, region: "eu-west-1", timeoutSeconds: 5 }));
 */
export async function awsClientConfig(settings: AwsClientSettings): Promise<AwsClientConfig> {
  const { env } = settings;
  const timeoutSeconds = settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const endpoint = settings.endpoint ?? endpointFromEnv(settings.service, env);
  const [credentials, , region, requestHandler] = await Promise.all([
    settings.credentials ?? awsCredentials(env, settings.profile),
    quietSdkNotice(),
    settings.region ?? regionFromEnv(env, settings.profile),
    boundedHttpHandler({
      timeoutSeconds,
      maxResponseBytes: settings.maxResponseBytes ?? MAX_RESPONSE_BYTES,
      ...(settings.verify !== undefined ? { verify: settings.verify } : {}),
    }),
  ]);
  return {
    region,
    credentials,
    maxAttempts: settings.maxAttempts ?? MAX_ATTEMPTS,
    retryMode: "standard",
    requestHandler,
    ...(endpoint ? { endpoint } : {}),
    ignoreConfiguredEndpointUrls: true,
    useFipsEndpoint: isTrue(env.AWS_USE_FIPS_ENDPOINT),
    useDualstackEndpoint: isTrue(env.AWS_USE_DUALSTACK_ENDPOINT),
  };
}

/** `AWS_ENDPOINT_URL_<SERVICE>` (the service id upper-cased, spaces as `_`), then `AWS_ENDPOINT_URL`. */
export function endpointFromEnv(service: string, env: NodeJS.ProcessEnv): string | undefined {
  const own = env[`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/ /g, "_")}`];
  return own || env.AWS_ENDPOINT_URL || undefined;
}

function isTrue(value: string | undefined): boolean {
  return value?.toLowerCase() === "true";
}

function awsFiles(env: NodeJS.ProcessEnv): { filepath: string; configFilepath: string } {
  const home = env.HOME || env.USERPROFILE || homedir();
  return {
    filepath: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"),
    configFilepath: env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
  };
}

async function regionFromEnv(env: NodeJS.ProcessEnv, profile: string | undefined): Promise<string> {
  const fromVariables = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (fromVariables) return fromVariables;
  const name = profile || env.AWS_PROFILE || "default";
  const region = (await profileOf(name, awsFiles(env)))?.region;
  if (region) return region;
  throw new Error(
    `no AWS region: set AWS_REGION, or \`region\` in profile \`${name}\` of the AWS config file`,
  );
}

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The SDK's default credential chain, fed from `env` instead of `process.env`: keys in the
 * environment (`AWS_ACCESS_KEY_ID`…) unless a profile is named, then the profile (`profile`, else
 * `AWS_PROFILE`, else `default`) from the AWS files `env` points at (SSO, `credential_process`,
 * roles included), web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`), then container
 * and instance metadata.
 *
 * Two corners of the SDK still read `process.env` and take no parameter: the SSO token cache
 * directory (`~/.aws/sso/cache` under `HOME`) and the container/instance metadata switches. In the
 * CLI the environment is `process.env`, so they agree.
 */
export async function awsCredentials(
  env: NodeJS.ProcessEnv,
  profile?: string,
): Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider> {
  const named = profile || env.AWS_PROFILE;
  if (!named && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
    };
  }
  const files = awsFiles(env);
  const name = named || "default";
  if (await isSsoProfile(name, files)) {
    // fromIni drops the file paths when it hands an SSO profile to fromSSO (it would read
    // process.env's AWS_CONFIG_FILE): an SSO profile goes to fromSSO directly.
    const { fromSSO } = await import("@aws-sdk/credential-provider-sso");
    return fromSSO({ profile: name, ...files, logger: quietLogger });
  }
  if (profile) {
    const { fromIni } = await import("@aws-sdk/credential-provider-ini");
    return fromIni({ profile, ...files, logger: quietLogger });
  }
  const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
  // A profile is always named, so the chain's own read of the environment's keys is skipped (the keys
  // of `env` were taken above); the quiet logger keeps the SDK's "multiple sources" warning off stderr.
  return defaultProvider({
    profile: name,
    ...files,
    ...(env.AWS_WEB_IDENTITY_TOKEN_FILE ? { webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE } : {}),
    ...(env.AWS_ROLE_ARN ? { roleArn: env.AWS_ROLE_ARN } : {}),
    ...(env.AWS_ROLE_SESSION_NAME ? { roleSessionName: env.AWS_ROLE_SESSION_NAME } : {}),
    logger: quietLogger,
  });
}

async function profileOf(
  name: string,
  files: { filepath: string; configFilepath: string },
): Promise<Record<string, string | undefined> | undefined> {
  try {
    const { loadSharedConfigFiles } = await import("@smithy/core/config");
    const { configFile } = await loadSharedConfigFiles({ ...files, ignoreCache: true });
    return configFile[name];
  } catch {
    return undefined;
  }
}

async function isSsoProfile(name: string, files: { filepath: string; configFilepath: string }) {
  const profile = await profileOf(name, files);
  return Boolean(profile?.sso_session || profile?.sso_start_url);
}

/** CA bundles are larger than config files (a full system bundle is ~220 KB); still bounded. */
const MAX_CA_BUNDLE_BYTES = 16 * 1024 * 1024;

function readCaBundle(path: string): Buffer {
  try {
    return readFileBounded(path, MAX_CA_BUNDLE_BYTES);
  } catch (error) {
    const code =
      error instanceof FileRefusedError
        ? error.what
        : ((error as NodeJS.ErrnoException).code ?? String(error));
    throw new CaBundleError(
      `\`verify = ${path}\`: the CA bundle cannot be read (${code}): check the path, or set \`verify = true\` to use the system's CAs`,
      { cause: error },
    );
  }
}

type HttpResponse = import("@smithy/protocol-http").HttpResponse;

/** The SDK's Node handler, with each attempt bounded in total time and answer size. */
export type BoundedHttpHandler = import("@smithy/protocol-http").HttpHandler<
  import("@smithy/node-http-handler").NodeHttpHandlerOptions
>;

async function boundedHttpHandler(options: {
  timeoutSeconds: number;
  maxResponseBytes: number;
  verify?: boolean | string;
}): Promise<BoundedHttpHandler> {
  const timeoutMs = options.timeoutSeconds * 1000;
  const tls =
    options.verify === false
      ? { rejectUnauthorized: false }
      : typeof options.verify === "string"
        ? { ca: readCaBundle(options.verify) }
        : undefined;
  const [{ NodeHttpHandler }, { Agent }, { Readable }] = await Promise.all([
    import("@smithy/node-http-handler"),
    import("node:https"),
    import("node:stream"),
  ]);
  const inner = new NodeHttpHandler({
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // Without this the SDK only logs a warning when the idle timeout passes.
    throwOnRequestTimeout: true,
    ...(tls ? { httpsAgent: new Agent({ keepAlive: true, ...tls }) } : {}),
  });
  return {
    async handle(request, handleOptions = {}) {
      // The SDK's own timeouts are per idle period: a byte every 0.4 s resets them forever. This
      // deadline covers the whole attempt, the body included.
      const controller = new AbortController();
      const outer = handleOptions.abortSignal as AbortSignal | undefined;
      const onOuterAbort = () => controller.abort(outer?.reason);
      if (outer?.aborted) controller.abort(outer.reason);
      outer?.addEventListener?.("abort", onOuterAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new AttemptTimeoutError(options.timeoutSeconds);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        const attempt = (async () => {
          const { response } = await inner.handle(request, { abortSignal: controller.signal });
          const status = response.statusCode;
          if (status >= 300 && status < 400) {
            destroyBody(response.body);
            throw new RedirectResponseError(status, originOf(response.headers.location));
          }
          const body = await readBounded(response, options.maxResponseBytes, controller.signal);
          response.body = Readable.from([body]);
          return { response };
        })();
        attempt.catch(() => {}); // settled by the race below; a late rejection is not unhandled
        return await Promise.race([attempt, deadline]);
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener?.("abort", onOuterAbort);
      }
    },
    updateHttpClientConfig: (key, value) => inner.updateHttpClientConfig(key, value),
    httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    destroy: () => inner.destroy(),
  };
}

function destroyBody(body: unknown): void {
  (body as Readable | undefined)?.destroy?.();
}

function originOf(location: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    return new URL(location).origin;
  } catch {
    return undefined;
  }
}

/** The whole body, or a `ResponseTooLargeError` as soon as it (or its Content-Length) passes `limit`. */
async function readBounded(response: HttpResponse, limit: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  const body = response.body as Readable | undefined;
  if (Number.isFinite(declared) && declared > limit) {
    destroyBody(body);
    throw new ResponseTooLargeError(limit);
  }
  if (!body || typeof body[Symbol.asyncIterator] !== "function") return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = () => destroyBody(body);
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const chunk of body) {
      if (signal.aborted) break;
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > limit) throw new ResponseTooLargeError(limit);
      chunks.push(buffer);
    }
  } finally {
    signal.removeEventListener("abort", stop);
    if (size > limit || signal.aborted) destroyBody(body);
  }
  if (signal.aborted) throw signal.reason ?? new AttemptTimeoutError(0);
  return Buffer.concat(chunks);
}
