// Tokens for every chosen registry, concurrently; registries of one domain and identity share one
// fetch (the cache's single flight). Used by the commands that need tokens but write no file.
import { type CachedAuthorizationToken, getTokenForRegistry } from "../cache/token.js";
import type { ResolvedRegistry } from "../codeartifact/resolve.js";
import type { CommandContext } from "./context.js";

export async function tokensFor(
  context: CommandContext,
  resolved: readonly ResolvedRegistry[],
): Promise<{ resolved: ResolvedRegistry; token: CachedAuthorizationToken }[]> {
  const { out } = context;
  return Promise.all(
    resolved.map(async (registry) => {
      const token = await getTokenForRegistry(registry, {
        env: context.env,
        cwd: context.cwd,
        onNotice: (m) => out.info(m),
        onWarning: (m) => out.warn(m),
      });
      out.mask(token.token.reveal());
      return { resolved: registry, token };
    }),
  );
}
