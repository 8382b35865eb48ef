// Every failure of the config store is one of these: a stable `code` for programs, and a one-line
// message that names what is wrong and where (file:line, key, backend), then the fix. Messages name
// keys and files, never the values behind them: a value may be a secret.

/**
 * An error made for people and programs: a stable, machine-readable `code` and a one-line message.
 * The base of every error class in codeartifact-keyring, so callers can tell ours from the rest.
 */
export class CodedError extends Error {
  override name = "CodedError";
  /** Stable, machine-readable reason (`BACKEND_FAILED`, `ACCESS_DENIED`, …). */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(oneLine(message), options);
    this.code = code;
  }
}

/** Base class of every error thrown by `codeartifact-keyring/configstore`. */
export class ConfigStoreError extends CodedError {
  override name = "ConfigStoreError";
}

/** What a backend was doing when it failed. */
export type BackendOperation = "read" | "write" | "delete" | "list";

/**
 * A backend failed for real (not "not here"): the lookup stops. Names the backend and the key;
 * the original error is kept as `cause`.
 *
 * @example
 * // ssm: cannot read `DB_PASSWORD`: User is not authorized to perform ssm:GetParameter. Check …
 */
export class BackendError extends ConfigStoreError {
  override name = "BackendError";
  readonly backend: string;
  readonly key: string;

  constructor(
    backend: string,
    key: string,
    options: { operation?: BackendOperation; reason?: string; hint?: string; cause?: unknown } = {},
  ) {
    const reason = options.reason ?? causeMessage(options.cause);
    const hint = options.hint ? ` ${options.hint}` : "";
    super(
      "BACKEND_FAILED",
      `${backend}: cannot ${options.operation ?? "read"} \`${key}\`: ${reason}${hint}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.backend = backend;
    this.key = key;
  }
}

/** `require(key)` found the key in no backend. */
export class SettingNotFoundError extends ConfigStoreError {
  override name = "SettingNotFoundError";
  readonly key: string;
  /** Names of the backends asked, in order. */
  readonly tried: readonly string[];

  constructor(key: string, tried: readonly string[]) {
    const where = tried.length > 0 ? `looked in ${tried.join(", ")}` : "the store has no backends";
    super(
      "SETTING_NOT_FOUND",
      `\`${key}\` is not set (${where}). Set \`${key}\` in one of them, or give it a default.`,
    );
    this.key = key;
    this.tried = Object.freeze([...tried]);
  }
}

/** A value that does not parse as what the caller asked for (a boolean, …). */
export class InvalidValueError extends ConfigStoreError {
  override name = "InvalidValueError";
  readonly key: string | undefined;

  constructor(code: string, key: string | undefined, message: string) {
    super(code, message);
    this.key = key;
  }
}

/** A key that a backend cannot use at all (empty, not a string). */
export class InvalidKeyError extends ConfigStoreError {
  override name = "InvalidKeyError";
  readonly key: string;

  constructor(key: string, message: string) {
    super("INVALID_KEY", message);
    this.key = key;
  }
}

export type InterpolationErrorCode =
  | "INTERPOLATION_MISSING"
  | "INTERPOLATION_CYCLE"
  | "INTERPOLATION_SYNTAX"
  | "INTERPOLATION_TOO_LARGE";

/** A `${NAME}` reference that cannot be resolved: missing, part of a cycle, or malformed. */
export class InterpolationError extends ConfigStoreError {
  override name = "InterpolationError";
  /** The reference's name (`DB_PASSWORD`); for a syntax error, the name whose value holds it ("" at the top). */
  readonly reference: string;
  /** Where the reference stood in a config file (`database.url`), when known. */
  readonly keyPath: string | undefined;
  /** For a cycle: the names in order, first repeated at the end (`["a", "b", "a"]`). */
  readonly cycle: readonly string[] | undefined;

  constructor(
    code: InterpolationErrorCode,
    message: string,
    details: { reference: string; keyPath?: string | undefined; cycle?: readonly string[]; cause?: unknown },
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reference = details.reference;
    this.keyPath = details.keyPath;
    this.cycle = details.cycle ? Object.freeze([...details.cycle]) : undefined;
  }
}

export type ConfigFileErrorCode =
  | "CONFIG_PARSE"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_UNREADABLE"
  | "CONFIG_TOO_LARGE"
  | "CONFIG_UNKNOWN_FORMAT";

/** A config file that cannot be used. The message starts with `FILE:LINE: ` (or `FILE: `). */
export class ConfigFileError extends ConfigStoreError {
  override name = "ConfigFileError";
  readonly file: string;
  readonly line: number | undefined;

  constructor(
    code: ConfigFileErrorCode,
    file: string,
    line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, `${file}${line !== undefined ? `:${line}` : ""}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

/**
 * A secret would go into a file or directory that is not safely the user's: another user's file or
 * directory, a FIFO, device or socket, or a symlink planted in a shared sticky directory. Root gets
 * this too: ownership is the guard that permission bits are not for root.
 */
export class UnsafeFileError extends ConfigStoreError {
  override name = "UnsafeFileError";
  readonly file: string;

  constructor(file: string, reason: string, options?: ErrorOptions) {
    super("UNSAFE_FILE", `\`${file}\` ${reason}`, options);
    this.file = file;
  }
}

/** The first line of an error's message, for quoting a lower failure inside ours. */
export function causeMessage(cause: unknown): string {
  if (cause instanceof Error) return oneLine(cause.message || cause.name);
  if (cause === undefined) return "unknown error";
  return oneLine(String(cause));
}

function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
