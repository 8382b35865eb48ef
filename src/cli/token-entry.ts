// The short way to `codeartifact-login token`, which scripts and CI jobs run before every install:
// the same command, built into a file of its own without commander and the other commands, so a
// cache hit loads one small file (BENCHMARKS.md). Only plain `--registry` / `--format` flags come
// this way; for anything else (help, other flags, a usage error) `main` returns undefined and the bin
// runs the full CLI, whose parser stays the one that defines the command line. Both run the command
// through runCommand (test/cli/token-entry.test.ts also compares their answers).
import { run } from "./commands/token.js";
import { tolerateClosedStdout } from "./output.js";
import { type Runner, runCommand } from "./run-command.js";

const FORMATS = ["raw", "header", "json", "env"] as const;
type Format = (typeof FORMATS)[number];

/**
 * The options commander gives `token` for these arguments (`argv` as `process.argv`), when they are
 * only `token` and `-r/--registry URL` or `--format F` (also `--name=value`); otherwise undefined.
 */
export function plainTokenFlags(
  argv: readonly string[],
): { registry?: string[]; format: Format } | undefined {
  const [command, ...rest] = argv.slice(2);
  if (command !== "token") return undefined;
  const flags: { registry?: string[]; format: Format } = { format: "raw" };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    const value = equals > 0 ? arg.slice(equals + 1) : rest[++i];
    // A value that looks like an option is commander's call to make.
    if (!value || (equals < 0 && value.startsWith("-"))) return undefined;
    if (name === "-r" || name === "--registry") {
      flags.registry = [...(flags.registry ?? []), value];
    } else if (name === "--format" && (FORMATS as readonly string[]).includes(value)) {
      flags.format = value as Format;
    } else {
      return undefined;
    }
  }
  return flags;
}

/** Runs `token` as main.ts would for plain flags; resolves to the exit code, or undefined when the full CLI must. */
export async function main(argv: readonly string[] = process.argv): Promise<number | undefined> {
  const flags = plainTokenFlags(argv);
  if (!flags) return undefined;
  tolerateClosedStdout();
  return runCommand(async () => run as Runner, flags, [], "token");
}
