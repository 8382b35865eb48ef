// Config files in INI, TOML or YAML, read into one shape: frozen maps without a prototype whose
// leaves are strings (or `Secret`s), so the same meaning in any format gives deep-equal results:
//   - scalars become strings (numbers as JavaScript writes them, booleans as `true`/`false`,
//     TOML dates as ISO strings), because INI has nothing else;
//   - lists stay lists; YAML `null` is an error (INI cannot say it, and it is usually a forgotten value);
//   - values of sensitive keys (`isSensitiveKey`) become `Secret`;
//   - with a store, every string is interpolated (`${NAME}`), errors naming `section.key`.
// TOML and YAML parsers are loaded only when such a file is read.
import { extname } from "node:path";
import { ConfigFileError } from "./errors.js";
import { type IniDocument, parseIni } from "./ini.js";
import { interpolateTree, Resolver } from "./interpolate.js";
import { isSensitiveKey, Secret } from "./secret.js";
import type { ConfigStore } from "./store.js";
import { checkText, MAX_CONFIG_BYTES, readTextFile } from "./text-file.js";
import type { ConfigObject } from "./types.js";

export type ConfigFormat = "ini" | "toml" | "yaml";

export interface ParseConfigOptions {
  /** The file name used in messages. @default "<ini>", "<toml>" or "<yaml>" */
  file?: string;
  /** Resolve `${NAME}` references through this store. Without it, values are kept as written. */
  store?: ConfigStore;
}

export interface LoadConfigOptions {
  /** Resolve `${NAME}` references through this store. Without it, values are kept as written. */
  store?: ConfigStore;
  /** @default from the extension: `.ini`/`.cfg`, `.toml`, `.yaml`/`.yml` */
  format?: ConfigFormat;
}

const EXTENSIONS: Record<string, ConfigFormat> = {
  ".ini": "ini",
  ".cfg": "ini",
  ".toml": "toml",
  ".yaml": "yaml",
  ".yml": "yaml",
};

/** The format a file name implies, or undefined. */
export function formatOf(path: string): ConfigFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Reads a config file into a frozen plain object. A missing file is a `ConfigFileError` with code
 * `CONFIG_NOT_FOUND` (callers that treat absence as empty check that code); a malformed one names
 * the file and line.
 *
 * @example
 * const config = await loadConfigFile("app.toml", { store });
 * config.database?.password   // a Secret: `${DB_PASSWORD}` resolved through the store
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<ConfigObject> {
  const format = options.format ?? formatOf(path);
  if (format === undefined) {
    throw new ConfigFileError(
      "CONFIG_UNKNOWN_FORMAT",
      path,
      undefined,
      "has no known config extension. Name it .ini, .cfg, .toml, .yaml or .yml, or pass `format`.",
    );
  }
  const text = await readTextFile(path);
  return parseConfigText(text, format, { file: path, ...(options.store ? { store: options.store } : {}) });
}

/**
 * Parses config text of the given format into a frozen plain object (see `loadConfigFile`).
 *
 * @example
 * await parseConfigText("[server]\nport = 8080\n", "ini")   // { server: { port: "8080" } }
 */
export async function parseConfigText(
  text: string,
  format: ConfigFormat,
  options: ParseConfigOptions = {},
): Promise<ConfigObject> {
  const file = options.file ?? `<${format}>`;
  if (Buffer.byteLength(text, "utf8") > MAX_CONFIG_BYTES) {
    throw new ConfigFileError(
      "CONFIG_TOO_LARGE",
      file,
      undefined,
      `is larger than ${MAX_CONFIG_BYTES} bytes, too large for a settings file. Check that this is the right file.`,
    );
  }
  checkText(text, file);
  let data: Record<string, unknown>;
  if (format === "ini") data = fromIni(parseIni(text, { file }), file);
  else if (format === "toml") data = await fromToml(text, file);
  else if (format === "yaml") data = await fromYaml(text, file);
  else throw new TypeError(`parseConfigText: unknown format \`${String(format)}\` (ini, toml or yaml)`);
  const resolver = options.store ? new Resolver(options.store) : undefined;
  return (await finish(data, "", undefined, resolver)) as ConfigObject;
}

/** Interpolates (with a store), wraps sensitive values and freezes, depth first. */
async function finish(
  value: unknown,
  keyPath: string,
  key: string | undefined,
  resolver: Resolver | undefined,
): Promise<unknown> {
  const sensitive = key !== undefined && isSensitiveKey(key);
  if (typeof value === "string") {
    let text = value;
    let tainted = false;
    if (resolver) {
      const resolved = (await interpolateTree(value, resolver, keyPath, true)) as string | Secret;
      tainted = resolved instanceof Secret;
      text = resolved instanceof Secret ? resolved.reveal() : resolved;
    }
    return sensitive || tainted ? new Secret(text) : text;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [index, item] of value.entries())
      out.push(await finish(item, `${keyPath}[${index}]`, key, resolver));
    return Object.freeze(out);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    out[name] = await finish(item, keyPath === "" ? name : `${keyPath}.${name}`, name, resolver);
  }
  return Object.freeze(out);
}

function unsafeKey(file: string, line: number | undefined, keyPath: string): ConfigFileError {
  return new ConfigFileError(
    "CONFIG_PARSE",
    file,
    line,
    `\`${keyPath}\`: \`__proto__\` cannot be a key (it would change objects' prototypes). Rename it.`,
  );
}

function fromIni(doc: IniDocument, file: string): Record<string, unknown> {
  const out: Record<string, Record<string, string>> = Object.create(null);
  for (const section of doc.sections) {
    if (section.name === "__proto__") throw unsafeKey(file, section.line, section.name);
    const entries: Record<string, string> = out[section.name] ?? Object.create(null);
    for (const entry of section.entries) {
      if (entry.key === "__proto__") throw unsafeKey(file, entry.line, `${section.name}.${entry.key}`);
      entries[entry.key] = entry.value;
    }
    out[section.name] = entries;
  }
  return out;
}

async function fromToml(text: string, file: string): Promise<Record<string, unknown>> {
  const { parse, TomlError } = await import("smol-toml");
  let data: unknown;
  try {
    data = parse(text, { integersAsBigInt: "asNeeded" });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message's first line says what is wrong; the rest is a code frame that may show a secret,
    // so the parser's error is not kept as the cause either.
    const reason = firstLine(error.message).replace(/^Invalid TOML document:\s*/, "");
    throw new ConfigFileError("CONFIG_PARSE", file, error.line, `invalid TOML: ${reason}. Fix the syntax.`);
  }
  return normalise(data, "", { file, format: "TOML" }) as Record<string, unknown>;
}

async function fromYaml(text: string, file: string): Promise<Record<string, unknown>> {
  const { LineCounter, parseDocument } = await import("yaml");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    // yaml's messages end with a code frame and may quote a token: keep the reason only.
    const reason = firstLine(first.message)
      .replace(/ at line \d+, column \d+:?$/, "")
      .replace(/:\s*".*"$/, "");
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      first.linePos?.[0]?.line,
      `invalid YAML: ${reason}. Fix the syntax.`,
    );
  }
  if (doc.contents === null) return Object.create(null); // empty, or comments only
  let data: unknown;
  try {
    data = doc.toJS({ mapAsMap: true, maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      undefined,
      `invalid YAML: ${firstLine(String((error as Error)?.message))}`,
      {
        cause: error,
      },
    );
  }
  if (!(data instanceof Map)) {
    throw new ConfigFileError(
      "CONFIG_PARSE",
      file,
      lineCounter.linePos(doc.contents.range?.[0] ?? 0).line,
      "the top level must be a mapping (`key: value` lines). Put the values under keys.",
    );
  }
  const lineOf = (path: unknown[]): number | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  return normalise(data, "", { file, format: "YAML", lineOf }) as Record<string, unknown>;
}

interface NormaliseContext {
  file: string;
  format: "TOML" | "YAML";
  /** The line of the node at a path of original keys (YAML only). */
  lineOf?: (path: unknown[]) => number | undefined;
}

/** Parser output to the common shape: string leaves, arrays, prototype-less maps. */
function normalise(
  value: unknown,
  keyPath: string,
  context: NormaliseContext,
  path: unknown[] = [],
): unknown {
  const where = keyPath || "(top level)";
  const fail = (message: string, at: unknown[] = path): never => {
    throw new ConfigFileError("CONFIG_PARSE", context.file, context.lineOf?.(at), message);
  };
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return value.toISOString(); // TOML dates and times (TomlDate keeps their form)
  if (value === null || value === undefined) {
    return fail(`\`${where}\` is null. Give it a value (an empty string is "") or remove it.`);
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => normalise(item, `${keyPath}[${index}]`, context, [...path, index]));
  }
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = [...value.entries()];
  else if (isObject(value)) entries = Object.entries(value);
  else
    return fail(`\`${where}\` has a ${context.format} value of an unsupported type. Write it as a string.`);

  const out: Record<string, unknown> = Object.create(null);
  for (const [rawKey, item] of entries) {
    if (typeof rawKey === "object" && rawKey !== null) {
      fail(`\`${where}\` has a complex key (a list or map). Use a plain key.`);
    }
    if (rawKey === null || rawKey === undefined)
      fail(`\`${where}\` has an empty (null) key. Give the key a name.`);
    const key = String(rawKey);
    const childPath = keyPath === "" ? key : `${keyPath}.${key}`;
    if (key === "__proto__") throw unsafeKey(context.file, context.lineOf?.([...path, rawKey]), childPath);
    if (Object.hasOwn(out, key))
      fail(`\`${childPath}\` is defined twice (keys are compared as text). Keep one of them.`);
    out[key] = normalise(item, childPath, context, [...path, rawKey]);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").trim();
}
