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

export class InvalidDurationError extends CodeArtifactError {
  override name = "InvalidDurationError";
  constructor(message: string) {
    super("INVALID_DURATION", message);
  }
}

export class NoCredentialsError extends CodeArtifactError {
  override name = "NoCredentialsError";
  constructor(message: string, options?: ErrorOptions) {
    super("NO_CREDENTIALS", message, options);
  }
}

export class SsoSessionExpiredError extends CodeArtifactError {
  override name = "SsoSessionExpiredError";
  constructor(message: string, options?: ErrorOptions) {
    super("SSO_SESSION_EXPIRED", message, options);
  }
}

export class AccessDeniedError extends CodeArtifactError {
  override name = "AccessDeniedError";
  constructor(message: string, options?: ErrorOptions) {
    super("ACCESS_DENIED", message, options);
  }
}

export class DomainNotFoundError extends CodeArtifactError {
  override name = "DomainNotFoundError";
  constructor(message: string, options?: ErrorOptions) {
    super("DOMAIN_NOT_FOUND", message, options);
  }
}

export class ThrottledError extends CodeArtifactError {
  override name = "ThrottledError";
  constructor(message: string, options?: ErrorOptions) {
    super("THROTTLED", message, options);
  }
}

export class EndpointUnreachableError extends CodeArtifactError {
  override name = "EndpointUnreachableError";
  constructor(message: string, options?: ErrorOptions) {
    super("ENDPOINT_UNREACHABLE", message, options);
  }
}

export class EndpointTimeoutError extends CodeArtifactError {
  override name = "EndpointTimeoutError";
  constructor(message: string, options?: ErrorOptions) {
    super("ENDPOINT_TIMEOUT", message, options);
  }
}

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
