// Which package manager `exec -- COMMAND` runs, and whether the environment can authenticate it.
// Measured with the real clients against a loopback registry (test/e2e/matrix.test.ts):
// - yarn 1 reads `npm_config_*` names lowercased and split at dots (`//127.0.0.1:PORT/…:_authToken`
//   becomes nested keys ending in `-authtoken`), so no per-registry token survives; only a global
//   `_password` would, and yarn 1 sends that to every registry it contacts;
// - bun takes one token from the environment, `NPM_CONFIG_TOKEN`, for its default registry only: scoped
//   packages (`@corp:registry=`, `[install.scopes]`) get a 401 even when the scope's URL is the same.
// Both read a token that `login` wrote to ~/.npmrc, so that is the way that works for them.
import { basename } from "node:path";
import { PackageManagerError } from "./errors.js";
import { yarnClassicEvidence } from "./yarn-classic.js";

/** The package manager a command line runs: its program, or the script after `node`. */
export function commandClient(command: readonly string[]): "yarn" | "bun" | undefined {
  const [program, script] = command;
  if (program === undefined) return undefined;
  const name = (path: string) => basename(path).replace(/\.(?:c?js|mjs|exe|cmd)$/i, "");
  const first = name(program);
  const which = /^node(?:js)?(?:\d+)?$/.test(first) && script !== undefined ? name(script) : first;
  if (which === "yarn" || which === "yarnpkg") return "yarn";
  if (which === "bun" || which === "bunx") return "bun";
  return undefined;
}

/**
 * Throws when `exec` cannot authenticate `command` through the environment, with the way that works;
 * returns for every other command. yarn is refused only in a yarn 1 project (yarn berry takes
 * `YARN_NPM_AUTH_TOKEN`).
 *
 * @throws {PackageManagerError} `EXEC_UNSUPPORTED_CLIENT`
 */
export function assertExecServes(
  command: readonly string[],
  project: { cwd: string; env?: Readonly<Record<string, string | undefined>> },
): void {
  const client = commandClient(command);
  if (client === "bun") {
    throw new PackageManagerError(
      "EXEC_UNSUPPORTED_CLIENT",
      "bun cannot take a scoped registry's token from the environment (only `NPM_CONFIG_TOKEN`, for its default registry): run `codeartifact-login` before `bun install` instead",
    );
  }
  if (client === "yarn") {
    const evidence = yarnClassicEvidence(project.cwd, project.env ? { env: project.env } : {});
    if (evidence) {
      throw new PackageManagerError(
        "EXEC_UNSUPPORTED_CLIENT",
        `yarn 1 cannot take a registry token from the environment (it mangles \`npm_config_//…\` names; this is a yarn 1 project: ${evidence}): run \`codeartifact-login\` before \`yarn install\` instead`,
      );
    }
  }
}
