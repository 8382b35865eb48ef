// Credentials for one child process, with no file: npm reads `npm_config_//host/path/:_authToken` (any
// case of the prefix) and so do pnpm 9/10 and 12 (seen with real installs against a loopback registry).
// `CODEARTIFACT_AUTH_TOKEN` (for `${…}` references in .npmrc files) and yarn berry's top-level token go
// to whatever host the config names, so each is set only when the config sends it nowhere else.
// pnpm 11.10+ also read `pnpm_config__auth`, one JSON variable that survives shells which drop names
// holding `//` (Debian's dash); it routes every scope it names, so it names only what pnpm's own
// config already routes to the fetched registry.
import type { RegistryTarget } from "../codeartifact/registry-url.js";
import { normalizeRegistryUrl } from "../codeartifact/registry-url.js";
import { reveal, type Secret } from "../configstore/secret.js";
import {
  type PnpmRoute,
  pnpmRoutes,
  type YarnRegistries,
  type YarnRoute,
  type YarnTokenReference,
  yarnRegistries,
} from "./discover.js";
import { UnsafeValueError } from "./errors.js";
import { registryNerfDart } from "./nerf-dart.js";
import {
  findTokenReferences,
  type NpmConfigOptions,
  npmConfigFiles,
  strayTokenReference,
  TOKEN_VARIABLE,
  type TokenReference,
} from "./token-references.js";

/** A registry and the token for it. */
export interface TokenEntry {
  target: RegistryTarget;
  token: Secret | string;
}

/** Options of {@link tokenEnvironment}. */
export interface TokenEnvironmentOptions {
  /**
   * Every `${CODEARTIFACT_AUTH_TOKEN}` reference in the .npmrc files the command will read (see
   * {@link findTokenReferences}). `CODEARTIFACT_AUTH_TOKEN` is set only when this is given, all entries
   * share one token, and every reference sits under one of the entries' registries: npm would send the
   * variable to any host a reference names. Without it the variable is withheld (fail closed).
   */
  tokenReferences?: readonly TokenReference[];
  /**
   * The registries yarn berry would use (see `yarnRegistries`). `YARN_NPM_AUTH_TOKEN` (with
   * `YARN_NPM_ALWAYS_AUTH=true`) is set only when this is given, all entries share one token, the
   * default registry is one of the entries' and so is every registry a scope or publish setting routes
   * to: yarn sends that token to each of them. Without it the variable is withheld. Its `tokenReferences`
   * (yarn expands `${VAR}` in rc files too) withhold either variable when one is referenced anywhere but
   * as the token of a fetched registry, or of the default or a scope while yarn sends nothing elsewhere.
   */
  yarn?: Pick<YarnRegistries, "defaultRegistry" | "others"> &
    Partial<Pick<YarnRegistries, "tokenReferences">>;
  /**
   * Every registry routing setting pnpm reads (see `pnpmRoutes`). `pnpm_config__auth` is set only when
   * this is given, and names a fetched registry under a scope (`@` for the default) only when every
   * setting of that scope routes it to that registry: pnpm routes each scope the variable names, so it
   * never changes where pnpm sends a request, and each token is keyed by its own registry.
   */
  pnpmRoutes?: readonly PnpmRoute[];
}

/** pnpm 11.10+'s JSON auth variable: `{ "<registry URL>": { "@" | "@scope": { authToken } } }`. */
export const PNPM_AUTH_VARIABLE = "pnpm_config__auth";

/** A variable left out of the environment, and why (one line, no token). */
export interface WithheldVariable {
  variable: typeof TOKEN_VARIABLE | "YARN_NPM_AUTH_TOKEN" | typeof PNPM_AUTH_VARIABLE;
  reason: string;
  /** The file (and line) whose setting caused it, when one did. */
  file?: string;
  line?: number;
}

/** The environment for a child process, and the variables left out of it. */
export interface PlannedEnvironment {
  /** Holds tokens: never log it. */
  env: Record<string, string>;
  withheld: WithheldVariable[];
}

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ").trim();

const where = (r: { file?: string; line?: number; key: string }) =>
  r.file ? `\`${r.file}\`${r.line ? `:${r.line}` : ""} (\`${r.key}\`)` : `\`${r.key}\``;

/**
 * The environment a child process needs to authenticate to the given registries without any file, and
 * what was withheld:
 *
 * - `npm_config_//host/path/:_authToken=TOKEN` per registry (npm, pnpm 9/10 and 12 honour it; pnpm 10
 *   misreads such a name when the URL carries a port, which CodeArtifact URLs never do);
 * - `CODEARTIFACT_AUTH_TOKEN` under the condition of `tokenReferences`;
 * - `YARN_NPM_AUTH_TOKEN` and `YARN_NPM_ALWAYS_AUTH=true` under the condition of `yarn`;
 * - `pnpm_config__auth` under the condition of `pnpmRoutes`.
 *
 * Merge `env` over the parent's environment; it holds tokens, so never log it.
 */
export function planTokenEnvironment(
  entries: readonly TokenEntry[],
  options: TokenEnvironmentOptions = {},
): PlannedEnvironment {
  const env: Record<string, string> = {};
  const withheld: WithheldVariable[] = [];
  const tokens = new Set<string>();
  const domains = new Set<string>();
  const nerfDarts: string[] = [];
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
    nerfDarts.push(nerf);
    domains.add(`${target.domain}\u0000${target.domainOwner}\u0000${target.region}`);
  }
  if (options.pnpmRoutes) {
    const auth = pnpmAuth(entries, options.pnpmRoutes);
    if (auth) env[PNPM_AUTH_VARIABLE] = auth;
  }
  const [only] = tokens;
  if (only === undefined || tokens.size !== 1) return { env, withheld };
  const fetched = nerfDarts.join(", ");

  const ours = new Set(entries.map(({ target }) => normalizeRegistryUrl(target.registryUrl)));
  const isOurs = (route: YarnRoute) => {
    try {
      return ours.has(normalizeRegistryUrl(route.url));
    } catch {
      return false;
    }
  };
  const yarn = options.yarn;
  const elsewhere = yarn && [yarn.defaultRegistry, ...yarn.others].find((route) => !isOurs(route));
  // Yarn expands `${VAR}` in its rc files too: a reference is safe only as the token of a fetched
  // registry (`npmRegistries`, keyed like npm's nerf darts), or of a scope or the default when yarn
  // sends nothing elsewhere.
  const yarnSafe = ({ path }: YarnTokenReference) => {
    const [first, second, third, ...rest] = path;
    if (rest.length > 0 || path.includes("(a key)")) return false;
    if (first === "npmRegistries" && third === "npmAuthToken" && second) {
      try {
        return nerfDarts.includes(registryNerfDart(second));
      } catch {
        return false;
      }
    }
    const token =
      (first === "npmAuthToken" && second === undefined) ||
      (first === "npmScopes" && third === "npmAuthToken");
    return token && !elsewhere;
  };
  const yarnStray = (variable: WithheldVariable["variable"]) =>
    yarn?.tokenReferences?.find((r) => r.variable === variable && !yarnSafe(r));
  const yarnStrayReason = (r: YarnTokenReference) =>
    `\`${r.variable}\` not set: \`${r.file}\`${r.line ? `:${r.line}` : ""} (\`${r.path.join(".")}\`) hands it to yarn for a place that is not the token of a registry it was fetched for (${fetched}): remove that reference`;

  const stray = options.tokenReferences && strayTokenReference(options.tokenReferences, nerfDarts);
  const strayInYarn = yarnStray(TOKEN_VARIABLE);
  if (!options.tokenReferences) {
    withheld.push({
      variable: TOKEN_VARIABLE,
      reason: `\`${TOKEN_VARIABLE}\` not set: the .npmrc files were not checked`,
    });
  } else if (stray) {
    withheld.push({
      variable: TOKEN_VARIABLE,
      reason: `\`${TOKEN_VARIABLE}\` not set: ${where(stray)} would send it to ${stray.nerfDart ? `\`${stray.nerfDart}\`` : "a place that is not a registry's token setting"}, not to the registry it was fetched for (${fetched}): remove that reference, or key it to ${fetched}`,
      file: stray.file,
      line: stray.line,
    });
  } else if (strayInYarn) {
    withheld.push({
      variable: TOKEN_VARIABLE,
      reason: yarnStrayReason(strayInYarn),
      file: strayInYarn.file,
      ...(strayInYarn.line ? { line: strayInYarn.line } : {}),
    });
  } else if (domains.size === 1) {
    env[TOKEN_VARIABLE] = only;
  }

  const yarnTokenStray = yarnStray("YARN_NPM_AUTH_TOKEN");
  if (!yarn) {
    withheld.push({
      variable: "YARN_NPM_AUTH_TOKEN",
      reason: "`YARN_NPM_AUTH_TOKEN` not set: yarn's config was not checked",
    });
  } else if (elsewhere) {
    withheld.push({
      variable: "YARN_NPM_AUTH_TOKEN",
      reason: `\`YARN_NPM_AUTH_TOKEN\` not set: yarn would also send it to \`${elsewhere.url}\` (${where(elsewhere)}), not only to ${fetched}: run \`codeartifact-login login --yarn\` to give yarn a token for the CodeArtifact registry alone`,
      ...(elsewhere.file ? { file: elsewhere.file } : {}),
      ...(elsewhere.line ? { line: elsewhere.line } : {}),
    });
  } else if (yarnTokenStray) {
    withheld.push({
      variable: "YARN_NPM_AUTH_TOKEN",
      reason: yarnStrayReason(yarnTokenStray),
      file: yarnTokenStray.file,
      ...(yarnTokenStray.line ? { line: yarnTokenStray.line } : {}),
    });
  } else {
    env.YARN_NPM_AUTH_TOKEN = only;
    env.YARN_NPM_ALWAYS_AUTH = "true";
  }
  return { env, withheld };
}

/**
 * The `pnpm_config__auth` value for `entries` (tokens already checked), or undefined when pnpm's config
 * routes no scope to a fetched registry alone. A scope is named only when all of pnpm's settings for it
 * name the same fetched registry (pnpm's built-in default, the public registry, counts when nothing sets
 * the default, so then `@` is never named).
 */
function pnpmAuth(entries: readonly TokenEntry[], routes: readonly PnpmRoute[]): string | undefined {
  const byScope = new Map<string, Set<string>>();
  for (const { scope, url } of routes) byScope.set(scope, (byScope.get(scope) ?? new Set()).add(url));
  const auth: Record<string, Record<string, { authToken: string }>> = {};
  for (const { target, token } of entries) {
    const url = normalizeRegistryUrl(target.registryUrl);
    for (const [scope, urls] of byScope) {
      if (urls.size !== 1 || !urls.has(url)) continue;
      auth[url] ??= {};
      (auth[url] as Record<string, { authToken: string }>)[scope] = { authToken: reveal(token) };
    }
  }
  return Object.keys(auth).length > 0 ? JSON.stringify(auth) : undefined;
}

/**
 * {@link planTokenEnvironment}'s environment alone.
 *
 * @example
 * spawn("npm", ["ci"], { env: { ...process.env, ...tokenEnvironment([{ target, token }], { tokenReferences: [] }) } })
 */
export function tokenEnvironment(
  entries: readonly TokenEntry[],
  options: TokenEnvironmentOptions = {},
): Record<string, string> {
  return planTokenEnvironment(entries, options).env;
}

/** Options of {@link execEnvironment}. */
export interface ExecEnvironmentOptions extends NpmConfigOptions {
  /** Where the command runs: its project's .npmrc and .yarnrc.yml are the ones checked. */
  cwd: string;
}

/**
 * {@link planTokenEnvironment} with the facts read from disk: the `${CODEARTIFACT_AUTH_TOKEN}` references
 * in the .npmrc files npm reads from `cwd`, and the registries yarn berry would use from there. A file
 * that cannot be read withholds the variable it concerns (fail closed) and says why.
 */
export async function execEnvironment(
  entries: readonly TokenEntry[],
  options: ExecEnvironmentOptions,
): Promise<PlannedEnvironment> {
  const env = options.env ?? process.env;
  const unreadable: WithheldVariable[] = [];
  let tokenReferences: TokenReference[] | undefined;
  try {
    tokenReferences = findTokenReferences(npmConfigFiles(options.cwd, options), env);
  } catch (error) {
    unreadable.push({ variable: TOKEN_VARIABLE, reason: `\`${TOKEN_VARIABLE}\` not set: ${oneLine(error)}` });
  }
  let yarn: YarnRegistries | undefined;
  try {
    yarn = await yarnRegistries({ cwd: options.cwd, env, ...(options.home ? { home: options.home } : {}) });
  } catch (error) {
    unreadable.push({
      variable: "YARN_NPM_AUTH_TOKEN",
      reason: `\`YARN_NPM_AUTH_TOKEN\` not set: ${oneLine(error)}`,
    });
  }
  let routes: PnpmRoute[] | undefined;
  const own = Object.keys(env).find((name) => name.toLowerCase() === PNPM_AUTH_VARIABLE && env[name]);
  if (own) {
    // Replacing it would drop the user's own registries' auth; merging could add a second default.
    unreadable.push({
      variable: PNPM_AUTH_VARIABLE,
      reason: `\`${PNPM_AUTH_VARIABLE}\` not set: \`${own}\` is already set in the environment, and pnpm reads only one: unset it to let \`exec\` set it`,
    });
  } else {
    try {
      routes = await pnpmRoutes({ cwd: options.cwd, env, ...(options.home ? { home: options.home } : {}) });
    } catch (error) {
      unreadable.push({
        variable: PNPM_AUTH_VARIABLE,
        reason: `\`${PNPM_AUTH_VARIABLE}\` not set: ${oneLine(error)}`,
      });
    }
  }
  const planned = planTokenEnvironment(entries, {
    ...(tokenReferences ? { tokenReferences } : {}),
    ...(yarn ? { yarn } : {}),
    ...(routes ? { pnpmRoutes: routes } : {}),
  });
  const withheld = planned.withheld.map((w) => unreadable.find((u) => u.variable === w.variable) ?? w);
  withheld.push(...unreadable.filter((u) => u.variable === PNPM_AUTH_VARIABLE));
  return { env: planned.env, withheld };
}
