// How npm reads an .npmrc, line by line, so the editor can tell which lines it owns and can refuse
// a value npm would read back differently. The semantics follow npm 11's `ini` 6 parser and
// @npmcli/config's `${VAR}` expansion; the code is ours.

/** One physical line and the line break that ended it ("" for a last line without one). */
export interface TextLine {
  text: string;
  eol: "" | "\n" | "\r\n" | "\r";
}

/** Splits text into lines, keeping each line's own break so joining gives back the same bytes. */
export function splitLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  const breaks = /\r\n|\n|\r/g;
  let start = 0;
  for (let match = breaks.exec(text); match; match = breaks.exec(text)) {
    lines.push({ text: text.slice(start, match.index), eol: match[0] as TextLine["eol"] });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: "" });
  return lines;
}

/** The inverse of {@link splitLines}. */
export function joinLines(lines: readonly TextLine[]): string {
  let text = "";
  for (const line of lines) text += line.text + line.eol;
  return text;
}

/** The first line break of `text`, which new lines copy; undefined when there is none. */
export function firstEol(text: string): TextLine["eol"] | undefined {
  const match = /\r\n|\n|\r/.exec(text);
  return match ? (match[0] as TextLine["eol"]) : undefined;
}

function isQuoted(value: string): boolean {
  return (value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"));
}

/**
 * A key or value as npm's ini parser reads it: trimmed; a quoted string is unquoted (JSON rules for
 * double quotes); otherwise an unescaped `;` or `#` starts a comment and `\;`, `\#`, `\\` unescape.
 */
export function decodeIniValue(raw: string): string {
  const value = raw.trim();
  if (isQuoted(value)) {
    const inner = value.startsWith("'") ? value.slice(1, -1) : value;
    try {
      const parsed: unknown = JSON.parse(inner);
      return typeof parsed === "string" ? parsed : String(parsed);
    } catch {
      return inner;
    }
  }
  let out = "";
  let escaping = false;
  for (const char of value) {
    if (escaping) {
      out += char === "\\" || char === ";" || char === "#" ? char : `\\${char}`;
      escaping = false;
    } else if (char === ";" || char === "#") {
      break;
    } else if (char === "\\") {
      escaping = true;
    } else {
      out += char;
    }
  }
  if (escaping) out += "\\";
  return out.trim();
}

/** What one line of an .npmrc is, to npm. */
export type IniLine =
  | { kind: "ignored" }
  | { kind: "section"; name: string }
  | {
      kind: "entry";
      /** The key as npm reads it (not yet `${VAR}`-expanded). */
      key: string;
      /** The value as npm reads it, or `true` for a bare key; not yet `${VAR}`-expanded. */
      value: string | true;
      /** The line's text before its `=` (or all of it), kept when the value is replaced. */
      keyPart: string;
      /** The raw text after the first `=`, before decoding. */
      rawValue: string | undefined;
    };

/** Reads one line as npm's ini parser does: ignored (blank, comment), a `[section]`, or `key=value`. */
export function classifyIniLine(text: string): IniLine {
  if (/^\s*$/.test(text) || /^\s*[;#]/.test(text)) return { kind: "ignored" };
  const section = /^\[([^\]]*)\]\s*$/.exec(text);
  if (section) return { kind: "section", name: decodeIniValue(section[1] ?? "") };
  const entry = /^([^=]+)(=(.*))?$/.exec(text);
  if (!entry) return { kind: "ignored" };
  const keyPart = entry[1] ?? "";
  const rawValue = entry[2] === undefined ? undefined : (entry[3] ?? "");
  const decoded = rawValue === undefined ? true : decodeIniValue(rawValue);
  return { kind: "entry", key: decodeIniValue(keyPart), value: decoded, keyPart, rawValue };
}

/** One `key=value` line of an .npmrc. */
export interface NpmrcEntry {
  /** 1-based line number. */
  line: number;
  key: string;
  /** As npm reads it (unquoted, inline comment dropped), before `${VAR}` expansion; `true` for a bare key. */
  value: string | true;
  /** The `[section]` the line sits in; npm nests such keys, so they are not top-level settings. */
  section?: string;
}

/**
 * The `key=value` lines of an .npmrc as npm reads them, in file order (duplicates kept: npm uses the
 * last). Keys under a `[section]` carry it in `section`.
 */
export function parseNpmrc(text: string): NpmrcEntry[] {
  const entries: NpmrcEntry[] = [];
  let section: string | undefined;
  splitLines(text).forEach((line, index) => {
    const parsed = classifyIniLine(line.text);
    if (parsed.kind === "section") section = parsed.name;
    else if (parsed.kind === "entry") {
      entries.push({
        line: index + 1,
        key: parsed.key,
        value: parsed.value,
        ...(section === undefined ? {} : { section }),
      });
    }
  });
  return entries;
}

const ENV_REFERENCE = /(\\*)\$\{([^${}?]+)(\?)?\}/g;

/**
 * Expands `${VAR}` as npm does in .npmrc keys and values: an unset variable stays literal, `${VAR?}`
 * becomes empty when unset, and an odd number of backslashes before `$` escapes the reference.
 */
export function expandNpmEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  // Leftmost matching takes a whole run of backslashes before `${`, so no match starts mid-run.
  return text.replace(ENV_REFERENCE, (whole: string, slashes: string, name: string, optional?: string) => {
    const half = slashes.slice(0, Math.floor(slashes.length / 2));
    if (slashes.length % 2 === 1) return half + whole.slice(slashes.length);
    const value = env[name];
    return half + (value !== undefined ? value : optional ? "" : `\${${name}}`);
  });
}

/**
 * Why npm would not read `value` back as written when it is put after `key=` (undefined when it
 * would): whitespace at either end, a `;` or `#` comment start, quotes, backslash escapes, line breaks,
 * a `${VAR}` reference, or a value npm turns into a boolean or null.
 */
export function iniValueProblem(value: string): string | undefined {
  if (value === "") return "is empty";
  if (/[\r\n\u2028\u2029]/.test(value)) return "contains a line break";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(value)) return "contains a control character";
  if (value !== value.trim()) return "starts or ends with whitespace";
  if (/\$\{[^}]*\}/.test(value)) return "contains `${`, which npm expands as an environment variable";
  if (value === "true" || value === "false" || value === "null") return "would be read as a boolean or null";
  if (decodeIniValue(value) !== value) {
    if (/[;#]/.test(value)) return "contains `;` or `#`, which npm reads as the start of a comment";
    if (/^["']|["']$/.test(value)) return "starts or ends with a quote, which npm strips";
    return "contains a backslash escape, which npm rewrites";
  }
  return undefined;
}
