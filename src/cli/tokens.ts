// Tokens for every chosen registry, concurrently: registries of one domain and identity share one
// fetch (the cache's single flight), and each token is masked for CI logs as soon as it exists.
import { type CachedAuthorizationToken, getTokenForRegistry } from "../cache/token.js";
import type { ResolvedRegistry } from "../codeartifact/resolve.js";
import type { CommandContext } from "./context.js";

/**
 * Set to `1` in the environment of the command `exec` runs: a `codeartifact-login` run inside it (by a
 * lifecycle hook) then only checks the token and writes nothing to disk.
 */
export const EXEC_MARK = "CODEARTIFACT_KEYRING_EXEC";

/** A registry's token, or why it could not be had (the other registries still get theirs). */
export interface TokenOutcome {
  resolved: ResolvedRegistry;
  token?: CachedAuthorizationToken;
  error?: unknown;
}

export async function fetchTokens(
  context: CommandContext,
  resolved: readonly ResolvedRegistry[],
  options: { forceRefresh?: boolean; readOnly?: boolean } = {},
): Promise<TokenOutcome[]> {
  const { out } = context;
  return Promise.all(
    resolved.map(async (registry): Promise<TokenOutcome> => {
      try {
        const token = await slowNotice(
          context,
          registry,
          getTokenForRegistry(registry, {
            env: context.env,
            cwd: context.cwd,
            ...(options.forceRefresh ? { forceRefresh: true } : {}),
            ...(options.readOnly ? { readOnly: true } : {}),
            onNotice: (m) => out.info(m),
            onWarning: (m) => out.warn(m),
          }),
        );
        out.mask(token.token.reveal());
        return { resolved: registry, token };
      } catch (error) {
        return { resolved: registry, error };
      }
    }),
  );
}

/** How long a token may take before the user hears why nothing happens (AWS calls, retries, timeouts). */
const SLOW_AFTER_MS = 1000;

/**
 * `work`, with one line on stderr (not under --quiet or --json) when it takes longer than a second:
 * a cache hit never prints it; a slow or retried AWS call explains the wait.
 */
export async function slowNotice<T>(
  context: CommandContext,
  registry: ResolvedRegistry,
  work: Promise<T>,
): Promise<T> {
  const { target } = registry;
  const timer = setTimeout(
    () => context.out.info(`fetching a token for ${target.repository} (${target.domain})…`),
    SLOW_AFTER_MS,
  );
  try {
    return await work;
  } finally {
    clearTimeout(timer);
  }
}
