// Every failure of the CodeArtifact layer is one of these: a stable `code` for programs, and a
// one-line message that names what is wrong, where, and ends with the fix.
import { CodedError } from "../configstore/errors.js";

export class CodeArtifactError extends CodedError {
  override name = "CodeArtifactError";
}

/** A URL that looks like a CodeArtifact endpoint but breaks the service's rules. */
export class InvalidRegistryUrlError extends CodeArtifactError {
  override name = "InvalidRegistryUrlError";
  constructor(
    readonly url: string,
    message: string,
  ) {
    super("INVALID_REGISTRY_URL", message);
  }
}

/** Explicit coordinates (flags or config) that break the service's name rules. */
export class InvalidCoordinatesError extends CodeArtifactError {
  override name = "InvalidCoordinatesError";
  constructor(message: string) {
    super("INVALID_COORDINATES", message);
  }
}

/** A config file the tool cannot use: names the file and, where known, the line. */
export class ConfigError extends CodeArtifactError {
  override name = "ConfigError";
  constructor(
    readonly file: string | undefined,
    readonly line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super("CONFIG_INVALID", `${file ? `${file}${line ? `:${line}` : ""}: ` : ""}${message}`, options);
  }
}

/**
 * A subclass of `CodeArtifactError` with a fixed code, for the failures that differ only in name and
 * code: `new NoCredentialsError(message, { cause })`, `error instanceof NoCredentialsError`.
 */
function withCode<Code extends string>(name: string, code: Code) {
  const ErrorWithCode = class extends CodeArtifactError {
    constructor(message: string, options?: ErrorOptions) {
      super(code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(ErrorWithCode, "name", { value: name });
  return ErrorWithCode;
}

/** `token_duration` or `--duration` outside 0 or 900..43200 seconds. */
export const InvalidDurationError = withCode("InvalidDurationError", "INVALID_DURATION");
export type InvalidDurationError = InstanceType<typeof InvalidDurationError>;
/** No credentials could be found (names the profile or chain tried), or AWS rejected them. */
export const NoCredentialsError = withCode("NoCredentialsError", "NO_CREDENTIALS");
export type NoCredentialsError = InstanceType<typeof NoCredentialsError>;
/** The SSO session behind the profile has expired: `aws sso login --profile X`. */
export const SsoSessionExpiredError = withCode("SsoSessionExpiredError", "SSO_SESSION_EXPIRED");
export type SsoSessionExpiredError = InstanceType<typeof SsoSessionExpiredError>;
/** The identity may not get a token for the domain (or may not assume the role). */
export const AccessDeniedError = withCode("AccessDeniedError", "ACCESS_DENIED");
export type AccessDeniedError = InstanceType<typeof AccessDeniedError>;
/** The domain does not exist for that owner and region. */
export const DomainNotFoundError = withCode("DomainNotFoundError", "DOMAIN_NOT_FOUND");
export type DomainNotFoundError = InstanceType<typeof DomainNotFoundError>;
/** CodeArtifact kept throttling after the SDK's retries. */
export const ThrottledError = withCode("ThrottledError", "THROTTLED");
export type ThrottledError = InstanceType<typeof ThrottledError>;
/** The endpoint could not be reached (refused, unknown host, reset). */
export const EndpointUnreachableError = withCode("EndpointUnreachableError", "ENDPOINT_UNREACHABLE");
export type EndpointUnreachableError = InstanceType<typeof EndpointUnreachableError>;
/** The endpoint did not answer within the `timeout` setting. */
export const EndpointTimeoutError = withCode("EndpointTimeoutError", "ENDPOINT_TIMEOUT");
export type EndpointTimeoutError = InstanceType<typeof EndpointTimeoutError>;

/** A token (from AWS, the environment, the config) that breaks the token rule (`token-rule.ts`). */
export const InvalidTokenError = withCode("InvalidTokenError", "INVALID_TOKEN");
export type InvalidTokenError = InstanceType<typeof InvalidTokenError>;
/** `CODEARTIFACT_AUTH_TOKEN` or `auth_token` has expired, expires within the margin, or before `min_valid`. */
export const PresetTokenExpiredError = withCode("PresetTokenExpiredError", "PRESET_TOKEN_EXPIRED");
export type PresetTokenExpiredError = InstanceType<typeof PresetTokenExpiredError>;
/** Even a new token would not stay valid for `min_valid`. */
export const MinValidUnreachableError = withCode("MinValidUnreachableError", "MIN_VALID_UNREACHABLE");
export type MinValidUnreachableError = InstanceType<typeof MinValidUnreachableError>;

/** The service answered, but not with a usable token (5xx after retries, malformed or expired answer). */
export class ServiceError extends CodeArtifactError {
  override name = "ServiceError";
  constructor(
    code: "SERVICE_UNAVAILABLE" | "BAD_RESPONSE" | "TOKEN_ALREADY_EXPIRED" | "AWS_ERROR",
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}
