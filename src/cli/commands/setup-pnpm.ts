// `setup pnpm`: pnpm asks a small program for the token on each install, so no token sits on disk.
// The helpers go in the user .npmrc (pnpm honours tokenHelper only there) and run our helper entry.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseNpmrc } from "../../package-managers/ini-text.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { installPnpmTokenHelpers, removePnpmTokenHelpers } from "../../package-managers/pnpm-token-helper.js";
import { readConfigText } from "../../package-managers/private-file.js";
import type { CommandContext } from "../context.js";
import { tildify } from "../present.js";
import { chooseRegistries, type RegistryFlags } from "../registries.js";

interface SetupFlags extends RegistryFlags {
  remove?: boolean;
  force?: boolean;
  npmrc?: string;
}

/** The built helper entry, next to this chunk's parent (dist/pnpm-token-helper.cjs). */
export function helperScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Chunks live in dist/chunks/; the entry points in dist/.
  return join(here.endsWith("chunks") ? dirname(here) : here, "pnpm-token-helper.cjs");
}

export async function run(context: CommandContext, flags: SetupFlags): Promise<number> {
  const { out, env } = context;
  const notice = (m: string) => out.info(m);
  if (flags.remove) {
    const urls = flags.registry?.length
      ? (await chooseRegistries(context, flags)).registries.map((r) => r.target.registryUrl)
      : ("all" as const);
    const result = await removePnpmTokenHelpers(urls, {
      env,
      onNotice: notice,
      ...(flags.force ? { force: true } : {}),
      ...(flags.npmrc ? { npmrcPath: flags.npmrc } : {}),
    });
    for (const warning of result.warnings) out.warn(warning);
    if (out.json)
      out.result({
        removed: result.removed,
        npmrc: { path: result.npmrc.realFile, changed: result.npmrc.changed },
      });
    else if (result.removed.length === 0) out.info("no pnpm token helpers of codeartifact-keyring to remove");
    else {
      for (const helper of result.removed)
        out.info(`${out.color.ok("✔")} removed the pnpm token helper for ${helper.registryUrl}`);
      out.info(`${tildify(result.npmrc.realFile, env)} ${result.npmrc.changed ? "updated" : "unchanged"}`);
    }
    return 0;
  }
  const selection = await chooseRegistries(context, flags, { required: true });
  const result = await installPnpmTokenHelpers(
    selection.registries.map((r) => r.target),
    {
      env,
      program: { node: process.execPath, script: helperScript() },
      // Coordinates from the command line are nowhere else the helper could find them.
      ...(flags.domain !== undefined ? { pinCoordinates: true } : {}),
      onNotice: notice,
      ...(flags.force ? { force: true } : {}),
      ...(flags.npmrc ? { npmrcPath: flags.npmrc } : {}),
    },
  );
  for (const warning of result.warnings) out.warn(warning);
  if (out.json) {
    out.result({
      helpers: result.helpers,
      npmrc: { path: result.npmrc.realFile, changed: result.npmrc.changed },
    });
    return 0;
  }
  for (const helper of result.helpers) {
    out.info(
      `${out.color.ok("✔")} pnpm will ask ${tildify(helper.helperPath, env)} for ${helper.registryUrl}'s token`,
    );
  }
  // True to the file as it is now: a token line written earlier (by `login`) stays until removed.
  const entries = parseNpmrc(readConfigText(result.npmrc.realFile, "npmrc") ?? "");
  const withToken = result.helpers.filter((helper) => {
    const key = `${registryNerfDart(helper.registryUrl)}:_authToken`;
    return entries.some((entry) => entry.section === undefined && entry.key === key);
  });
  const onDisk =
    withToken.length === 0
      ? "tokenHelper lines only, no token on disk"
      : `tokenHelper lines added, but it still holds a token for ${withToken.map((h) => h.registryUrl).join(", ")} (see the warning above; \`codeartifact-login logout\` removes it)`;
  out.info(
    `${tildify(result.npmrc.realFile, env)} ${result.npmrc.changed ? "updated" : "unchanged"}: ${onDisk}. pnpm's tokens come from the cache, fetched when needed; undo with \`codeartifact-login setup pnpm --remove\`.`,
  );
  return 0;
}
