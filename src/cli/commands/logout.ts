// `logout`: removes what this tool wrote for the registries (token lines, pnpm helpers, yarn tokens)
// and their cached tokens. Everything else in those files stays byte for byte.
import { rmSync } from "node:fs";
import { clearCachedTokens } from "../../cache/manage.js";
import { normalizeRegistryUrl } from "../../codeartifact/registry-url.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { applyNpmrcEdits, type NpmrcEdit } from "../../package-managers/npmrc.js";
import { readAdditions, replaceAdditions } from "../../package-managers/npmrc-additions.js";
import { userNpmrcPath } from "../../package-managers/npmrc-locations.js";
import { removePnpmTokenHelpers } from "../../package-managers/pnpm-token-helper.js";
import { readConfigText, resolveRealPath } from "../../package-managers/private-file.js";
import type { CommandContext } from "../context.js";
import { tildify } from "../present.js";
import { chooseRegistries, type RegistryFlags, tokenLineRegistries } from "../registries.js";

interface LogoutFlags extends RegistryFlags {
  all?: boolean;
  npmrc?: string;
  yarn?: boolean;
}

export async function run(context: CommandContext, flags: LogoutFlags): Promise<number> {
  const { out, env } = context;
  const npmrcFile = flags.npmrc ?? userNpmrcPath({ env });
  const selection = await chooseRegistries(context, flags.all ? {} : flags);
  // One entry per registry (nerf dart): a token line has no scheme, so the URL as the project's
  // .npmrc writes it (http stays http) comes first and the line's `https:` guess only fills gaps.
  const urls = flags.all
    ? [
        ...new Map(
          [
            ...tokenLineRegistries(npmrcFile, selection.config.config),
            ...selection.registries.map((r) => r.target.registryUrl),
          ].map((url) => [registryNerfDart(url), url]),
        ).values(),
      ]
    : selection.registries.map((r) => r.target.registryUrl);
  if (urls.length === 0 && !flags.all) {
    out.info("no CodeArtifact registry to log out of: pass --registry URL or --all");
    return 0;
  }

  const notice = (m: string) => out.info(m);
  // The `registry=` / `@scope:registry=` lines `login` added (as recorded), for these registries.
  const realNpmrc = resolveRealPath(npmrcFile);
  const additions = readAdditions(realNpmrc, env);
  const wanted = new Set(urls.map(normalizeRegistryUrl));
  const takenBack = additions.registries.filter(
    (r) => flags.all || wanted.has(normalizeRegistryUrl(r.registryUrl)),
  );
  const edits: NpmrcEdit[] = [
    ...urls.map((registryUrl) => ({ kind: "remove-token" as const, registryUrl })),
    // yarn 1's always-auth goes with the token: without one it means nothing.
    ...urls.map((registryUrl) => ({ kind: "remove-always-auth" as const, registryUrl })),
    ...takenBack.map((r) => ({
      kind: "remove-registry" as const,
      registryUrl: r.registryUrl,
      ...(r.scope ? { scope: r.scope } : {}),
    })),
  ];
  const npmrc = await applyNpmrcEdits(npmrcFile, edits, { onNotice: notice });
  let npmrcRemoved = false;
  if (additions.created && npmrc.changed) {
    let text: string | undefined;
    try {
      text = readConfigText(npmrc.realFile, "npmrc");
    } catch {
      text = undefined;
    }
    // A file `login` created that holds nothing any more: gone, as it was before.
    if (text !== undefined && text.trim() === "") {
      rmSync(npmrc.realFile, { force: true });
      npmrcRemoved = true;
    }
  }
  if (takenBack.length > 0 || npmrcRemoved) {
    await replaceAdditions(
      realNpmrc,
      npmrcRemoved
        ? undefined
        : {
            created: additions.created,
            registries: additions.registries.filter((r) => !takenBack.includes(r)),
          },
      env,
    );
  }
  const helpers = await removePnpmTokenHelpers(flags.all ? "all" : urls, { env, onNotice: notice });
  for (const warning of helpers.warnings) out.warn(warning);
  let yarnChanged: boolean | undefined;
  if (flags.yarn) {
    const { removeYarnAuthTokens } = await import("../../package-managers/yarnrc.js");
    yarnChanged = (await removeYarnAuthTokens(undefined, urls, { onNotice: notice })).changed;
  }
  let cleared = 0;
  if (flags.all) cleared = await clearCachedTokens(undefined, { env });
  else {
    const domains = new Map(
      selection.registries.map((r) => [
        `${r.target.domain}|${r.target.domainOwner}|${r.target.region}`,
        r.target,
      ]),
    );
    for (const target of domains.values()) {
      cleared += await clearCachedTokens(
        { domain: target.domain, domainOwner: target.domainOwner, region: target.region },
        { env },
      );
    }
  }

  if (out.json) {
    out.result({
      registries: urls,
      npmrc: { path: npmrc.realFile, changed: npmrc.changed, removed: npmrcRemoved },
      pnpmHelpersRemoved: helpers.removed.length,
      ...(yarnChanged !== undefined ? { yarnrcChanged: yarnChanged } : {}),
      cachedTokensRemoved: cleared,
    });
  } else {
    out.info(
      `${out.color.ok("✔")} logged out of ${urls.length} registr${urls.length === 1 ? "y" : "ies"}: ${tildify(npmrc.realFile, env)} ${npmrcRemoved ? "removed (it was created by login and is now empty)" : npmrc.changed ? "updated" : "unchanged"}, ${helpers.removed.length} pnpm helper(s) and ${cleared} cached token(s) removed`,
    );
  }
  return 0;
}
