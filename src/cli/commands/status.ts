// `status`: the registries in use, where each gets its credentials, and the cached tokens with their
// expiry (never their values).
import { type CachedTokenInfo, listCachedTokens } from "../../cache/manage.js";
import { resolveTarget } from "../../codeartifact/resolve.js";
import { checkCredentials } from "../../package-managers/credential-check.js";
import { type NpmrcEntry, parseNpmrc } from "../../package-managers/ini-text.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { npmEnvSetting, userNpmrcPath } from "../../package-managers/npmrc-locations.js";
import { readConfigText } from "../../package-managers/private-file.js";
import type { CommandContext } from "../context.js";
import { describeExpiry, tildify } from "../present.js";
import { describeFailedRun } from "../refresh-record.js";
import {
  type ChosenRegistry,
  chooseRegistries,
  type RegistryFlags,
  tokenLineRegistries,
} from "../registries.js";

/**
 * How npm/pnpm would authenticate to a registry right now, without fetching anything: the
 * environment, and the lines of the user .npmrc (`entries`, read once for every registry).
 */
export function credentialSources(
  registryUrl: string,
  env: NodeJS.ProcessEnv,
  npmrcFile: string,
  entries: readonly NpmrcEntry[],
): string[] {
  const nerf = registryNerfDart(registryUrl);
  const sources: string[] = [];
  if (npmEnvSetting(env, `${nerf}:_authToken`)) sources.push(`env npm_config_${nerf}:_authToken`);
  if (env.CODEARTIFACT_AUTH_TOKEN) sources.push("env CODEARTIFACT_AUTH_TOKEN");
  for (const entry of entries) {
    if (entry.section !== undefined) continue;
    if (entry.key === `${nerf}:_authToken`) sources.push(`${npmrcFile}:${entry.line} _authToken`);
    if (entry.key === `${nerf}:tokenHelper`) sources.push(`${npmrcFile}:${entry.line} pnpm tokenHelper`);
  }
  return sources;
}

export async function run(context: CommandContext, flags: RegistryFlags): Promise<number> {
  const { out, env } = context;
  const selection = await chooseRegistries(context, flags);
  const npmrcFile = userNpmrcPath({ env });
  let npmrcText = "";
  try {
    npmrcText = readConfigText(npmrcFile, "npmrc") ?? "";
  } catch {
    // No user .npmrc: no credentials in it.
  }
  const npmrcEntries = parseNpmrc(npmrcText);
  const listing = await listCachedTokens({ env });
  const now = new Date();
  const cachedFor = (domain: string, owner: string, region: string): CachedTokenInfo[] =>
    listing.tokens.filter((t) => t.domain === domain && t.domainOwner === owner && t.region === region);

  // Token lines `login --registry` wrote to the user .npmrc name registries no project file does.
  const listed = new Set(selection.registries.map((r) => registryNerfDart(r.target.registryUrl)));
  const fromTokenLines = tokenLineRegistries(npmrcFile, selection.config.config).flatMap((url) => {
    if (listed.has(registryNerfDart(url))) return [];
    listed.add(registryNerfDart(url));
    try {
      return [{ target: resolveTarget(url, selection.config.config), origin: `${npmrcFile} (token line)` }];
    } catch {
      return [];
    }
  });
  const registries = [...selection.registries, ...fromTokenLines].map((r: ChosenRegistry) => ({
    registryUrl: r.target.registryUrl,
    domain: r.target.domain,
    domainOwner: r.target.domainOwner,
    region: r.target.region,
    repository: r.target.repository,
    ...(r.scope ? { scope: r.scope } : {}),
    origin: r.origin,
    credentials: credentialSources(r.target.registryUrl, env, npmrcFile, npmrcEntries),
    verdict: checkCredentials(r.target.registryUrl, { env, npmrcFile, entries: npmrcEntries, now }),
  }));
  // Exit 1 when a registry in use has no working credentials: scripts and CI can gate on `status`.
  // Registries listed only for a token line in the user .npmrc are shown, not gated on: no project
  // file uses them (and before they were listed, `status` passed without them).
  const inUse = registries.slice(0, selection.registries.length);
  const exitCode = inUse.every((r) => r.verdict.ok) ? 0 : 1;
  const failedRefresh = describeFailedRun(env, now);
  if (out.json) {
    out.result({
      ok: exitCode === 0,
      registries: registries.map(({ verdict, ...r }) => ({
        ...r,
        ok: verdict.ok,
        problems: verdict.problems,
      })),
      cachedTokens: listing.tokens.map((t) => ({
        domain: t.domain,
        domainOwner: t.domainOwner,
        region: t.region,
        identity: t.identityDescription,
        store: t.store,
        location: t.location,
        expiresAt: t.expiresAt.toISOString(),
        fetchedAt: t.fetchedAt.toISOString(),
        expired: t.expiresAt <= now,
      })),
      unavailableStores: listing.unavailable,
      backgroundRefreshFailure: failedRefresh ?? null,
    });
    return exitCode;
  }
  if (registries.length === 0) {
    out.stdout(
      `No CodeArtifact registry found (searched: ${selection.searched.map((f) => tildify(f, env)).join(", ") || "no .npmrc or .yarnrc.yml"}).\n`,
    );
  }
  for (const r of registries) {
    out.stdout(
      `${r.repository} (${r.domain}, ${r.domainOwner}, ${r.region})${r.scope ? ` for ${r.scope}` : ""}\n`,
    );
    out.stdout(`  registry:    ${r.registryUrl}  (from ${tildify(r.origin, env)})\n`);
    out.stdout(
      `  credentials: ${r.credentials.length ? r.credentials.map((c) => tildify(c, env)).join("; ") : "none: run `codeartifact-login` (or `setup pnpm`)"}\n`,
    );
    out.stdout(
      `  verdict:     ${r.verdict.ok ? `${out.color.ok("✔")} usable` : `${out.color.bad("✖")} no valid credentials`}\n`,
    );
    for (const problem of r.verdict.problems) out.stdout(`  problem:     ${tildify(problem, env)}\n`);
    const cached = cachedFor(r.domain, r.domainOwner, r.region);
    for (const token of cached) {
      out.stdout(
        `  cached:      ${describeExpiry(token.expiresAt, now)}, for ${token.identityDescription}, in the ${token.store} store\n`,
      );
    }
    if (cached.length === 0) out.stdout("  cached:      no token\n");
  }
  const others = listing.tokens.filter(
    (t) =>
      !registries.some(
        (r) => r.domain === t.domain && r.domainOwner === t.domainOwner && r.region === t.region,
      ),
  );
  if (others.length > 0) {
    out.stdout("Other cached tokens:\n");
    for (const t of others) {
      out.stdout(
        `  ${t.domain} (${t.domainOwner}, ${t.region}): ${describeExpiry(t.expiresAt, now)}, for ${t.identityDescription}, in the ${t.store} store\n`,
      );
    }
  }
  if (failedRefresh) out.stdout(`${out.color.bad("✖")} ${failedRefresh}\n`);
  return exitCode;
}
