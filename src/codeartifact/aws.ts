// The only module that talks to AWS. Every SDK import is dynamic, so a process that is served from
// the cache never loads the SDK (it costs more than Node's own start-up).
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import {
  awsClientConfig,
  awsCredentials,
  CaBundleError,
  DEFAULT_TIMEOUT_SECONDS,
  endpointFromEnv,
  RedirectResponseError,
  ResponseTooLargeError,
} from "../configstore/aws-client.js";
import { Secret } from "../configstore/secret.js";
import {
  AccessDeniedError,
  CodeArtifactError,
  ConfigError,
  DomainNotFoundError,
  EndpointTimeoutError,
  EndpointUnreachableError,
  InvalidDurationError,
  InvalidTokenError,
  NoCredentialsError,
  ServiceError,
  SsoSessionExpiredError,
  ThrottledError,
} from "./errors.js";
import type { RegistryTarget } from "./registry-url.js";
import type { Identity } from "./resolve.js";
import type { Settings } from "./settings.js";
import { EXPIRY_SKEW_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, tokenProblem } from "./token-rule.js";

export interface FetchedToken {
  token: Secret;
  expiresAt: Date;
}

interface Context {
  target: RegistryTarget;
  identity: Identity;
  endpoint: string | undefined;
  timeoutSeconds: number;
  /** The service called, for messages. @default CodeArtifact */
  service?: { name: string; host: string };
}

/** What every client of this module shares: `timeout`, `verify` and the environment. */
function clientSettings(settings: Settings, env: NodeJS.ProcessEnv) {
  return {
    env,
    ...(settings.timeout !== undefined ? { timeoutSeconds: settings.timeout } : {}),
    ...(settings.verify !== undefined ? { verify: settings.verify } : {}),
  };
}

/** Base credentials, then `role_arn` assumed on top when set. */
export async function credentialProvider(
  settings: Settings,
  identity: Identity,
  target: RegistryTarget,
  env: NodeJS.ProcessEnv,
): Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider> {
  const { region } = target;
  let base: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  if (settings.accessKeyId && settings.secretAccessKey) {
    base = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey.reveal(),
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken.reveal() } : {}),
    };
  } else {
    base = await awsCredentials(env, settings.profile);
  }
  if (!settings.roleArn) return base;
  const roleArn = settings.roleArn;
  const [{ STSClient, AssumeRoleCommand }, config] = await Promise.all([
    import("@aws-sdk/client-sts"),
    // `endpoint_url` is CodeArtifact's: STS takes its endpoint from AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL.
    awsClientConfig({ service: "sts", region, credentials: base, ...clientSettings(settings, env) }),
  ]);
  const sts = new STSClient(config);
  const stsContext: Context = {
    target,
    identity,
    endpoint: typeof config.endpoint === "string" ? config.endpoint : undefined,
    timeoutSeconds: settings.timeout ?? DEFAULT_TIMEOUT_SECONDS,
    service: { name: "STS", host: `sts.${region}.amazonaws.com` },
  };
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
      // Translated here, so the CodeArtifact client does not retry an STS failure that STS's own
      // client already retried (3 × 3 attempts), and the message names STS.
      throw translateAwsError(error, stsContext);
    }
  };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0] ?? "";
}

function hostOf(endpoint: string | undefined, target: RegistryTarget, service?: Context["service"]): string {
  if (endpoint) {
    try {
      return new URL(endpoint).host;
    } catch {
      return endpoint;
    }
  }
  return service?.host ?? `codeartifact.${target.region}.amazonaws.com`;
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
  const host = hostOf(context.endpoint, target, context.service);
  const service = context.service?.name ?? "CodeArtifact";

  if (error instanceof CaBundleError)
    return new ConfigError(undefined, undefined, error.message, { cause: error });
  if (error instanceof ResponseTooLargeError) {
    return new ServiceError(
      "BAD_RESPONSE",
      `the answer from ${host} is larger than ${error.limit / 1024} KiB: it is not CodeArtifact's; check \`endpoint_url\` / AWS_ENDPOINT_URL and the proxy`,
      { cause: error },
    );
  }
  if (error instanceof RedirectResponseError) {
    return new ServiceError(
      "BAD_RESPONSE",
      `${host} answered with a redirect (HTTP ${error.status}${error.location ? ` to ${error.location}` : ""}), which is not followed: point \`endpoint_url\` / AWS_ENDPOINT_URL at the service itself, or check the proxy`,
      { cause: error },
    );
  }
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
      `${service} at ${host} answered HTTP ${status} (${name})${attempts ? ` after ${attempts} attempts` : ""}: the service is having trouble; try again shortly`,
      { cause: error },
    );
  }
  if (
    /Deserialization error|Unexpected token|JSON/i.test(message) ||
    (e.$retryable === undefined && status === 200)
  ) {
    return new ServiceError(
      "BAD_RESPONSE",
      `${service} at ${host} sent an answer that is not valid JSON: check \`endpoint_url\` / AWS_ENDPOINT_URL points at CodeArtifact`,
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
  options: { now?: () => Date; env?: NodeJS.ProcessEnv; onWarning?: (message: string) => void } = {},
): Promise<FetchedToken> {
  const env = options.env ?? process.env;
  const context: Context = {
    target,
    identity,
    endpoint: settings.endpointUrl ?? endpointFromEnv("codeartifact", env),
    timeoutSeconds: settings.timeout ?? DEFAULT_TIMEOUT_SECONDS,
  };
  let out: { authorizationToken?: string; expiration?: Date };
  try {
    const [{ CodeartifactClient, GetAuthorizationTokenCommand }, credentials] = await Promise.all([
      import("@aws-sdk/client-codeartifact"),
      credentialProvider(settings, identity, target, env),
    ]);
    const client = new CodeartifactClient(
      await awsClientConfig({
        service: "codeartifact",
        region: target.region,
        credentials,
        ...(context.endpoint ? { endpoint: context.endpoint } : {}),
        ...clientSettings(settings, env),
      }),
    );
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
  if (out.authorizationToken === undefined || out.authorizationToken === "") {
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
  const problem = tokenProblem(out.authorizationToken);
  if (problem) {
    throw new InvalidTokenError(
      `CodeArtifact at ${host} sent a token that cannot be one (${problem}): nothing was cached or printed; check \`endpoint_url\` / AWS_ENDPOINT_URL points at CodeArtifact`,
    );
  }
  return {
    token: new Secret(out.authorizationToken),
    expiresAt: clampExpiry(out.expiration, now, host, options.onWarning),
  };
}

/**
 * CodeArtifact never issues a token for more than 12 h: a later expiry (a broken or hostile endpoint,
 * a wrong clock) is cut to 12 h from now, so it is never cached "valid until 2126".
 */
function clampExpiry(
  expiresAt: Date,
  now: Date,
  host: string,
  onWarning: ((message: string) => void) | undefined,
): Date {
  const latest = now.getTime() + (MAX_TOKEN_LIFETIME_SECONDS + EXPIRY_SKEW_SECONDS) * 1000;
  if (expiresAt.getTime() <= latest) return expiresAt;
  const clamped = new Date(now.getTime() + MAX_TOKEN_LIFETIME_SECONDS * 1000);
  onWarning?.(
    `CodeArtifact at ${host} said the token expires at ${expiresAt.toISOString()}, more than 12 h from now: using ${clamped.toISOString()} instead (check this machine's clock and \`endpoint_url\`)`,
  );
  return clamped;
}
