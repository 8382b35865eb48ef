// `diagnose`: every decision for each registry, explained. Config files read, the sections that
// applied (and the warnings), each setting with where it came from (secrets redacted), the identity,
// the cache store and its probe, the .npmrc files npm and pnpm read and what they find there, known
// traps, and finally whether a token can be had. The first thing to run after a 401.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../cache/paths.js";
import { keychainStore } from "../../cache/stores.js";
import { getTokenForRegistry } from "../../cache/token.js";
import { userDirs } from "../../configstore/paths.js";
import { findCommittedTokens } from "../../package-managers/committed-tokens.js";
import { tokenHelperProblem, tokenValueProblem } from "../../package-managers/credential-check.js";
import { parseNpmrc } from "../../package-managers/ini-text.js";
import { registryNerfDart } from "../../package-managers/nerf-dart.js";
import { findProject, findUserNpmrc } from "../../package-managers/npmrc-locations.js";
import { readConfigText } from "../../package-managers/private-file.js";
import {
  findTokenReferences,
  npmConfigFiles,
  strayTokenReference,
  type TokenReference,
} from "../../package-managers/token-references.js";
import type { CommandContext } from "../context.js";
import { oneLine } from "../errors.js";
import { describeExpiry, tildify } from "../present.js";
import { describeFailedRun } from "../refresh-record.js";
import {
  chooseRegistries,
  loadConfig,
  type RegistryFlags,
  resolveAll,
  type Selection,
  settingSources,
} from "../registries.js";
import { VERSION } from "../version.js";

interface NpmrcFinding {
  file: string;
  /** Which clients read it. */
  readBy: string[];
  exists: boolean;
  /** What it says about this registry, one line each, secrets redacted. */
  lines: { line: number; text: string }[];
}

const ENV_OF_INTEREST = [
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_CODEARTIFACT",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "CODEARTIFACT_AUTH_TOKEN",
  "CODEARTIFACT_KEYRING_CONFIG",
  "CODEARTIFACT_KEYRING_CACHE",
  "CODEARTIFACT_KEYRING_CACHE_DIR",
  "NPM_CONFIG_USERCONFIG",
  "DBUS_SESSION_BUS_ADDRESS",
];
/** Variables whose value is itself sensitive: only whether they are set is shown. */
const SECRET_ENV = new Set(["CODEARTIFACT_AUTH_TOKEN", "AWS_ACCESS_KEY_ID"]);

function npmrcFiles(context: CommandContext): { file: string; readBy: string[] }[] {
  const { env } = context;
  const project = findProject(context.cwd, { env });
  const user = findUserNpmrc({ env }).path;
  const files: { file: string; readBy: string[] }[] = [];
  if (project.npmrc) files.push({ file: project.npmrc, readBy: ["npm", "pnpm"] });
  const pnpmConfig =
    process.platform === "win32"
      ? join(env.LOCALAPPDATA ?? "", "pnpm", "config")
      : join(userDirs("pnpm", { env }).config);
  files.push({ file: join(pnpmConfig, "auth.ini"), readBy: ["pnpm 11+"] });
  files.push({ file: user, readBy: ["npm", "pnpm"] });
  const prefix = env.npm_config_prefix ?? env.PREFIX;
  if (prefix) files.push({ file: join(prefix, "etc", "npmrc"), readBy: ["npm (global)"] });
  return files;
}

function inspectNpmrc(
  file: string,
  readBy: string[],
  registryUrl: string,
  now: Date,
): {
  finding: NpmrcFinding;
  traps: string[];
} {
  const nerf = registryNerfDart(registryUrl);
  const traps: string[] = [];
  const exists = existsSync(file);
  const lines: NpmrcFinding["lines"] = [];
  if (exists) {
    let text = "";
    try {
      text = readConfigText(file, "npmrc") ?? "";
    } catch (error) {
      lines.push({ line: 0, text: `cannot read: ${oneLine(error)}` });
    }
    for (const entry of parseNpmrc(text)) {
      if (entry.section !== undefined) continue;
      const value = entry.value === true ? "" : entry.value;
      const isToken =
        entry.key === `${nerf}:_authToken` ||
        entry.key === `${nerf}:_auth` ||
        entry.key === `${nerf}:_password`;
      const mapsRegistry =
        (entry.key === "registry" || entry.key.endsWith(":registry")) &&
        value.replace(/\/?$/, "/").includes(nerf.slice(2));
      if (isToken) {
        const reference = /\$\{[^}]+\}/.test(value);
        lines.push({ line: entry.line, text: `${entry.key}=${reference ? value : "[redacted]"}` });
        if (reference && readBy.includes("pnpm") && file !== findUserNpmrc().path) {
          traps.push(
            `${file}:${entry.line}: \`${entry.key}\` uses ${value}; pnpm >= 10.34.2 ignores \${VAR} auth in a project .npmrc ("Ignored project-level auth setting"): use \`codeartifact-login setup pnpm\` or \`codeartifact-login exec -- pnpm install\``,
          );
        }
        const expired = reference ? undefined : tokenValueProblem(value, now);
        if (expired)
          traps.push(`${file}:${entry.line}: the token for ${nerf} ${expired}: run \`codeartifact-login\``);
      } else if (entry.key === `${nerf}:tokenHelper`) {
        lines.push({ line: entry.line, text: `${entry.key}=${value}` });
        const problem = tokenHelperProblem(value);
        if (problem) traps.push(`${file}:${entry.line}: ${problem}: run \`codeartifact-login setup pnpm\``);
      } else if (mapsRegistry) {
        lines.push({ line: entry.line, text: `${entry.key}=${value}` });
      }
    }
  }
  return { finding: { file, readBy, exists, lines }, traps };
}

/** The `${CODEARTIFACT_AUTH_TOKEN}` references npm would expand, or the line saying why they are unknown. */
function tokenReferences(context: CommandContext): TokenReference[] | string {
  try {
    return findTokenReferences(npmConfigFiles(context.cwd, { env: context.env }), context.env);
  } catch (error) {
    return `cannot check the .npmrc files for \${CODEARTIFACT_AUTH_TOKEN}: ${oneLine(error)}; \`exec\` will not export it`;
  }
}

/** A reference keyed to a host no token is fetched for: `exec` withholds the variable because of it. */
function strayReferenceTraps(references: TokenReference[] | string, nerfDarts: string[]): string[] {
  if (typeof references === "string") return [references];
  return references
    .filter((r) => strayTokenReference([r], nerfDarts))
    .map(
      (r) =>
        `${r.file}:${r.line}: \`${r.key}\` hands \${CODEARTIFACT_AUTH_TOKEN} to ${r.nerfDart ? `\`${r.nerfDart}\`` : "a place that is not a registry's token setting"}, not a registry the token is for (${nerfDarts.join(", ")}): remove the line; \`exec\` does not export the variable while it is there`,
    );
}

export async function run(context: CommandContext, flags: RegistryFlags): Promise<number> {
  const { out, env } = context;
  const now = new Date();
  // A registry URL that cannot be used (plain http, a broken CodeArtifact URL) is reported as found,
  // with the rest of the report, instead of ending it.
  const chosen = await chooseRegistries(context, flags).catch((error: unknown) => error as Error);
  const selection: Selection =
    chosen instanceof Error ? { config: await loadConfig(context), registries: [], searched: [] } : chosen;
  const keychain = keychainStore();
  const probe = await keychain.backend.probe();
  const committed = await findCommittedTokens({ cwd: context.cwd, env });
  const environment = Object.fromEntries(
    ENV_OF_INTEREST.filter((name) => env[name] !== undefined).map((name) => [
      name,
      SECRET_ENV.has(name) ? "(set)" : (env[name] as string),
    ]),
  );

  const resolved =
    chosen instanceof Error
      ? chosen
      : await resolveAll(context, selection, flags, { printWarnings: false }).catch(
          (error) => error as Error,
        );
  const registries = [];
  let failures = 0;
  if (!(resolved instanceof Error)) {
    const files = npmrcFiles(context);
    const references = tokenReferences(context);
    const fetchedFor = resolved.map((r) => registryNerfDart(r.target.registryUrl));
    for (const [index, registry] of resolved.entries()) {
      const traps: string[] = [];
      traps.push(...strayReferenceTraps(references, fetchedFor));
      const npmrc = files.map(({ file, readBy }) => {
        const inspected = inspectNpmrc(file, readBy, registry.target.registryUrl, now);
        traps.push(...inspected.traps);
        return inspected.finding;
      });
      let token: Record<string, unknown>;
      try {
        const result = await getTokenForRegistry(registry, {
          env,
          cwd: context.cwd,
          onWarning: (m) => traps.push(m),
        });
        out.mask(result.token.reveal());
        token = {
          ok: true,
          source: result.source,
          expiresAt: result.expiresAt?.toISOString() ?? null,
          ...(result.cache ? { store: result.cache.store, stale: Boolean(result.cache.stale) } : {}),
        };
      } catch (error) {
        failures += 1;
        token = { ok: false, code: (error as { code?: string }).code ?? "ERROR", message: oneLine(error) };
      }
      const mode = registry.settings.cache ?? "auto";
      registries.push({
        registryUrl: registry.target.registryUrl,
        domain: registry.target.domain,
        domainOwner: registry.target.domainOwner,
        region: registry.target.region,
        repository: registry.target.repository,
        origin: selection.registries[index]?.origin ?? "--registry",
        sectionsApplied: registry.selection.applied,
        warnings: registry.selection.warnings,
        settings: settingSources(registry),
        credentials: registry.selection.credentials ?? null,
        identity: registry.identity.description,
        cache: {
          mode,
          store:
            mode === "none"
              ? "none"
              : mode === "file" || (mode === "auto" && !probe.available)
                ? `file (${join(cacheDir(env), "tokens")})`
                : keychain.location,
        },
        npmrc,
        traps,
        token,
      });
    }
  }

  const report = {
    version: VERSION,
    config: {
      file: selection.config.file ?? null,
      candidates: selection.config.candidates.map((c) => ({
        path: c.path,
        origin: c.origin,
        exists: c.exists,
      })),
      warnings: selection.config.warnings,
    },
    environment,
    keychain: probe.available
      ? { available: true, store: probe.store }
      : { available: false, reason: probe.reason },
    committedTokens: committed.map((w) => w.message),
    backgroundRefreshFailure: describeFailedRun(env, now) ?? null,
    registries,
    ...(resolved instanceof Error
      ? { error: { code: (resolved as { code?: string }).code ?? "ERROR", message: oneLine(resolved) } }
      : {}),
  };
  if (out.json) {
    out.result(report);
    return failures > 0 || resolved instanceof Error ? 1 : 0;
  }

  const p = (line = "") => out.stdout(`${line}\n`);
  const t = (path: string) => tildify(path, env);
  p(`codeartifact-keyring ${VERSION} diagnose`);
  p();
  p("Config files (first existing one is used):");
  for (const c of report.config.candidates)
    p(
      `  ${c.exists ? (c.path === report.config.file ? "used  " : "exists") : "absent"}  ${t(c.path)}  (${c.origin})`,
    );
  for (const w of report.config.warnings) p(`  warning: ${w}`);
  p();
  p("Environment:");
  if (Object.keys(environment).length === 0) p("  (no AWS or codeartifact-keyring variables set)");
  for (const [name, value] of Object.entries(environment)) p(`  ${name}=${value}`);
  p();
  p(`Keychain: ${probe.available ? `available (${probe.store})` : `unavailable: ${probe.reason}`}`);
  for (const warning of report.committedTokens) p(`Trap: ${warning}`);
  if (report.backgroundRefreshFailure) p(`Trap: ${report.backgroundRefreshFailure}`);
  if (resolved instanceof Error) {
    p();
    p(`error: ${oneLine(resolved)}`);
    return 1;
  }
  if (registries.length === 0) {
    p();
    p(
      `No CodeArtifact registry found (searched: ${selection.searched.map(t).join(", ") || "no .npmrc or .yarnrc.yml"}). Pass --registry URL.`,
    );
  }
  for (const r of registries) {
    p();
    p(`Registry ${r.repository} (${r.domain}, ${r.domainOwner}, ${r.region})`);
    p(`  url:        ${r.registryUrl}  (from ${t(r.origin)})`);
    p(
      `  sections:   ${r.sectionsApplied.length ? r.sectionsApplied.map((s) => `[${s}]`).join(" < ") : "none (defaults only)"}`,
    );
    for (const w of r.warnings) p(`  warning:    ${w}`);
    const credentials = r.credentials;
    p(
      `  credentials: ${credentials ? `[${credentials.section}] ${credentials.file ? t(credentials.file) : ""}${credentials.line ? `:${credentials.line}` : ""}` : "no section sets any: the SDK's default chain"}`,
    );
    for (const aside of credentials?.setAside ?? [])
      p(
        `    set aside: ${aside.keys.join(", ")} of [${aside.section}] (credentials come whole from one section)`,
      );
    p("  settings:");
    if (r.settings.length === 0) p("    (none set: the defaults apply)");
    for (const s of r.settings) {
      const where = s.file ? `${t(s.file)}${s.line ? `:${s.line}` : ""}` : s.section;
      p(
        `    ${s.key} = ${s.value}    (${s.section === "flag" || s.section === "env" ? s.section : `[${s.section}]`} ${where}${s.via ? `, via ${s.via.join(", ")}` : ""})`,
      );
    }
    p(`  identity:   ${r.identity}`);
    p(`  cache:      ${r.cache.mode} → ${r.cache.store}`);
    p("  .npmrc files, in the order the clients read them:");
    for (const f of r.npmrc) {
      p(
        `    ${t(f.file)} (${f.readBy.join(", ")}): ${f.exists ? (f.lines.length ? "" : "nothing for this registry") : "absent"}`,
      );
      for (const l of f.lines) p(`      line ${l.line}: ${l.text}`);
    }
    for (const trap of r.traps) p(`  trap:       ${trap}`);
    const token = r.token as {
      ok: boolean;
      source?: string;
      expiresAt?: string | null;
      store?: string;
      message?: string;
    };
    p(
      token.ok
        ? `  token:      ${out.color.ok("✔")} ${token.source}${token.store ? ` (${token.store} store)` : ""}, ${describeExpiry(token.expiresAt ? new Date(token.expiresAt) : undefined, now)}`
        : `  token:      ${out.color.bad("✖")} ${token.message}`,
    );
  }
  return failures > 0 ? 1 : 0;
}
