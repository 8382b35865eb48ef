// `login` (the default command): a token for every CodeArtifact registry the project uses, one fetch
// per domain and identity, written where npm (and, with --yarn, yarn berry) reads it.
import type { CachedAuthorizationToken } from "../../cache/token.js";
import type { NpmrcEdit } from "../../package-managers/npmrc.js";
import type { CommandContext } from "../context.js";
import { oneLine, UsageError } from "../errors.js";
import { exportToGithubEnv, requireGithubEnv } from "../github.js";
import { describeExpiry, describeFileChange, printChanges, tildify } from "../present.js";
import { chooseRegistries, type RegistryFlags, resolveAll } from "../registries.js";
import { fetchTokens, type TokenOutcome } from "../tokens.js";

interface LoginFlags extends RegistryFlags {
  npmrc?: string;
  yarn?: boolean;
  scope?: string[];
  defaultRegistry?: boolean;
  dryRun?: boolean;
  force?: boolean;
  refresh?: boolean;
  githubEnv?: boolean;
}

interface Outcome extends TokenOutcome {
  origin: string;
}

export async function run(context: CommandContext, flags: LoginFlags): Promise<number> {
  const { out, env } = context;
  // Checked first: a run that fails must not have written anything.
  if (flags.githubEnv) requireGithubEnv(env);
  const selection = await chooseRegistries(context, flags, { required: true });
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
  const edits: NpmrcEdit[] = succeeded.map((o) => ({
    kind: "set-token",
    registryUrl: o.resolved.target.registryUrl,
    token: o.token.token,
  }));
  const [only] = succeeded;
  if (only && succeeded.length === 1) {
    for (const scope of flags.scope ?? [])
      edits.push({ kind: "set-registry", registryUrl: only.resolved.target.registryUrl, scope });
    if (flags.defaultRegistry)
      edits.push({ kind: "set-registry", registryUrl: only.resolved.target.registryUrl });
  }
  const editOptions = {
    ...(flags.force ? { force: true } : {}),
    onNotice: (m: string) => out.info(m),
  };
  const files: { path: string; changed: boolean; created: boolean; changes: unknown[] }[] = [];
  let written = "";
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

  if (flags.githubEnv && succeeded.length > 0) {
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
