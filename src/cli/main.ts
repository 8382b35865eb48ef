import { Command, CommanderError } from "commander";
import { VERSION } from "./version.js";

/** Runs the CLI with `argv` (as `process.argv`) and resolves to the process exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = new Command("codeartifact-login")
    .description(
      "AWS CodeArtifact tokens for npm, pnpm and yarn: fetched once, cached in the OS keychain, refreshed before expiry.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .exitOverride();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
