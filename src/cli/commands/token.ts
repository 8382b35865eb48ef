// `token`: the one command that prints a token, on stdout, and nothing else there.
import { getTokenForRegistry } from "../../cache/token.js";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";
import { exportToGithubEnv, requireGithubEnv } from "../github.js";
import { chooseRegistries, NoRegistryError, type RegistryFlags, resolveAll } from "../registries.js";
import { slowNotice } from "../tokens.js";

interface TokenFlags extends RegistryFlags {
  format?: "raw" | "header" | "json" | "env";
  githubEnv?: boolean;
  json?: boolean;
}

export async function run(context: CommandContext, flags: TokenFlags): Promise<number> {
  const { out } = context;
  // `--json` means the JSON document here too: never a bare token where a document was asked for.
  const format = flags.format ?? (flags.json ? "json" : "raw");
  if (flags.json && format !== "json") {
    throw new UsageError(
      `\`--json\` prints the JSON document (as \`--format json\`), not \`--format ${format}\`: drop one of them`,
    );
  }
  // Checked first: a run that fails must not have printed the token.
  if (flags.githubEnv) requireGithubEnv(context.env);
  const selection = await chooseRegistries(context, flags, { required: true });
  const domains = new Set(
    selection.registries.map((r) => `${r.target.domain}/${r.target.domainOwner}/${r.target.region}`),
  );
  if (domains.size > 1) {
    const urls = selection.registries.map((r) => r.target.registryUrl).join(", ");
    if (flags.registry?.length) {
      throw new UsageError(
        `the --registry flags name registries in ${domains.size} domains (${urls}), and \`token\` prints one token: pass one --registry`,
      );
    }
    throw new NoRegistryError(
      `the project uses registries in ${domains.size} domains (${urls}): pick one with --registry`,
    );
  }
  const [resolved] = await resolveAll(
    context,
    { ...selection, registries: selection.registries.slice(0, 1) },
    flags,
  );
  if (!resolved) throw new NoRegistryError("no registry to get a token for: pass --registry URL");
  const result = await slowNotice(
    context,
    resolved,
    getTokenForRegistry(resolved, {
      env: context.env,
      cwd: context.cwd,
      onNotice: (m) => out.info(m),
      onWarning: (m) => out.warn(m),
    }),
  );
  const token = result.token.reveal();
  out.mask(token);
  switch (format) {
    case "header":
      out.stdout(`Bearer ${token}\n`);
      break;
    case "env":
      // Quoted for `eval "$(codeartifact-login token --format env)"`: the token rule already keeps
      // quotes, `$` and line breaks out, and quoting keeps a leading `~` from tilde expansion.
      out.stdout(`CODEARTIFACT_AUTH_TOKEN='${token}'\n`);
      break;
    case "json":
      out.result({
        token,
        expiresAt: result.expiresAt?.toISOString() ?? null,
        source: result.source,
        registryUrl: result.target.registryUrl,
        domain: result.target.domain,
        domainOwner: result.target.domainOwner,
        region: result.target.region,
        repository: result.target.repository,
      });
      break;
    default:
      out.stdout(`${token}\n`);
  }
  if (flags.githubEnv) {
    const file = await exportToGithubEnv(context.env, { CODEARTIFACT_AUTH_TOKEN: token });
    out.info(`exported CODEARTIFACT_AUTH_TOKEN to later steps (${file})`);
  }
  return 0;
}
