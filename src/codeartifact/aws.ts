// The only module that talks to AWS. Every SDK import is dynamic, so a process that is served from
// the cache never loads the SDK (it costs more than Node's own start-up).
import { readFileSync } from "node:fs";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { Secret } from "../configstore/secret.js";
import {
  AccessDeniedError,
  CodeArtifactError,
  ConfigError,
  DomainNotFoundError,
  EndpointTimeoutError,
  EndpointUnreachableError,
  InvalidDurationError,
  NoCredentialsError,
  ServiceError,
  SsoSessionExpiredError,
  ThrottledError,
} from "./errors.js";
import type { RegistryTarget } from "./registry-url.js";
import type { Identity } from "./resolve.js";
import type { Settings } from "./settings.js";

/** Seconds each attempt may take when `timeout` is not set. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Attempts per call (the SDK's standard retry strategy: backoff, throttling and 5xx retried). */
export const MAX_ATTEMPTS = 3;

export interface FetchedToken {
  token: Secret;
  expiresAt: Date;
}

interface Context {
  target: RegistryTarget;
  identity: Identity;
  endpoint: string | undefined;
  timeoutSeconds: number;
}

function httpOptions(settings: Settings) {
  const timeoutMs = (settings.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  return import("node:https").then(({ Agent }) => {
    const tls =
      settings.verify === false
        ? { rejectUnauthorized: false }
        : typeof settings.verify === "string"
          ? { ca: readCaBundle(settings.verify) }
          : undefined;
    return {
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Without this the SDK only logs a warning when the timeout passes, and a hung endpoint hangs us.
      throwOnRequestTimeout: true,
      ...(tls ? { httpsAgent: new Agent({ keepAlive: true, ...tls }) } : {}),
    };
  });
}

function readCaBundle(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      undefined,
      undefined,
      `\`verify = ${path}\`: the CA bundle cannot be read (${code}): check the path, or set \`verify = true\` to use the system's CAs`,
      { cause: error },
    );
  }
}

/** Base credentials, then `role_arn` assumed on top when set. */
async function credentialProvider(
  settings: Settings,
  identity: Identity,
  region: string,
): Promise<AwsCredentialIdentityProvider> {
  let base: AwsCredentialIdentityProvider;
  if (settings.accessKeyId && settings.secretAccessKey) {
    const credentials: AwsCredentialIdentity = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey.reveal(),
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken.reveal() } : {}),
    };
    base = async () => credentials;
  } else if (settings.profile) {
    const { fromIni } = await import("@aws-sdk/credential-provider-ini");
    base = fromIni({ profile: settings.profile });
  } else {
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
    base = defaultProvider();
  }
  if (!settings.roleArn) return base;
  const roleArn = settings.roleArn;
  const { STSClient, AssumeRoleCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({ region, credentials: base, maxAttempts: MAX_ATTEMPTS });
  return async () => {
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: settings.roleSessionName ?? "codeartifact-keyring",
          ...(settings.externalId ? { ExternalId: settings.externalId } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "AccessDenied" || name === "AccessDeniedException") {
        throw new AccessDeniedError(
          `cannot assume role ${roleArn} as ${identity.baseDescription ?? identity.description}: check the role's trust policy${settings.externalId ? " and external_id" : ""} (AWS said: ${firstLine(error)})`,
          { cause: error },
        );
      }
      throw error;
    }
  };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}

function hostOf(endpoint: string | undefined, target: RegistryTarget): string {
  if (endpoint) {
    try {
      return new URL(endpoint).host;
    } catch {
      return endpoint;
    }
  }
  return `codeartifact.${target.region}.amazonaws.com`;
}

/** Turns an SDK or network failure into one of our errors: one line, naming what and the fix. */
export function translateAwsError(error: unknown, context: Context): CodeArtifactError {
  if (error instanceof CodeArtifactError) return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $retryable?: unknown;
  };
  const { target, identity } = context;
  const name = e.name ?? "";
  const message = e.message ?? String(error);
  const code = e.code ?? (error as { cause?: { code?: string } })?.cause?.code ?? "";
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const registry = `${target.domain} (${target.domainOwner}, ${target.region})`;
  const host = hostOf(context.endpoint, target);

  if (
    /SSO session .* (has )?expired|Token is expired|sso.*refresh|The SSO session associated with this profile/i.test(
      message,
    )
  ) {
    const profile = identity.profile ?? "PROFILE";
    return new SsoSessionExpiredError(
      `the AWS SSO session for profile \`${profile}\` has expired: run \`aws sso login --profile ${profile}\` and try again`,
      { cause: error },
    );
  }
  if (
    name === "CredentialsProviderError" ||
    /Could not load credentials|Could not resolve credentials/i.test(message)
  ) {
    const tried =
      identity.kind === "profile"
        ? `profile \`${identity.profile}\``
        : `the default chain (environment, ~/.aws files, SSO, web identity, container and instance metadata${identity.profile ? `; AWS_PROFILE=${identity.profile}` : ""})`;
    return new NoCredentialsError(
      `no AWS credentials for ${registry}: tried ${tried}. Configure them (\`aws configure\`, \`aws sso login\`) or set \`profile_name\` in the config (${firstLine(error)})`,
      { cause: error },
    );
  }
  if (
    name === "AccessDeniedException" ||
    (status === 403 && /not authorized|AccessDenied/i.test(`${name} ${message}`))
  ) {
    return new AccessDeniedError(
      `access denied for ${identity.description} on domain ${registry}: the identity needs \`codeartifact:GetAuthorizationToken\` on the domain and \`sts:GetServiceBearerToken\``,
      { cause: error },
    );
  }
  if (
    [
      "InvalidSignatureException",
      "UnrecognizedClientException",
      "SignatureDoesNotMatch",
      "InvalidClientTokenId",
    ].includes(name)
  ) {
    return new NoCredentialsError(
      `AWS rejected the credentials of ${identity.description} (${name}): check the access key and secret, or refresh the session`,
      { cause: error },
    );
  }
  if (name === "ExpiredTokenException" || name === "ExpiredToken") {
    return new NoCredentialsError(
      `the AWS session of ${identity.description} has expired: refresh the credentials (for SSO: \`aws sso login\`) and try again`,
      { cause: error },
    );
  }
  if (name === "ResourceNotFoundException") {
    return new DomainNotFoundError(
      `domain \`${target.domain}\` owned by ${target.domainOwner} was not found in ${target.region}: check the registry URL (domain, owner and region) or the config's coordinates`,
      { cause: error },
    );
  }
  if (name === "ThrottlingException" || status === 429) {
    return new ThrottledError(
      `CodeArtifact throttled the token request for ${registry}${attempts ? ` after ${attempts} attempts` : ""}: wait a moment and retry, or share one token per domain (it is valid for every repository)`,
      { cause: error },
    );
  }
  if (name === "ValidationException" && /duration/i.test(message)) {
    return new InvalidDurationError(
      `CodeArtifact refused the token duration: ${firstLine(error)}. Use 0 or 900 to 43200 seconds`,
    );
  }
  if (name === "TimeoutError" || code === "ETIMEDOUT" || /timed? ?out/i.test(message)) {
    return new EndpointTimeoutError(
      `no answer from ${host} within ${context.timeoutSeconds} s${attempts ? ` (${attempts} attempts)` : ""}: check the network or proxy, or raise the \`timeout\` setting`,
      { cause: error },
    );
  }
  if (
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"].includes(
      code,
    )
  ) {
    return new EndpointUnreachableError(
      `cannot reach ${host} (${code}): check the network, proxy or VPC endpoint${context.endpoint ? `, and the endpoint \`${context.endpoint}\`` : ""}`,
      { cause: error },
    );
  }
  if (status !== undefined && status >= 500) {
    return new ServiceError(
      "SERVICE_UNAVAILABLE",
      `CodeArtifact at ${host} answered HTTP ${status} (${name})${attempts ? ` after ${attempts} attempts` : ""}: the service is having trouble; try again shortly`,
      { cause: error },
    );
  }
  if (
    /Deserialization error|Unexpected token|JSON/i.test(message) ||
    (e.$retryable === undefined && status === 200)
  ) {
    return new ServiceError(
      "BAD_RESPONSE",
      `CodeArtifact at ${host} sent an answer that is not valid JSON: check \`endpoint_url\` / AWS_ENDPOINT_URL points at CodeArtifact`,
      { cause: error },
    );
  }
  return new ServiceError(
    "AWS_ERROR",
    `GetAuthorizationToken for ${registry} failed: ${name ? `${name}: ` : ""}${firstLine(error)}`,
    {
      cause: error,
    },
  );
}

/**
 * Calls GetAuthorizationToken for the target's domain with the configured identity.
 * @throws {CodeArtifactError} one of the typed errors (`translateAwsError`).
 */
export async function fetchAuthorizationToken(
  target: RegistryTarget,
  settings: Settings,
  identity: Identity,
  options: { now?: () => Date } = {},
): Promise<FetchedToken> {
  const endpoint = settings.endpointUrl;
  const context: Context = {
    target,
    identity,
    endpoint: endpoint ?? process.env.AWS_ENDPOINT_URL_CODEARTIFACT ?? process.env.AWS_ENDPOINT_URL,
    timeoutSeconds: settings.timeout ?? DEFAULT_TIMEOUT_SECONDS,
  };
  let out: { authorizationToken?: string; expiration?: Date };
  try {
    const [{ CodeartifactClient, GetAuthorizationTokenCommand }, credentials, requestHandler] =
      await Promise.all([
        import("@aws-sdk/client-codeartifact"),
        credentialProvider(settings, identity, target.region),
        httpOptions(settings),
      ]);
    const client = new CodeartifactClient({
      region: target.region,
      credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler,
      ...(endpoint ? { endpoint } : {}),
    });
    try {
      out = await client.send(
        new GetAuthorizationTokenCommand({
          domain: target.domain,
          domainOwner: target.domainOwner,
          ...(settings.tokenDuration !== undefined ? { durationSeconds: settings.tokenDuration } : {}),
        }),
      );
    } finally {
      client.destroy();
    }
  } catch (error) {
    throw translateAwsError(error, context);
  }
  const host = hostOf(context.endpoint, target);
  if (!out.authorizationToken) {
    throw new ServiceError(
      "BAD_RESPONSE",
      `CodeArtifact at ${host} answered without a token: try again; if it persists, check \`endpoint_url\``,
    );
  }
  if (!(out.expiration instanceof Date) || Number.isNaN(out.expiration.getTime())) {
    throw new ServiceError(
      "BAD_RESPONSE",
      `CodeArtifact at ${host} answered without a token expiration: try again; if it persists, check \`endpoint_url\``,
    );
  }
  const now = options.now?.() ?? new Date();
  if (out.expiration.getTime() <= now.getTime()) {
    throw new ServiceError(
      "TOKEN_ALREADY_EXPIRED",
      `CodeArtifact at ${host} issued a token that expired at ${out.expiration.toISOString()}: check this machine's clock (now ${now.toISOString()})`,
    );
  }
  return { token: new Secret(out.authorizationToken), expiresAt: out.expiration };
}
