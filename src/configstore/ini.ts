// INI as Python's configparser reads it (RawConfigParser with `inline_comment_prefixes=("#", ";")`,
// the dialect of keyring's keyringrc.cfg), rule for rule from CPython 3.11's `_read`:
// - lines split on \n, \r\n or \r (Python's universal newlines);
// - `#` and `;` start a comment on a line of its own, or inline when preceded by whitespace;
// - `[header]`: everything between the first `[` and the LAST `]` (quotes, spaces, dots kept as is;
//   the `ini` npm package splits headers on dots, which is why we do not use it); text after the
//   last `]` is ignored, as configparser does;
// - `key = value` or `key : value`, split at the first `=` or `:`; keys lowercased, both sides trimmed;
// - a line indented deeper than its option continues the value; blank lines inside a value are kept,
//   trailing ones dropped; values are not unquoted;
// - strict mode: a repeated section or a repeated key in a section is an error; `[DEFAULT]` may repeat
//   (configparser merges it), its keys may not.
// "Whitespace" is Python's `str.isspace()`, which is not JavaScript's `\s` (U+001C..U+001F, U+0085
// count; U+FEFF does not). One deliberate difference: a leading BOM is ignored instead of failing.
import { ConfigFileError } from "./errors.js";
import { checkText } from "./text-file.js";

export interface IniEntry {
  /** Lowercased and trimmed, as configparser's `optionxform` does. */
  key: string;
  /** Trimmed; continuation lines joined with `\n`; quotes kept. */
  value: string;
  /** 1-based line of the `key = value` line. */
  line: number;
}

export interface IniSection {
  /** The header between `[` and `]`, exactly (case and spaces kept). */
  name: string;
  /** 1-based line of the header. */
  line: number;
  entries: IniEntry[];
}

export interface IniDocument {
  sections: IniSection[];
}

const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
  0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);
const COMMENT_PREFIXES = ["#", ";"] as const;
const DEFAULT_SECTION = "DEFAULT";

function isSpace(char: string | undefined): boolean {
  return char !== undefined && char.length === 1 && PY_SPACE.has(char.charCodeAt(0));
}

function strip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text[start])) start++;
  while (end > start && isSpace(text[end - 1])) end--;
  return text.slice(start, end);
}

function rstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1])) end--;
  return text.slice(0, end);
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) if (!isSpace(text[i])) return i;
  return text.length;
}

/**
 * Where an inline comment starts, or -1. This is configparser's loop, quirks included: each round
 * advances every prefix to its next occurrence and stops at the first round that finds one preceded
 * by whitespace (or at column 0).
 */
function inlineCommentStart(line: string): number {
  let found = Number.POSITIVE_INFINITY;
  let positions = new Map<string, number>(COMMENT_PREFIXES.map((p) => [p, -1]));
  while (found === Number.POSITIVE_INFINITY && positions.size > 0) {
    const next = new Map<string, number>();
    for (const [prefix, from] of positions) {
      const index = line.indexOf(prefix, from + 1);
      if (index === -1) continue;
      next.set(prefix, index);
      if (index === 0 || isSpace(line[index - 1])) found = Math.min(found, index);
    }
    positions = next;
  }
  return found === Number.POSITIVE_INFINITY ? -1 : found;
}

/**
 * Parses INI text the way Python's configparser does (see the top of this file). Throws
 * `ConfigFileError` (`CONFIG_PARSE`) at the first problem, naming `file` and the line.
 *
 * @example
 * parseIni('[codeartifact account="111122223333"]\nprofile_name = dev ; inline comment\n')
 * // { sections: [{ name: 'codeartifact account="111122223333"', line: 1,
 * //                entries: [{ key: "profile_name", value: "dev", line: 2 }] }] }
 */
export function parseIni(text: string, options: { file?: string } = {}): IniDocument {
  const file = options.file ?? "<ini>";
  checkText(text, file);
  const fail = (line: number, message: string): never => {
    throw new ConfigFileError("CONFIG_PARSE", file, line, message);
  };

  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines = source.split(/\r\n|\r|\n/);
  // A final newline ends the last line; it does not start an empty one.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();

  const sections: IniSection[] = [];
  const byName = new Map<string, { section: IniSection; keys: Set<string> }>();
  let current: { section: IniSection; keys: Set<string> } | undefined;
  // The option whose value continuation lines extend, with its pieces.
  let option: { entry: IniEntry; parts: string[] } | undefined;
  let indentLevel = 0;

  const finishOption = () => {
    if (option) option.entry.value = rstrip(option.parts.join("\n"));
    option = undefined;
  };

  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    let commentStart = inlineCommentStart(line);
    const stripped = strip(line);
    if (COMMENT_PREFIXES.some((prefix) => stripped.startsWith(prefix))) commentStart = 0;
    const value = strip(commentStart === -1 ? line : line.slice(0, commentStart));

    if (value === "") {
      // A blank line belongs to the value being read (dropped at its end if nothing follows);
      // a comment line does not. Neither ends the value: a deeper-indented line may still continue it.
      if (commentStart === -1 && option) option.parts.push("");
      continue;
    }

    const indent = firstNonSpace(line);
    if (current && option && indent > indentLevel) {
      option.parts.push(value);
      continue;
    }
    indentLevel = indent;

    if (value.startsWith("[")) {
      const close = value.lastIndexOf("]");
      if (close >= 2) {
        finishOption();
        const name = value.slice(1, close);
        const existing = byName.get(name);
        if (existing && name !== DEFAULT_SECTION) {
          fail(
            lineNumber,
            `section [${name}] is already defined on line ${existing.section.line}. Merge the two sections.`,
          );
        }
        if (existing) {
          current = existing;
        } else {
          current = { section: { name, line: lineNumber, entries: [] }, keys: new Set() };
          sections.push(current.section);
          byName.set(name, current);
        }
        continue;
      }
    }

    if (!current) {
      return fail(
        lineNumber,
        "a setting before any [section] header. Add a section header such as [codeartifact] above it.",
      );
    }

    const delimiter = findDelimiter(value);
    if (delimiter === -1) {
      return fail(
        lineNumber,
        "this line is neither a [section] header nor `key = value`. Add `=` or comment it out with `#`.",
      );
    }
    const key = rstrip(value.slice(0, delimiter)).toLowerCase();
    if (key === "") {
      return fail(lineNumber, "a value without a key (the line starts with `=` or `:`). Add the key's name.");
    }
    if (current.keys.has(key)) {
      const first = current.section.entries.find((e) => e.key === key);
      fail(
        lineNumber,
        `\`${key}\` is already set in [${current.section.name}]${first ? ` on line ${first.line}` : ""}. Keep one of them.`,
      );
    }
    finishOption();
    current.keys.add(key);
    const entry: IniEntry = { key, value: "", line: lineNumber };
    current.section.entries.push(entry);
    option = { entry, parts: [strip(value.slice(delimiter + 1))] };
  }
  finishOption();
  return { sections };
}

/** The first `=` or `:`; the option regex's lazy `.*?` makes the earliest one the delimiter. */
function findDelimiter(value: string): number {
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "=" || value[i] === ":") return i;
  }
  return -1;
}
