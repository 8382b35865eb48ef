// Every failure of the package-managers layer is one of these: a stable `code` for programs and a
// one-line message that says what is wrong, where (file:line), and ends with the fix. Messages never
// carry a token: at most the registry's nerf dart and the kind of character that was refused.

import { CodedError } from "../configstore/errors.js";

/** Base class of this layer's errors; `code` is stable, `message` is one line. */
export class PackageManagerError extends CodedError {
  override name = "PackageManagerError";
  declare readonly code: PackageManagerErrorCode;
  constructor(code: PackageManagerErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The stable codes of {@link PackageManagerError}. */
export type PackageManagerErrorCode =
  /** A token would go into a file that git tracks. */
  | "GIT_TRACKED_TARGET"
  /** A token would go into an untracked file that git does not ignore (`git add .` would commit it). */
  | "GIT_UNIGNORED_TARGET"
  /** git cannot say whether it would commit the file (an error, dubious ownership, git missing while a `.git` exists): refused. */
  | "GIT_STATE_UNKNOWN"
  /** An .npmrc that cannot be edited safely (not UTF-8, NUL bytes, not a regular file). */
  | "NPMRC_INVALID"
  /** A value that npm's .npmrc parser would read back differently from what was written. */
  | "NPMRC_UNSAFE_VALUE"
  /** A .yarnrc.yml that is not valid YAML or not shaped as yarn expects. */
  | "YARNRC_INVALID"
  /** A pnpm-workspace.yaml, pnpm config.yaml or bunfig.toml that is not valid YAML/TOML or not shaped as its tool expects. */
  | "CONFIG_INVALID"
  /** A tokenHelper path that pnpm would reject or split. */
  | "UNSAFE_HELPER_PATH"
  /** A tokenHelper for the registry already exists and is not ours. */
  | "TOKEN_HELPER_CONFLICT"
  /** A registry URL in a config file that cannot be used. */
  | "REGISTRY_URL_INVALID"
  /** A file that is read-only, so it is not ours to rewrite. */
  | "FILE_READ_ONLY"
  /** Another process held the file's lock for too long. */
  | "FILE_LOCKED"
  /** Reading or writing a file failed at the operating-system level. */
  | "FILE_IO"
  /** `exec` cannot hand this package manager a token through the environment (yarn 1, bun). */
  | "EXEC_UNSUPPORTED_CLIENT";

/** A token may not be written where git would commit it. */
export class GitTrackedTargetError extends PackageManagerError {
  override name = "GitTrackedTargetError";
  /** What overrides the refusal: the `force` option (the CLI's `--force`). */
  readonly hint = { option: "force" } as const;
  constructor(
    readonly file: string,
    readonly state: "tracked" | "unignored" | "unknown",
    message: string,
  ) {
    super(
      state === "tracked"
        ? "GIT_TRACKED_TARGET"
        : state === "unignored"
          ? "GIT_UNIGNORED_TARGET"
          : "GIT_STATE_UNKNOWN",
      message,
    );
  }
}

/** A config file that cannot be read or edited safely; names the file and, where known, the line. */
export class RcFileError extends PackageManagerError {
  override name = "RcFileError";
  constructor(
    code:
      | "NPMRC_INVALID"
      | "YARNRC_INVALID"
      | "CONFIG_INVALID"
      | "REGISTRY_URL_INVALID"
      | "FILE_READ_ONLY"
      | "FILE_LOCKED"
      | "FILE_IO",
    readonly file: string,
    readonly line: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, `\`${file}\`${line ? `:${line}` : ""}: ${message}`, options);
  }
}

/** A value (token, path, URL) that the target file's parser would not read back as written. */
export class UnsafeValueError extends PackageManagerError {
  override name = "UnsafeValueError";
  constructor(code: "NPMRC_UNSAFE_VALUE" | "UNSAFE_HELPER_PATH", message: string) {
    super(code, message);
  }
}

/** A tokenHelper line for the registry that points at someone else's program. */
export class TokenHelperConflictError extends PackageManagerError {
  override name = "TokenHelperConflictError";
  constructor(message: string) {
    super("TOKEN_HELPER_CONFLICT", message);
  }
}
