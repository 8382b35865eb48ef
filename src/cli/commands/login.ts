// `login` (the default command): a token for every CodeArtifact registry the project uses, one fetch
// per domain and identity, written where npm (and, with --yarn, yarn berry) reads it.

import { dirname } from "node:path";
import type { CachedAuthorizationToken } from "../../cache/token.js";
import type { NpmrcEdit } from "../../package-managers/npmrc.js";
import type { CommandContext } from "../context.js";
import { oneLine, UsageError } from "../errors.js";
import { exportToGithubEnv, requireGithubEnv } from "../github.js";
import { describeExpiry, describeFileChange, printChanges, tildify } from "../present.js";
import { chooseRegistries, type RegistryFlags, resolveAll } from "../registries.js";
import { EXEC_MARK, fetchTokens, type TokenOutcome } from "../tokens.js";

interface LoginFlags extends RegistryFlags {
  npmrc?: string;
  yarn?: boolean;
  yarn1?: boolean;
  scope?: string[];
  defaultRegistry?: boolean;
  dryRun?: boolean;
  force?: boolean;
  refresh?: boolean;
  githubEnv?: boolean;
  optional?: boolean;
}

interface Outcome extends TokenOutcome {
  origin: string;
}

/**
 * Why this run only checks and writes nothing, if it does: under `exec` (which marks its child's
 * environment), or run by a package manager's lifecycle hook while `CODEARTIFACT_AUTH_TOKEN` is set.
 * Either way the token is already in the environment; writing it would put it on disk (and into a
 * Docker layer) behind the back of whoever chose the environment.
 */
export function checkOnlyReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env[EXEC_MARK] === "1") return "under `codeartifact-login exec`";
  if (env.CODEARTIFACT_AUTH_TOKEN && env.npm_lifecycle_event)
    return `in the \`${env.npm_lifecycle_event}\` script with CODEARTIFACT_AUTH_TOKEN set`;
  return undefined;
}

export async function run(context: CommandContext, flags: LoginFlags): Promise<number> {
  const { out, env } = context;
  const checkOnly = checkOnlyReason(env);
  // Checked first: a run that fails must not have written anything.
  if (flags.githubEnv && !checkOnly) requireGithubEnv(env);
  const selection = await chooseRegistries(context, flags, { required: !flags.optional });
  // --optional (shell-init's functions, hooks): a directory without a CodeArtifact registry is fine.
  if (selection.registries.length === 0) {
    if (out.json) out.result({ dryRun: Boolean(flags.dryRun), registries: [], files: [] });
    return 0;
  }
  if ((flags.scope?.length || flags.defaultRegistry) && selection.registries.length !== 1) {
    throw new UsageError(
      `--scope and --default-registry map one registry, and ${selection.registries.length} were found: pass one --registry`,
    );
  }
  const resolvedAll = await resolveAll(context, selection, flags);

  const outcomes: Outcome[] =
    // A dry run writes nothing, the cache included: a token it had to fetch is not kept.
    (await fetchTokens(context, resolvedAll, { forceRefresh: flags.refresh, readOnly: flags.dryRun })).map(
      (outcome, index) => ({ ...outcome, origin: selection.registries[index]?.origin ?? "--registry" }),
    );
  const succeeded = outcomes.filter(
    (o): o is Outcome & { token: CachedAuthorizationToken } => o.token !== undefined,
  );

  const [{ applyNpmrcEdits }, { userNpmrcPath }] = await Promise.all([
    import("../../package-managers/npmrc.js"),
    import("../../package-managers/npmrc-locations.js"),
  ]);
  const npmrcFile = flags.npmrc ?? userNpmrcPath({ env });
  const edits: NpmrcEdit[] = (checkOnly ? [] : succeeded).map((o) => ({
    kind: "set-token",
    registryUrl: o.resolved.target.registryUrl,
    token: o.token.token,
  }));
  const [only] = succeeded;
  if (only && succeeded.length === 1 && !checkOnly) {
    for (const scope of flags.scope ?? [])
      edits.push({ kind: "set-registry", registryUrl: only.resolved.target.registryUrl, scope });
    if (flags.defaultRegistry)
      edits.push({ kind: "set-registry", registryUrl: only.resolved.target.registryUrl });
  }
  // yarn 1 sends tokens for unscoped packages only with `always-auth`, which npm 11+ warn about: only
  // for a yarn 1 project, or when asked.
  const yarn1 = flags.yarn1
    ? "`--yarn1`"
    : (await import("../../package-managers/yarn-classic.js")).yarnClassicEvidence(context.cwd, { env });
  if (yarn1) {
    for (const o of succeeded)
      edits.push({ kind: "set-always-auth", registryUrl: o.resolved.target.registryUrl });
  }
  const editOptions = {
    ...(flags.force ? { force: true } : {}),
    onNotice: (m: string) => out.info(m),
  };
  const files: { path: string; changed: boolean; created: boolean; changes: unknown[] }[] = [];
  let written = checkOnly ? `nothing written (${checkOnly})` : "";
  if (edits.length > 0) {
    const { setYarnAuthTokens } = await import("../../package-managers/yarnrc.js");
    const yarnEntries = succeeded.map((o) => ({
      registryUrl: o.resolved.target.registryUrl,
      token: o.token.token,
    }));
    const writeNpmrc = (dryRun: boolean) => applyNpmrcEdits(npmrcFile, edits, { ...editOptions, dryRun });
    const writeYarnrc = (dryRun: boolean) =>
      setYarnAuthTokens(undefined, yarnEntries, { ...editOptions, env, dryRun });
    // Two files: check both (parse, git, modes) before writing either, so a bad one leaves both untouched.
    if (flags.yarn && !flags.dryRun) {
      await writeNpmrc(true);
      await writeYarnrc(true);
    }
    const npmrc = await writeNpmrc(Boolean(flags.dryRun));
    files.push({
      path: npmrc.realFile,
      changed: npmrc.changed,
      created: npmrc.created,
      changes: npmrc.changes,
    });
    written = describeFileChange(npmrc.realFile, npmrc.changed, flags.dryRun, env);
    if (!flags.dryRun) {
      // Remembered so `logout` can take back exactly these lines (and a file it created), never the user's.
      const { additionsRecordPath, recordAdditions } = await import(
        "../../package-managers/npmrc-additions.js"
      );
      try {
        await recordAdditions(
          npmrc.realFile,
          {
            created: npmrc.created,
            registries: npmrc.changes.flatMap((c) =>
              c.action === "add" && (c.key === "registry" || c.key.endsWith(":registry"))
                ? [
                    {
                      registryUrl: c.text.slice(c.text.indexOf("=") + 1),
                      ...(c.key === "registry" ? {} : { scope: c.key.slice(0, -":registry".length) }),
                    },
                  ]
                : [],
            ),
          },
          env,
        );
      } catch (error) {
        // The token is written; only the bookkeeping for `logout` is not (a read-only HOME, a full disk).
        const record = additionsRecordPath(env);
        const { writeFailureReason } = await import("../../configstore/files.js");
        out.warn(
          `could not record what was added to \`${npmrc.realFile}\` in \`${record}\`: ${(error as NodeJS.ErrnoException).code ? writeFailureReason(error, dirname(record)) : (error as Error).message}; \`logout\` will leave those lines`,
        );
      }
    }
    if (flags.dryRun) printChanges(out, npmrc.realFile, npmrc.changes, env);
    if (flags.yarn) {
      const yarn = await writeYarnrc(Boolean(flags.dryRun));
      files.push({
        path: yarn.realFile,
        changed: yarn.changed,
        created: yarn.created,
        changes: yarn.changes,
      });
      written += `, ${describeFileChange(yarn.realFile, yarn.changed, flags.dryRun, env)}`;
      if (flags.dryRun) printChanges(out, yarn.realFile, yarn.changes, env);
    }
  }

  if (yarn1 && edits.length > 0) {
    out.info(
      `for yarn 1 (${yarn1}): \`always-auth=true\` set for ${succeeded.length === 1 ? "the registry" : "each registry"} (npm 11 and later warn \`Unknown user config "always-auth"\` about it)`,
    );
  }

  const { findCommittedTokens } = await import("../../package-managers/committed-tokens.js");
  for (const warning of await findCommittedTokens({ cwd: context.cwd, env })) out.warn(warning.message);

  for (const o of outcomes) {
    const { target } = o.resolved;
    const name = `${target.repository} (${target.domain}, ${target.region})`;
    if (o.token) {
      const how =
        o.token.source === "cache"
          ? o.token.cache?.stale
            ? "cached (stale)"
            : "cached"
          : o.token.source === "aws"
            ? "new"
            : `from ${o.token.source}`;
      out.info(`${out.color.ok("✔")} ${name}: ${how} token ${describeExpiry(o.token.expiresAt)}; ${written}`);
    } else {
      out.error(`${name}: ${oneLine(o.error)}`);
    }
  }

  if (flags.githubEnv && succeeded.length > 0 && !checkOnly) {
    const tokens = new Set(succeeded.map((o) => o.token.token.reveal()));
    if (tokens.size > 1) {
      out.warn(
        "--github-env exports one CODEARTIFACT_AUTH_TOKEN, but the registries use several tokens: nothing exported",
      );
    } else {
      const file = await exportToGithubEnv(env, { CODEARTIFACT_AUTH_TOKEN: [...tokens][0] as string });
      out.info(`exported CODEARTIFACT_AUTH_TOKEN to later steps (${tildify(file, env)})`);
    }
  }

  if (out.json) {
    out.result({
      dryRun: Boolean(flags.dryRun),
      registries: outcomes.map((o) => ({
        registryUrl: o.resolved.target.registryUrl,
        domain: o.resolved.target.domain,
        domainOwner: o.resolved.target.domainOwner,
        region: o.resolved.target.region,
        repository: o.resolved.target.repository,
        origin: o.origin,
        ok: o.token !== undefined,
        ...(o.token
          ? {
              source: o.token.source,
              expiresAt: o.token.expiresAt?.toISOString() ?? null,
              cached: o.token.source === "cache",
            }
          : { error: { code: (o.error as { code?: string })?.code ?? "ERROR", message: oneLine(o.error) } }),
      })),
      files,
    });
  }
  return succeeded.length === outcomes.length ? 0 : 1;
}
