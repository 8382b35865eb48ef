// `setup pnpm`: pnpm asks a small program for the token on each install, so no token sits on disk.
// The lines go where the pnpm that reads them honours them and npm does not complain when it can: pnpm's
// own auth.ini from 11.13 on, else the user .npmrc (the version comes from `pnpm --version` on PATH, or
// --pnpm-version). The helpers run our helper entry.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseNpmrc } from "../../package-managers/ini-text.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { pnpmConfigDir, pnpmHelperFile, userNpmrcPath } from "../../package-managers/npmrc-locations.js";
import { installPnpmTokenHelpers, removePnpmTokenHelpers } from "../../package-managers/pnpm-token-helper.js";
import { readConfigText, resolveRealPath } from "../../package-managers/private-file.js";
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
    const removeFrom = (file: string | undefined, dryRun: boolean) =>
      removePnpmTokenHelpers(urls, {
        env,
        ...(dryRun ? { dryRun: true } : { onNotice: notice }),
        ...(flags.force ? { force: true } : {}),
        ...(file ? { npmrcPath: file } : {}),
      });
    // A removal of "all" deletes every helper file, and a helper's file is what names its registry as
    // `setup` was given it (http stays http): read them all before the first removal.
    const asWritten = new Map<string, string>();
    for (const file of files) {
      for (const helper of (await removeFrom(file, true)).removed)
        asWritten.set(helper.helperPath, helper.registryUrl);
    }
    const removed: { registryUrl: string }[] = [];
    const edited: { path: string; changed: boolean }[] = [];
    for (const file of files) {
      const result = await removeFrom(file, false);
      for (const warning of result.warnings) out.warn(warning);
      removed.push(
        ...result.removed.map((helper) => ({
          ...helper,
          registryUrl: asWritten.get(helper.helperPath) ?? helper.registryUrl,
        })),
      );
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
  // True to the disk as it is now: a token line written earlier (by `login`) stays until removed, in
  // the file written or, when that is pnpm's auth.ini, in the user .npmrc pnpm reads as well.
  const written = result.npmrc.realFile;
  const userNpmrc = resolveRealPath(userNpmrcPath({ env }));
  const tokensIn = (file: string) => {
    let entries: ReturnType<typeof parseNpmrc>;
    try {
      entries = parseNpmrc(readConfigText(file, "npmrc") ?? "");
    } catch {
      return [];
    }
    return result.helpers.filter((helper) => {
      const key = `${registryNerfDart(helper.registryUrl)}:_authToken`;
      return entries.some((entry) => entry.section === undefined && entry.key === key);
    });
  };
  const inWritten = tokensIn(written);
  const inUser = userNpmrc === written ? [] : tokensIn(userNpmrc);
  const urls = (helpers: typeof inWritten) => helpers.map((h) => h.registryUrl).join(", ");
  const onDisk =
    inWritten.length > 0
      ? `tokenHelper lines added, but it still holds a token for ${urls(inWritten)} (see the warning above; \`codeartifact-login logout\` removes it)`
      : inUser.length > 0
        ? `tokenHelper lines added, but ${tildify(userNpmrc, env)} still holds a token for ${urls(inUser)} (\`codeartifact-login logout\` removes it)`
        : "tokenHelper lines only, no token on disk";
  out.info(
    `${tildify(result.npmrc.realFile, env)} ${result.npmrc.changed ? "updated" : "unchanged"}: ${onDisk}. pnpm's tokens come from the cache, fetched when needed; undo with \`codeartifact-login setup pnpm --remove\`.`,
  );
  return 0;
}
