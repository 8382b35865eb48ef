// Whether npm/pnpm would have working credentials for a registry right now, without fetching anything:
// each source (environment, user .npmrc line, pnpm token helper) checked, with one line per problem and
// its fix. `status` turns the verdict into its exit code; `diagnose` shows the same problems as traps.
import { existsSync } from "node:fs";
import { readTokenExpiry } from "../codeartifact/token.js";
import { readFileBounded } from "../configstore/text-file.js";
import { formatRelative, formatUtc } from "../configstore/time-text.js";
import type { NpmrcEntry } from "./ini-text.js";
import { registryNerfDart } from "./nerf-dart.js";
import { npmEnvSetting } from "./npmrc-locations.js";

/** One place credentials for a registry come from, and what is wrong with it, if anything. */
export interface CredentialSource {
  /** `env npm_config_//…:_authToken`, `/home/u/.npmrc:3 _authToken`, `/home/u/.npmrc:4 pnpm tokenHelper`. */
  source: string;
  ok: boolean;
  /** One line: what is wrong and the fix. */
  problem?: string;
}

export interface CredentialVerdict {
  /** True when the source npm/pnpm would use is there and usable. */
  ok: boolean;
  sources: CredentialSource[];
  /** Each source's problem, and "no credentials" when there is no source at all. */
  problems: string[];
}

/** Why a token value will not work at `now`: expired (its `exp`), or undefined. */
export function tokenValueProblem(value: string, now: Date): string | undefined {
  const expiry = readTokenExpiry(value);
  if (!expiry || expiry > now) return undefined;
  return `expired ${formatRelative(expiry, now)} (${formatUtc(expiry)})`;
}

/**
 * Why a pnpm tokenHelper will not work: the helper is missing, or the program it runs is gone (an npx
 * cache that was cleaned), or undefined.
 */
export function tokenHelperProblem(helperPath: string): string | undefined {
  if (!existsSync(helperPath)) return `the pnpm token helper ${helperPath} is missing`;
  let text = "";
  try {
    text = readFileBounded(helperPath).toString("utf8");
  } catch {
    return `the pnpm token helper ${helperPath} cannot be read`;
  }
  // Our helpers name their program on a `script='…'` line (sh) or an `if exist "…"` line (cmd).
  const script =
    /^script='((?:[^']|'\\'')*)'$/m.exec(text)?.[1]?.replace(/'\\''/g, "'") ??
    /^if exist "([^"]+)" goto run/m.exec(text)?.[1];
  if (script && !existsSync(script)) {
    return `the pnpm token helper ${helperPath} runs ${script}, which is gone${script.includes("/_npx/") ? " (npx's cache was cleaned)" : ""}`;
  }
  return undefined;
}

/**
 * The credentials npm and pnpm would use for `registryUrl`: `npm_config_…:_authToken` in the
 * environment wins, else the last `_authToken` / `tokenHelper` line of the user .npmrc (`entries`),
 * else `CODEARTIFACT_AUTH_TOKEN` (which `exec` and `${…}` references hand on). Every source is checked;
 * the verdict is that of the one in use.
 */
export function checkCredentials(
  registryUrl: string,
  options: { env: NodeJS.ProcessEnv; npmrcFile: string; entries: readonly NpmrcEntry[]; now: Date },
): CredentialVerdict {
  const { env, npmrcFile, entries, now } = options;
  const nerf = registryNerfDart(registryUrl);
  const fix = "run `codeartifact-login`";
  const sources: CredentialSource[] = [];
  const add = (source: string, problem: string | undefined) =>
    sources.push({ source, ok: problem === undefined, ...(problem ? { problem } : {}) });

  const fromEnv = npmEnvSetting(env, `${nerf}:_authToken`);
  if (fromEnv) {
    const problem = tokenValueProblem(fromEnv.value, now);
    add(
      `env ${fromEnv.envVar}`,
      problem && `\`${fromEnv.envVar}\`: the token ${problem}: unset it, or refresh it`,
    );
  }
  let fileSource: CredentialSource | undefined;
  for (const entry of entries) {
    if (entry.section !== undefined || typeof entry.value !== "string") continue;
    const where = `${npmrcFile}:${entry.line}`;
    if (entry.key === `${nerf}:_authToken`) {
      const reference = /^\$\{([^}]+)\}$/.exec(entry.value)?.[1];
      const value = reference ? env[reference.replace(/[?:].*$/, "")] : entry.value;
      const problem = !value
        ? `${where}: the token for ${nerf} is \`\${${reference}}\`, which is not set: set it, or ${fix}`
        : tokenValueProblem(value, now) &&
          `${where}: the token for ${nerf} ${tokenValueProblem(value, now)}: ${fix}`;
      add(`${where} _authToken`, problem);
      fileSource = sources.at(-1);
    } else if (entry.key === `${nerf}:tokenHelper`) {
      const problem = tokenHelperProblem(entry.value);
      add(
        `${where} pnpm tokenHelper`,
        problem && `${where}: ${problem}: run \`codeartifact-login setup pnpm\``,
      );
      fileSource = sources.at(-1);
    }
  }
  if (env.CODEARTIFACT_AUTH_TOKEN) {
    const problem = tokenValueProblem(env.CODEARTIFACT_AUTH_TOKEN, now);
    add(
      "env CODEARTIFACT_AUTH_TOKEN",
      problem && `\`CODEARTIFACT_AUTH_TOKEN\` ${problem}: unset it, or refresh it`,
    );
  }
  const inUse = fromEnv ? sources[0] : (fileSource ?? sources.at(-1));
  const problems = sources.flatMap((s) => (s.problem ? [s.problem] : []));
  if (!inUse) problems.push(`no credentials for ${nerf}: ${fix} (or \`codeartifact-login setup pnpm\`)`);
  return { ok: inUse?.ok ?? false, sources, problems };
}
