// A fleet's token, published once to AWS's own stores (SSM Parameter Store SecureString or Secrets
// Manager) by one scheduled `codeartifact-login publish`, and read by every runner (`token_from`)
// instead of each calling GetAuthorizationToken. The record names the domain it is for, so a runner
// never uses a token for another registry, and when it was published, so a stale one names its age.
import { BackendError } from "../configstore/errors.js";
import { Secret } from "../configstore/secret.js";
import { formatDuration } from "../configstore/time-text.js";
import type { WritableBackend } from "../configstore/types.js";
import { CodeArtifactError, ThrottledError } from "./errors.js";
import type { RegistryTarget } from "./registry-url.js";
import type { ResolvedRegistry } from "./resolve.js";
import type { TokenStoreRef } from "./settings.js";
import { EXPIRY_SKEW_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, tokenProblem } from "./token-rule.js";

/** Version of the published record; a record of another version is not used. */
export const PUBLISHED_VERSION = 1;
/** Longest record read: a CodeArtifact token is about 1.2 KB; SSM's standard tier holds 4 KB. */
const MAX_RECORD_CHARS = 16_384;

/** What `publish` stores under each domain's name, as JSON. */
export interface PublishedRecord {
  token: string;
  expiresAt: Date;
  domain: string;
  domainOwner: string;
  region: string;
  publishedAt: Date;
  /** Who published it, for people: the identity's description (never a secret). */
  publisher: string;
}

export type PublishedErrorCode =
  | "PUBLISHED_TOKEN_MISSING"
  | "PUBLISHED_TOKEN_OTHER_DOMAIN"
  | "PUBLISHED_TOKEN_STALE"
  | "PUBLISHED_TOKEN_INVALID"
  | "PUBLISHED_STORE_FAILED";

/** The published token cannot be used: names the store, the name, what was found, and the fix. */
export class PublishedTokenError extends CodeArtifactError {
  override name = "PublishedTokenError";
  /** What is wrong, without the fix (for a warning when `token_from_fallback = aws` takes over). */
  readonly problem: string;
  constructor(code: PublishedErrorCode, problem: string, fix: string, options?: ErrorOptions) {
    super(code, `${problem}: ${fix}`, options);
    this.problem = problem;
  }
}

/**
 * The name a domain's token is published under: `<PATH>/<domain>-<owner>-<region>` for both stores
 * (`ssm:/ci/codeartifact` → parameter `/ci/codeartifact/corp-111122223333-us-east-1`).
 */
export function publishedName(
  store: TokenStoreRef,
  target: Pick<RegistryTarget, "domain" | "domainOwner" | "region">,
): string {
  return `${store.path}/${domainKey(target)}`;
}

function domainKey(target: Pick<RegistryTarget, "domain" | "domainOwner" | "region">): string {
  return `${target.domain}-${target.domainOwner}-${target.region}`;
}

function describeTarget(target: Pick<RegistryTarget, "domain" | "domainOwner" | "region">): string {
  return `${target.domain} (${target.domainOwner}, ${target.region})`;
}

/** `parameter \`/ci/x/…\`` or `secret \`ci/x/…\``. */
export function describeStored(
  store: TokenStoreRef,
  target: Pick<RegistryTarget, "domain" | "domainOwner" | "region">,
): string {
  return `${store.kind === "ssm" ? "parameter" : "secret"} \`${publishedName(store, target)}\``;
}

export function serializePublished(record: PublishedRecord): string {
  return JSON.stringify({
    version: PUBLISHED_VERSION,
    token: record.token,
    expiresAt: record.expiresAt.toISOString(),
    domain: record.domain,
    domainOwner: record.domainOwner,
    region: record.region,
    publishedAt: record.publishedAt.toISOString(),
    publisher: record.publisher,
  });
}

/** The record in `text`, or undefined when it is not one `publish` wrote (or of another version). */
export function parsePublished(text: string): PublishedRecord | undefined {
  if (text.length > MAX_RECORD_CHARS) return undefined;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== "object" || data.version !== PUBLISHED_VERSION) return undefined;
  const strings = ["domain", "domainOwner", "region", "publisher"] as const;
  if (strings.some((name) => typeof data[name] !== "string")) return undefined;
  // The token itself is checked by the reader (`tokenProblem`), which says what is wrong with it.
  if (typeof data.token !== "string") return undefined;
  const expiresAt = new Date(String(data.expiresAt));
  const publishedAt = new Date(String(data.publishedAt));
  if (Number.isNaN(expiresAt.getTime()) || Number.isNaN(publishedAt.getTime())) return undefined;
  return {
    token: data.token,
    expiresAt,
    domain: data.domain as string,
    domainOwner: data.domainOwner as string,
    region: data.region as string,
    publishedAt,
    publisher: data.publisher as string,
  };
}

/**
 * The backend holding `store`'s names, in the registry's region, signed with the credentials the
 * registry's settings choose (profile, static keys, role), its client made by the one AWS client
 * factory with `timeout`, `verify` and `env`. The SDK is loaded on the first call.
 */
export async function openTokenStore(
  store: TokenStoreRef,
  resolved: ResolvedRegistry,
  env: NodeJS.ProcessEnv,
): Promise<WritableBackend> {
  const { credentialProvider } = await import("./aws.js");
  const { settings } = resolved;
  const options = {
    prefix: store.path,
    region: resolved.target.region,
    env,
    credentials: await credentialProvider(settings, resolved.identity, resolved.target, env),
    ...(settings.timeout !== undefined ? { timeoutSeconds: settings.timeout } : {}),
    ...(settings.verify !== undefined ? { verify: settings.verify } : {}),
  };
  if (store.kind === "ssm") {
    const { fromSsm } = await import("../configstore/backends/ssm.js");
    return fromSsm(options);
  }
  const { fromSecretsManager } = await import("../configstore/backends/secrets-manager.js");
  return fromSecretsManager(options);
}

/** The store's failure in one line: the name, what AWS said, and the permission or limit to look at. */
function storeFailure(
  store: TokenStoreRef,
  target: RegistryTarget,
  who: string,
  error: unknown,
  writing = false,
): CodeArtifactError {
  const cause = (error as { cause?: { name?: string; $metadata?: { attempts?: number } } })?.cause;
  const where = describeStored(store, target);
  const service = store.kind === "ssm" ? "Parameter Store" : "Secrets Manager";
  if (cause?.name === "ThrottlingException") {
    const attempts = cause.$metadata?.attempts;
    return new ThrottledError(
      `${store.spec}: ${service} throttled the ${writing ? "write" : "read"} of ${where}${attempts ? ` after ${attempts} attempts` : ""}: retry shortly${store.kind === "ssm" ? "; for a large fleet raise Parameter Store's throughput (higher throughput setting) or publish to secretsmanager:" : ""}`,
      { cause: error },
    );
  }
  const reason = error instanceof BackendError ? error.message.replace(/^[a-z]+: /, "") : String(error);
  const action =
    store.kind === "ssm"
      ? writing
        ? "ssm:GetParameter`, `ssm:PutParameter"
        : "ssm:GetParameter"
      : writing
        ? "secretsmanager:GetSecretValue`, `secretsmanager:PutSecretValue`, `secretsmanager:CreateSecret"
        : "secretsmanager:GetSecretValue";
  return new PublishedTokenError(
    "PUBLISHED_STORE_FAILED",
    `${store.spec}: ${reason.replace(/ (Allow|Check) .*$/, "")}`,
    `${who} needs \`${action}\` on ${where} and \`kms:Decrypt\` (kms:Encrypt to write) on its KMS key`,
    { cause: error },
  );
}

/**
 * What is published for `resolved`'s domain in `store`, with its name: the record, `undefined` when
 * nothing is there, `"invalid"` when something that is not a published record is.
 */
export async function readPublished(
  store: TokenStoreRef,
  resolved: ResolvedRegistry,
  opened: WritableBackend,
): Promise<PublishedRecord | "invalid" | undefined> {
  let text: string | undefined;
  try {
    text = await opened.get(domainKey(resolved.target));
  } catch (error) {
    throw storeFailure(store, resolved.target, resolved.identity.description, error);
  }
  if (text === undefined) return undefined;
  return parsePublished(text) ?? "invalid";
}

/** Stores `record` under its domain's name (a SecureString parameter, or a new secret version). */
export async function writePublished(
  store: TokenStoreRef,
  resolved: ResolvedRegistry,
  record: PublishedRecord,
  opened: WritableBackend,
): Promise<string> {
  try {
    await opened.set(domainKey(resolved.target), serializePublished(record));
  } catch (error) {
    throw storeFailure(store, resolved.target, resolved.identity.description, error, true);
  }
  return publishedName(store, resolved.target);
}

/**
 * The published token for a registry when it is for that domain and valid for `minValidSeconds`
 * more; otherwise a `PublishedTokenError` naming the store, the age of what it found and the fix.
 */
export async function readPublishedToken(
  store: TokenStoreRef,
  resolved: ResolvedRegistry,
  options: { now: () => Date; minValidSeconds: number; env: NodeJS.ProcessEnv },
): Promise<{ token: Secret; expiresAt: Date }> {
  const { target } = resolved;
  const where = describeStored(store, target);
  const publish = `\`codeartifact-login publish --to ${store.spec} --registry ${target.registryUrl}\``;
  const found = await readPublished(store, resolved, await openTokenStore(store, resolved, options.env));
  if (found === undefined) {
    throw new PublishedTokenError(
      "PUBLISHED_TOKEN_MISSING",
      `${store.spec}: no token is published for ${describeTarget(target)} (${where} does not exist)`,
      `run ${publish} on a schedule, or set \`token_from_fallback = aws\` to mint one here`,
    );
  }
  if (found === "invalid") {
    throw new PublishedTokenError(
      "PUBLISHED_TOKEN_INVALID",
      `${store.spec}: ${where} does not hold a token record written by \`codeartifact-login publish\` (JSON with token, expiresAt, domain, domainOwner, region)`,
      `republish it with ${publish}`,
    );
  }
  if (
    found.domain !== target.domain ||
    found.domainOwner !== target.domainOwner ||
    found.region !== target.region
  ) {
    throw new PublishedTokenError(
      "PUBLISHED_TOKEN_OTHER_DOMAIN",
      `${store.spec}: ${where} holds a token for ${describeTarget(found)}, not ${describeTarget(target)}: the publisher (${found.publisher}) wrote another domain's token under this name`,
      `republish with ${publish}`,
    );
  }
  const now = options.now();
  // Validated once, here at the boundary, before anything caches, masks or prints it.
  const problem = tokenProblem(found.token);
  const latest = now.getTime() + (MAX_TOKEN_LIFETIME_SECONDS + EXPIRY_SKEW_SECONDS) * 1000;
  if (problem || found.expiresAt.getTime() > latest) {
    throw new PublishedTokenError(
      "PUBLISHED_TOKEN_INVALID",
      `${store.spec}: ${where} holds ${problem ? `a token that cannot be one (${problem})` : `a token said to expire at ${found.expiresAt.toISOString()}, more than 12 h from now`}; nothing was cached or printed`,
      `republish it with ${publish}${problem ? "" : ", and check the publisher's and this machine's clocks"}`,
    );
  }
  const left = found.expiresAt.getTime() - now.getTime();
  if (left < options.minValidSeconds * 1000) {
    const age = `published ${formatDuration(now.getTime() - found.publishedAt.getTime())} ago by ${found.publisher}`;
    const state =
      left <= 0
        ? `expired ${formatDuration(left)} ago`
        : `expires in ${formatDuration(left)}, less than the ${formatDuration(options.minValidSeconds * 1000)} required`;
    throw new PublishedTokenError(
      "PUBLISHED_TOKEN_STALE",
      `${store.spec}: the token at ${where} was ${age} and ${state}`,
      `check that publisher's scheduled ${publish} (its logs and permissions), or set \`token_from_fallback = aws\``,
    );
  }
  return { token: new Secret(found.token), expiresAt: found.expiresAt };
}

/** Failures that `token_from_fallback = aws` covers: nothing usable is published (not a denied or throttled read). */
export function isFallbackCase(error: unknown): boolean {
  return (
    error instanceof PublishedTokenError &&
    [
      "PUBLISHED_TOKEN_MISSING",
      "PUBLISHED_TOKEN_STALE",
      "PUBLISHED_TOKEN_OTHER_DOMAIN",
      "PUBLISHED_TOKEN_INVALID",
    ].includes(error.code)
  );
}
