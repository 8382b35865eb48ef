// `setup pnpm`: pnpm asks a small program for the token on each install, so no token sits on disk.
// The lines go where the pnpm that reads them honours them and npm does not complain when it can: pnpm's
// own auth.ini from 11.13 on, else the user .npmrc (the version comes from `pnpm --version` on PATH, or
// --pnpm-version). The helpers run our helper entry.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseNpmrc } from "../../package-managers/ini-text.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { pnpmConfigDir, pnpmHelperFile } from "../../package-managers/npmrc-locations.js";
import { installPnpmTokenHelpers, removePnpmTokenHelpers } from "../../package-managers/pnpm-token-helper.js";
import { readConfigText } from "../../package-managers/private-file.js";
import type { CommandContext } from "../context.js";
import { tildify } from "../present.js";
import { chooseRegistries, type RegistryFlags } from "../registries.js";

interface SetupFlags extends RegistryFlags {
  remove?: boolean;
  force?: boolean;
  npmrc?: string;
  pnpmVersion?: string;
}

/** The pnpm on PATH's version, or undefined when there is none (or it does not answer within 30 s). */
function pnpmOnPath(context: CommandContext): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      "pnpm",
      ["--version"],
      { env: context.env, cwd: context.cwd, timeout: 30_000, shell: process.platform === "win32" },
      (error, stdout) => {
        const version = /^\d+\.\d+\.\d+\S*$/m.exec(String(stdout))?.[0];
        resolve(error ? undefined : version);
      },
    );
  });
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
    // Both places setup may have used, unless told which file.
    const files = flags.npmrc ? [flags.npmrc] : [undefined, join(pnpmConfigDir({ env }), "auth.ini")];
    const removed: { registryUrl: string }[] = [];
    const edited: { path: string; changed: boolean }[] = [];
    for (const file of files) {
      const result = await removePnpmTokenHelpers(urls, {
        env,
        onNotice: notice,
        ...(flags.force ? { force: true } : {}),
        ...(file ? { npmrcPath: file } : {}),
      });
      for (const warning of result.warnings) out.warn(warning);
      removed.push(...result.removed);
      edited.push({ path: result.npmrc.realFile, changed: result.npmrc.changed });
    }
    if (out.json) out.result({ removed, npmrc: edited[0], files: edited });
    else if (removed.length === 0) out.info("no pnpm token helpers of codeartifact-keyring to remove");
    else {
      for (const helper of removed)
        out.info(`${out.color.ok("✔")} removed the pnpm token helper for ${helper.registryUrl}`);
      for (const file of edited.filter((f) => f.changed)) out.info(`${tildify(file.path, env)} updated`);
    }
    return 0;
  }
  const selection = await chooseRegistries(context, flags, { required: true });
  const version = flags.pnpmVersion ?? (flags.npmrc ? undefined : await pnpmOnPath(context));
  const file = flags.npmrc ?? pnpmHelperFile(version, { env }).path;
  if (version === undefined && !flags.npmrc) {
    out.info(
      "no `pnpm --version` answered on PATH: the tokenHelper lines go to the user .npmrc, which every pnpm reads (for pnpm 11.13+, `--pnpm-version VERSION` puts them in pnpm's own auth.ini)",
    );
  }
  out.debug(`pnpm ${version ?? "(version unknown)"}: tokenHelper lines go to ${file}`);
  const result = await installPnpmTokenHelpers(
    selection.registries.map((r) => r.target),
    {
      env,
      program: { node: process.execPath, script: helperScript() },
      // Coordinates from the command line are nowhere else the helper could find them.
      ...(flags.domain !== undefined ? { pinCoordinates: true } : {}),
      onNotice: notice,
      ...(flags.force ? { force: true } : {}),
      npmrcPath: file,
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
