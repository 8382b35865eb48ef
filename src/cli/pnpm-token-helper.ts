// The program pnpm's token helpers run: `node pnpm-token-helper.cjs REGISTRY_URL [DOMAIN OWNER
// REGION REPOSITORY]` (the coordinates when `setup pnpm` was given them on the command line, for a URL
// that is not CodeArtifact-shaped). pnpm 9/10 use its trimmed stdout as the whole Authorization
// header, so stdout carries `Bearer <token>` and nothing else; any failure is one line on stderr and
// exit 1. A cache hit loads no AWS SDK and no CLI code.
import { getTokenForRegistry } from "../cache/token.js";
import { makeTarget } from "../codeartifact/registry-url.js";
import { resolveRegistry } from "../codeartifact/resolve.js";
import { exitIfKeychainHung } from "./exit.js";

const say = (message: string) =>
  process.stderr.write(`codeartifact-keyring (pnpm token helper): ${message}\n`);

/** Prints `Bearer <token>` for `registry`; resolves to the exit code. (No top-level await: this builds as CommonJS.) */
async function main(registry: string | undefined, coordinates: string[]): Promise<number> {
  try {
    if (!registry) throw new Error("no registry URL given: reinstall with `codeartifact-login setup pnpm`");
    const [domain, domainOwner, region, repository] = coordinates;
    const resolved = await resolveRegistry(
      domain && domainOwner && region && repository
        ? makeTarget({ registryUrl: registry, domain, domainOwner, region, repository })
        : registry,
    );
    const { token } = await getTokenForRegistry(resolved, { onWarning: say });
    process.stdout.write(`Bearer ${token.reveal()}\n`);
    return 0;
  } catch (error) {
    say(
      `${registry ? `${registry}: ` : ""}${String((error as Error)?.message ?? error).replace(/\s*\n\s*/g, " ")}`,
    );
    return 1;
  }
}

main(process.argv[2], process.argv.slice(3))
  .then(exitIfKeychainHung)
  .then((code) => {
    process.exitCode = code;
  });
