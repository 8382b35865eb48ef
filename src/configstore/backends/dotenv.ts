import { ConfigFileError } from "../errors.js";
import { readTextFileIfExists } from "../text-file.js";
import type { Backend } from "../types.js";

export interface DotenvOptions {
  /** The `.env` file. A missing file is empty; a malformed one is an error naming the path and line. */
  path: string;
  /** @default "dotenv" */
  name?: string;
}

/**
 * Settings from a `.env` file (`KEY=VALUE`, `export KEY=VALUE`, quoted and multi-line values), parsed
 * by the `dotenv` package. The file is read on every lookup, so edits are seen at once. Read-only.
 *
 * @example
 * const dotenv = fromDotenv({ path: ".env" });
 * await dotenv.get("REGION");
 */
export function fromDotenv(options: DotenvOptions): Backend {
  const { path } = options;
  return {
    name: options.name ?? "dotenv",
    async get(key) {
      const values = await readDotenvFile(path);
      return values.get(key);
    },
  };
}

/** The values of a `.env` file; an absent file is empty. */
export async function readDotenvFile(path: string): Promise<Map<string, string>> {
  const text = await readTextFileIfExists(path);
  return text === undefined ? new Map() : parseDotenv(text, path);
}

/**
 * Parses `.env` text with the `dotenv` package after checking every line, because `dotenv.parse`
 * never fails: it silently skips what it cannot read, so a typo would make a setting vanish.
 */
export async function parseDotenv(text: string, file: string): Promise<Map<string, string>> {
  checkDotenv(text, file);
  const { parse } = await import("dotenv");
  // Own properties only: a key such as `constructor` must not find Object.prototype's.
  return new Map(Object.entries(parse(text)));
}

const ENTRY = /^\s*(?:export\s+)?[\w.-]+\s*=\s*/;
const COLON_ENTRY = /^\s*(?:export\s+)?[\w.-]+\s*:/;
const QUOTES = new Set(['"', "'", "`"]);

/**
 * Throws `ConfigFileError` (`CONFIG_PARSE`, with the line) for the first line that is neither blank,
 * a `#` comment, nor `KEY=VALUE` / `export KEY=VALUE`. A quoted value may span lines; where it
 * closes follows dotenv's own rule (the first unescaped quote followed only by spaces or a comment).
 */
export function checkDotenv(text: string, file: string): void {
  const source = text.replace(/\r\n?/g, "\n");
  const lineStarts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    // Binary search: the last line that starts at or before `offset`.
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };
  const endOfLine = (offset: number) => {
    const end = source.indexOf("\n", offset);
    return end === -1 ? source.length : end;
  };

  let line = 0;
  while (line < lineStarts.length) {
    const start = lineStarts[line] ?? source.length;
    const end = endOfLine(start);
    const lineText = source.slice(start, end);
    const trimmed = lineText.trim();
    if (trimmed === "" || trimmed.startsWith("#")) {
      line++;
      continue;
    }
    const entry = ENTRY.exec(lineText);
    if (!entry && COLON_ENTRY.test(lineText)) {
      // dotenv itself reads `KEY: value` as KEY=value (but drops `KEY:value` and `KEY : value`);
      // python-dotenv, Docker Compose and shells do not read it at all. One `.env` often serves all of
      // them, so the form is refused rather than read differently by each.
      throw new ConfigFileError(
        "CONFIG_PARSE",
        file,
        line + 1,
        "`KEY: value` is not read alike by dotenv, python-dotenv, Docker Compose and shells. Write `KEY=value`.",
      );
    }
    if (!entry) {
      throw new ConfigFileError(
        "CONFIG_PARSE",
        file,
        line + 1,
        "expected `KEY=VALUE` (or a `#` comment). Fix the line or comment it out.",
      );
    }
    const valueStart = start + entry[0].length;
    const quote = source[valueStart];
    if (quote !== undefined && QUOTES.has(quote)) {
      const close = closingQuote(source, valueStart, quote, endOfLine);
      if (close === undefined) {
        // No quote that closes the value properly. If one closes on this line, dotenv reads the
        // whole line as an unquoted value (`"x" y`); if none does, the value is unterminated.
        const next = source.indexOf(quote, valueStart + 1);
        if (next === -1 || next > end) {
          throw new ConfigFileError(
            "CONFIG_PARSE",
            file,
            line + 1,
            `the value opened with ${quote} is never closed. Add the closing ${quote}.`,
          );
        }
      } else {
        line = lineOf(close) + 1;
        continue;
      }
    }
    line++;
  }
}

/**
 * The offset of the quote that closes a value opened at `open`, as dotenv's regex finds it
 * (`'(?:\\'|[^'])*'` then only spaces or a `#` comment up to the end of the line), or undefined.
 */
function closingQuote(
  source: string,
  open: number,
  quote: string,
  endOfLine: (offset: number) => number,
): number | undefined {
  const escaped: number[] = [];
  let first: number | undefined;
  for (let i = open + 1; i < source.length; i++) {
    const char = source[i];
    if (char === "\\" && source[i + 1] === quote) {
      escaped.push(i + 1);
      i++;
    } else if (char === quote) {
      first = i;
      break;
    }
  }
  // The regex is greedy: it tries the first unescaped quote, then gives back escaped ones, last first.
  const candidates = [...(first === undefined ? [] : [first]), ...escaped.reverse()];
  for (const candidate of candidates) {
    const rest = source.slice(candidate + 1, endOfLine(candidate + 1));
    if (/^\s*(?:#.*)?$/.test(rest)) return candidate;
  }
  return undefined;
}
