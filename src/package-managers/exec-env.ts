// Credentials for one child process, with no file: npm reads `npm_config_//host/path/:_authToken` (any
// case of the prefix) and so do pnpm 9/10 and 12 (seen with real installs against a loopback registry).
// Yarn berry has only a top-level token variable, which it sends to every registry lacking settings
// of its own, so it is set only when the default registry is the CodeArtifact one.
import type { RegistryTarget } from "../codeartifact/registry-url.js";
import { normalizeRegistryUrl } from "../codeartifact/registry-url.js";
import { reveal, type Secret } from "../configstore/secret.js";
import { UnsafeValueError } from "./errors.js";
import { registryNerfDart } from "./nerf-dart.js";

/** A registry and the token for it. */
export interface TokenEntry {
  target: RegistryTarget;
  token: Secret | string;
}

/** Options of {@link tokenEnvironment}. */
export interface TokenEnvironmentOptions {
  /**
   * The registry unscoped packages come from. Yarn berry's `YARN_NPM_AUTH_TOKEN` (with
   * `YARN_NPM_ALWAYS_AUTH=true`) is set only when this is one of the entries' registries and all entries
   * share one token; otherwise yarn would send the token to other registries too.
   */
  defaultRegistryUrl?: string;
}

/**
 * The environment a child process needs to authenticate to the given registries without any file:
 *
 * - `npm_config_//host/path/:_authToken=TOKEN` per registry (npm, pnpm 9/10 and 12 honour it; pnpm 10
 *   misreads such a name when the URL carries a port, which CodeArtifact URLs never do);
 * - `CODEARTIFACT_AUTH_TOKEN` when all entries are one domain (one token), for `${CODEARTIFACT_AUTH_TOKEN}`
 *   references in .npmrc files;
 * - `YARN_NPM_AUTH_TOKEN` and `YARN_NPM_ALWAYS_AUTH=true` under the condition of `defaultRegistryUrl`.
 *   Yarn sends that token to every registry without settings of its own, e.g. a scope routed elsewhere.
 *
 * Merge the result over the parent's environment; it holds tokens, so never log it.
 *
 * @example
 * spawn("npm", ["ci"], { env: { ...process.env, ...tokenEnvironment([{ target, token }]) } })
 */
export function tokenEnvironment(
  entries: readonly TokenEntry[],
  options: TokenEnvironmentOptions = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const tokens = new Set<string>();
  const domains = new Set<string>();
  for (const { target, token } of entries) {
    const value = reveal(token);
    const nerf = registryNerfDart(target.registryUrl);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    if (value === "" || /[\s\u0000-\u001f\u007f]/.test(value)) {
      throw new UnsafeValueError(
        "NPMRC_UNSAFE_VALUE",
        `the token for \`${nerf}\` is empty or holds whitespace or control characters, so it cannot be passed in the environment: check where the token came from`,
      );
    }
    env[`npm_config_${nerf}:_authToken`] = value;
    tokens.add(value);
    domains.add(`${target.domain}\u0000${target.domainOwner}\u0000${target.region}`);
  }
  const [only] = tokens;
  if (only !== undefined && tokens.size === 1 && domains.size === 1) {
    env.CODEARTIFACT_AUTH_TOKEN = only;
  }
  if (only !== undefined && tokens.size === 1 && options.defaultRegistryUrl !== undefined) {
    const wanted = normalizeRegistryUrl(options.defaultRegistryUrl);
    if (entries.some(({ target }) => normalizeRegistryUrl(target.registryUrl) === wanted)) {
      env.YARN_NPM_AUTH_TOKEN = only;
      env.YARN_NPM_ALWAYS_AUTH = "true";
    }
  }
  return env;
}
