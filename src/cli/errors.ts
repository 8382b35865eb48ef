// The one place failures become output: our own errors print their one-line message; anything else
// (a bug, an unexpected system error) prints one line too, with the stack only under --verbose.
import { CodedError } from "../configstore/errors.js";
import type { Output } from "./output.js";

/** Ends the line of every usage error, as commander's own (main.ts). */
export const USAGE_HINT = "(run with --help for usage)";

/** A command line that cannot work as given: exit code 2, like commander's own usage errors. */
export class UsageError extends CodedError {
  override name = "UsageError";
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** Whether an error is one of ours: typed, with a stable `code` and a message made for people. */
export function isKnownError(error: unknown): error is CodedError {
  return error instanceof CodedError;
}

/** The error's message on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * An error's stack for --verbose: its name, the first line of its message and the stack frames. The
 * rest of a message is left out: parsers (smol-toml, yaml) end theirs with a code frame of the file,
 * which may show a secret standing near the mistake.
 */
function frames(error: Error): string {
  const head = `${error.name}: ${(error.message ?? "").split("\n")[0]}`;
  const stack = (error.stack ?? "").split("\n").filter((line) => /^\s+at\s/.test(line));
  return [head, ...stack].join("\n");
}

function causes(error: unknown): string[] {
  const chain: string[] = [];
  let current = (error as { cause?: unknown })?.cause;
  while (current && chain.length < 5) {
    chain.push(current instanceof Error ? frames(current) : (String(current).split("\n")[0] ?? ""));
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Prints the error and returns the exit code: 2 for a usage error, else 1. */
export function reportError(error: unknown, out: Output): number {
  if (error instanceof UsageError) {
    const line = oneLine(error);
    out.error(line.includes("--help") ? line : `${line} ${USAGE_HINT}`);
  } else if (isKnownError(error)) {
    out.error(oneLine(error));
  } else {
    out.error(`${oneLine(error)}${out.verbose ? "" : " (run with --verbose for details)"}`);
  }
  if (out.verbose && error instanceof Error) {
    out.debug(frames(error));
    for (const cause of causes(error)) out.debug(`caused by: ${cause}`);
  }
  return error instanceof UsageError ? 2 : 1;
}
