// Everything the CLI prints goes through here: results on stdout (only `token`'s value and --json
// documents), people's messages on stderr, quiet when asked, colour only on a terminal without
// NO_COLOR, and GitHub Actions masks registered before a token could appear anywhere.
import type { Writable } from "node:stream";

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  env: NodeJS.ProcessEnv;
  stdout?: Writable & { isTTY?: boolean };
  stderr?: Writable & { isTTY?: boolean };
}

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** A line for people on stderr (suppressed by --quiet and --json). */
  info(message: string): void;
  /** A warning on stderr (suppressed by --quiet; kept with --json: it is on stderr). */
  warn(message: string): void;
  /** An error on stderr; always shown. */
  error(message: string): void;
  /** --verbose detail on stderr. */
  debug(message: string): void;
  /** Writes raw text to stdout (a token for `token`, a document for --json). */
  stdout(text: string): void;
  /** Prints `value` as the JSON document on stdout. */
  result(value: unknown): void;
  /** Registers a secret with the CI so it is masked in logs (GitHub Actions: `::add-mask::`). */
  mask(secret: string): void;
  color: {
    ok(text: string): string;
    bad(text: string): string;
    warn(text: string): string;
    dim(text: string): string;
    bold(text: string): string;
  };
}

export function createOutput(options: OutputOptions): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const useColor = Boolean(stderr.isTTY) && options.env.NO_COLOR === undefined && options.env.TERM !== "dumb";
  const paint = (code: number) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
  const masked = new Set<string>();
  const githubActions = options.env.GITHUB_ACTIONS === "true";
  const line = (text: string) => stderr.write(`${text}\n`);
  return {
    json: options.json,
    quiet: options.quiet,
    verbose: options.verbose,
    info(message) {
      if (!options.quiet && !options.json) line(message);
    },
    warn(message) {
      if (!options.quiet) line(`${paint(33)("warning:")} ${message}`);
    },
    error(message) {
      line(`${paint(31)("error:")} ${message}`);
    },
    debug(message) {
      if (options.verbose) line(paint(2)(message));
    },
    stdout(text) {
      stdout.write(text);
    },
    result(value) {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    mask(secret) {
      // The runner reads workflow commands from stderr too, so stdout stays clean for `token`.
      if (!githubActions || masked.has(secret) || secret === "") return;
      masked.add(secret);
      line(`::add-mask::${secret}`);
    },
    color: { ok: paint(32), bad: paint(31), warn: paint(33), dim: paint(2), bold: paint(1) },
  };
}

/**
 * A reader that stops early (`codeartifact-login diagnose | head -2`) closes our stdout: the writes
 * that follow fail with EPIPE, which Node would throw as an unhandled stream error with its stack.
 * The command carries on without its reader and ends with its usual status, as `cat | head` does.
 */
export function tolerateClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  if (stream.listenerCount("error") > 0) return;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
}
