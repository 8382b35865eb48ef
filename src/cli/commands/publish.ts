// `publish`: one scheduled job stores each domain's token in SSM Parameter Store or Secrets Manager,
// so a fleet's runners read it (`token_from`) instead of each calling GetAuthorizationToken. It
// writes only when what is stored has less than --margin left, so a 15-minute schedule writes about
// twice a day with 12-hour tokens.

import { DEFAULT_REFRESH_MARGIN_SECONDS } from "../../cache/entry.js";
import { getTokenForRegistry } from "../../cache/token.js";
import type { ResolvedRegistry } from "../../codeartifact/resolve.js";
import { parseTokenStore, SettingRuleError, type TokenStoreRef } from "../../codeartifact/settings.js";
import { CodedError } from "../../configstore/errors.js";
import type { CommandContext } from "../context.js";
import { oneLine, UsageError } from "../errors.js";
import { describeExpiry } from "../present.js";
import { chooseRegistries, type RegistryFlags, resolveAll } from "../registries.js";

interface PublishFlags extends RegistryFlags {
  to?: string;
  margin?: string;
  force?: boolean;
}

/** Seconds of validity below which a stored token is replaced. Readers need `refresh_margin` (15 min) plus a schedule interval. */
export const DEFAULT_PUBLISH_MARGIN_SECONDS = 3600;

class PublishError extends CodedError {
  override name = "PublishError";
}

function parseMargin(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PUBLISH_MARGIN_SECONDS;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(n >= 0 && n <= 43_200)) {
    throw new UsageError(
      `--margin ${value}: use a number of seconds from 0 to 43200 (default ${DEFAULT_PUBLISH_MARGIN_SECONDS})`,
    );
  }
  return n;
}

function parseStore(value: string | undefined): TokenStoreRef {
  if (!value) {
    throw new UsageError("`publish` needs where to: --to ssm:/PATH or --to secretsmanager:NAME");
  }
  try {
    return parseTokenStore(value);
  } catch (error) {
    if (error instanceof SettingRuleError) throw new UsageError(`--to ${value}: ${error.rule}`);
    throw error;
  }
}

interface Published {
  domain: string;
  domainOwner: string;
  region: string;
  name: string;
  action: "published" | "kept";
  expiresAt: string;
}

async function publishOne(
  context: CommandContext,
  store: TokenStoreRef,
  resolved: ResolvedRegistry,
  options: { margin: number; force: boolean },
): Promise<Published> {
  const { out } = context;
  const { openTokenStore, publishedName, readPublished, writePublished, describeStored } = await import(
    "../../codeartifact/published.js"
  );
  const { target } = resolved;
  const where = describeStored(store, target);
  const backend = await openTokenStore(store, resolved, context.env);
  const existing = await readPublished(store, resolved, backend);
  const now = new Date();
  const base = {
    domain: target.domain,
    domainOwner: target.domainOwner,
    region: target.region,
    name: publishedName(store, target),
  };
  if (existing === "invalid" && !options.force) {
    throw new PublishError(
      "PUBLISH_WOULD_OVERWRITE",
      `${store.spec}: ${where} holds something that is not a token record written by \`codeartifact-login publish\`: choose another --to path, or pass --force to replace it`,
    );
  }
  if (
    existing !== undefined &&
    existing !== "invalid" &&
    existing.domain === target.domain &&
    existing.domainOwner === target.domainOwner &&
    existing.region === target.region &&
    existing.expiresAt.getTime() - now.getTime() >= options.margin * 1000
  ) {
    return { ...base, action: "kept", expiresAt: existing.expiresAt.toISOString() };
  }
  // The cached token is reused only when it outlives the margin too; never the published one itself.
  const settings = {
    ...resolved.settings,
    refreshMargin: Math.max(
      options.margin,
      resolved.settings.refreshMargin ?? DEFAULT_REFRESH_MARGIN_SECONDS,
    ),
  };
  delete settings.tokenFrom;
  const token = await getTokenForRegistry(
    { ...resolved, settings },
    { env: context.env, cwd: context.cwd, onNotice: (m) => out.info(m), onWarning: (m) => out.warn(m) },
  );
  out.mask(token.token.reveal());
  if (token.source === "env" || token.source === "config" || !token.expiresAt) {
    throw new PublishError(
      "PUBLISH_PRESET_TOKEN",
      `${store.spec}: \`publish\` mints the token it stores, and a pre-set one (${token.source === "env" ? "CODEARTIFACT_AUTH_TOKEN" : "auth_token"}) stands in the way: unset it for the publisher job`,
    );
  }
  await writePublished(
    store,
    resolved,
    {
      token: token.token.reveal(),
      expiresAt: token.expiresAt,
      domain: target.domain,
      domainOwner: target.domainOwner,
      region: target.region,
      publishedAt: now,
      publisher: resolved.identity.description,
    },
    backend,
  );
  return { ...base, action: "published", expiresAt: token.expiresAt.toISOString() };
}

export async function run(context: CommandContext, flags: PublishFlags): Promise<number> {
  const { out } = context;
  const store = parseStore(flags.to);
  const margin = parseMargin(flags.margin);
  const selection = await chooseRegistries(context, flags, { required: true });
  const resolvedAll = await resolveAll(context, selection, flags);
  // One name per domain: registries of one domain share its token.
  const byDomain = new Map<string, ResolvedRegistry>();
  for (const resolved of resolvedAll) {
    const { domain, domainOwner, region } = resolved.target;
    const key = `${domain}/${domainOwner}/${region}`;
    if (!byDomain.has(key)) byDomain.set(key, resolved);
  }
  const outcomes = await Promise.all(
    [...byDomain.values()].map((resolved) =>
      publishOne(context, store, resolved, { margin, force: Boolean(flags.force) }).then(
        (value) => ({ resolved, value, error: undefined as unknown }),
        (error: unknown) => ({ resolved, value: undefined, error }),
      ),
    ),
  );
  const now = new Date();
  for (const { value, error } of outcomes) {
    if (error) {
      out.error(oneLine(error));
      continue;
    }
    if (!value) continue;
    const what = `${value.domain} (${value.domainOwner}, ${value.region})`;
    const until = describeExpiry(new Date(value.expiresAt), now);
    out.info(
      value.action === "published"
        ? `published the token for ${what} to ${store.kind === "ssm" ? "parameter" : "secret"} \`${value.name}\`, ${until}`
        : `kept the token for ${what} at \`${value.name}\`, ${until} (replaced when less than ${Math.round(margin / 60)} min is left)`,
    );
  }
  if (out.json) {
    out.result({
      store: store.spec,
      results: outcomes.map(
        ({ value, error, resolved }) =>
          value ?? {
            domain: resolved.target.domain,
            domainOwner: resolved.target.domainOwner,
            region: resolved.target.region,
            error: { code: (error as CodedError).code ?? "ERROR", message: oneLine(error) },
          },
      ),
    });
  }
  return outcomes.some((o) => o.error) ? 1 : 0;
}
