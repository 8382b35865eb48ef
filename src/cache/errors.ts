// Failures of the token cache. Most cache trouble only degrades to a warning (a token can always be
// fetched again); these are the ones the user asked for and cannot have.

import { CodedError } from "../configstore/errors.js";

export class CacheError extends CodedError {
  override name = "CacheError";
}

/** `cache = keychain` was asked for, and there is no working keychain here. */
export class KeychainRequiredError extends CacheError {
  override name = "KeychainRequiredError";
  constructor(reason: string, options?: ErrorOptions) {
    super(
      "KEYCHAIN_REQUIRED",
      `cache = keychain, but the OS keychain is unavailable: ${reason}. Unlock or start it (Linux: a Secret Service such as gnome-keyring in your D-Bus session), or set \`cache = file\` (or CODEARTIFACT_KEYRING_CACHE=file)`,
      options,
    );
  }
}

/** The token cache directory cannot be used (a file in the way, no permission). */
export class CacheDirError extends CacheError {
  override name = "CacheDirError";
  constructor(dir: string, problem: string, options?: ErrorOptions) {
    super(
      "CACHE_DIR_UNUSABLE",
      `the token cache dir \`${dir}\` cannot be used: ${problem}. Point CODEARTIFACT_KEYRING_CACHE_DIR at a directory you can write, or set \`cache = none\``,
      options,
    );
  }
}
