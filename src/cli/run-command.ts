// Running one command: its output, its context, and the one place its failure becomes an exit code.
// Shared by the commander wiring (main.ts) and the short way of `token` (token-entry.ts), so both
// behave the same by construction.
import type { CommandContext } from "./context.js";
import { reportError } from "./errors.js";
import { exitIfKeychainHung } from "./exit.js";
import { createOutput } from "./output.js";

/** What every command module exports. */
export type Runner = (
  context: CommandContext,
  options: Record<string, unknown>,
  args: string[],
  name: string,
) => Promise<number>;

/** The global options every command understands. */
export interface GlobalOptions {
  json?: unknown;
  quiet?: unknown;
  verbose?: unknown;
  config?: unknown;
}

/** Runs the command `load` gives, with `options` as commander parsed them; resolves to the exit code. */
export async function runCommand(
  load: () => Promise<Runner>,
  options: GlobalOptions & Record<string, unknown>,
  args: string[],
  name: string,
): Promise<number> {
  const env = process.env;
  const out = createOutput({
    json: Boolean(options.json),
    quiet: Boolean(options.quiet),
    verbose: Boolean(options.verbose),
    env,
  });
  const context: CommandContext = {
    out,
    env,
    cwd: process.cwd(),
    ...(typeof options.config === "string" ? { configPath: options.config } : {}),
  };
  let code: number;
  try {
    code = await (await load())(context, options, args, name);
  } catch (error) {
    code = reportError(error, out);
  }
  return exitIfKeychainHung(code);
}
