// `${NAME}` references resolved through a whole ConfigStore (not only the environment), in the
// Docker Compose syntax: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, and `$${` for a literal `${`.
// A value found in the store is itself interpolated (so `URL=https://${HOST}/` works), which is how
// cycles arise: they are caught and reported with their path (`a > b > a`). Defaults are literal text
// without braces: a default ends at the first `}`, so a `{` in one is refused rather than misread.
// Messages never quote a value or a template (either may hold a secret): they name references and keys.
import { InterpolationError } from "./errors.js";
import { isSensitiveKey, Secret } from "./secret.js";
import type { ConfigStore } from "./store.js";

export interface InterpolateOptions {
  /** Where the template stands in a config (`database.url`), for error messages. */
  keyPath?: string;
}

/** A resolved string can grow by nesting; past this it is an error, not an out-of-memory crash. */
export const MAX_INTERPOLATED_LENGTH = 1024 * 1024;

const NAME = /^[A-Za-z0-9_./]+$/;

interface Resolved {
  text: string;
  /** Whether a reference with a sensitive name (`…TOKEN`, `…PASSWORD`) went into the text. */
  sensitive: boolean;
}

/** @internal Resolves references against one store, remembering each name's value for one run. */
export class Resolver {
  readonly #store: ConfigStore;
  readonly #values = new Map<string, Resolved | undefined>();

  constructor(store: ConfigStore) {
    this.#store = store;
  }

  /** Resolves every reference in `template`. `via` is the chain of names that led here. */
  async template(
    template: string,
    keyPath: string | undefined,
    via: readonly string[] = [],
  ): Promise<Resolved> {
    // Fast path: most values have no reference at all.
    if (!template.includes("${")) return { text: template, sensitive: false };
    const where = describeWhere(keyPath, via);
    let out = "";
    let sensitive = false;
    let i = 0;
    while (i < template.length) {
      const dollar = template.indexOf("$", i);
      if (dollar === -1) {
        out += template.slice(i);
        break;
      }
      out += template.slice(i, dollar);
      if (template[dollar + 1] === "$" && template[dollar + 2] === "{") {
        out += "${";
        i = dollar + 3;
        continue;
      }
      if (template[dollar + 1] !== "{") {
        out += "$";
        i = dollar + 1;
        continue;
      }
      const close = template.indexOf("}", dollar + 2);
      if (close === -1) {
        throw syntaxError(
          `an unterminated \`\${\` at character ${dollar + 1}${where}. Close it with \`}\`, or write \`$\${\` for a literal \`\${\`.`,
          keyPath,
          via,
        );
      }
      const body = template.slice(dollar + 2, close);
      const parsed = parseReference(body);
      if (!parsed) {
        throw syntaxError(
          `an invalid reference at character ${dollar + 1}${where}: write \`\${NAME}\`, \`\${NAME:-default}\` or \`\${NAME-default}\` (NAME: letters, digits, \`_ . /\`; no nesting).`,
          keyPath,
          via,
        );
      }
      if (parsed.fallback.includes("{")) {
        // `${JSON:-{"a":1}}` would end at the first `}` and leave a stray one in the value. Compose
        // counts braces here; we refuse, so a default never silently loses or gains a brace.
        throw syntaxError(
          `a \`{\` in the default of \`\${${parsed.name}${parsed.operator}…}\` at character ${dollar + 1}${where}: a default ends at the first \`}\`, so it cannot hold braces. Set \`${parsed.name}\` (in the environment or .env) instead of giving this default.`,
          keyPath,
          via,
        );
      }
      const value = await this.resolve(parsed.name, keyPath, via);
      if (parsed.operator === undefined) {
        if (value === undefined) throw this.#missing(parsed.name, keyPath, via);
        out += value.text;
        sensitive ||= value.sensitive;
      } else if (value === undefined || (parsed.operator === ":-" && value.text === "")) {
        out += parsed.fallback;
      } else {
        out += value.text;
        sensitive ||= value.sensitive;
      }
      if (out.length > MAX_INTERPOLATED_LENGTH) {
        throw new InterpolationError(
          "INTERPOLATION_TOO_LARGE",
          `Interpolation${where} grows past ${MAX_INTERPOLATED_LENGTH} characters. Check for values that repeat references to each other.`,
          { reference: parsed.name, keyPath },
        );
      }
      i = close + 1;
    }
    return { text: out, sensitive };
  }

  /** The interpolated value of `name` in the store, or undefined when no backend has it. */
  async resolve(
    name: string,
    keyPath: string | undefined,
    via: readonly string[],
  ): Promise<Resolved | undefined> {
    if (via.includes(name)) {
      const cycle = [...via.slice(via.indexOf(name)), name];
      throw new InterpolationError(
        "INTERPOLATION_CYCLE",
        `Interpolation cycle \`${cycle.join(" > ")}\`${keyPath ? ` in \`${keyPath}\`` : ""}. Change one of these values so they do not refer to each other.`,
        { reference: name, keyPath, cycle },
      );
    }
    if (this.#values.has(name)) return this.#values.get(name);
    const raw = await this.#store.get(name);
    const resolved =
      raw === undefined
        ? undefined
        : await this.template(raw, keyPath, [...via, name]).then((r) => ({
            text: r.text,
            sensitive: r.sensitive || isSensitiveKey(name),
          }));
    this.#values.set(name, resolved);
    return resolved;
  }

  #missing(name: string, keyPath: string | undefined, via: readonly string[]): InterpolationError {
    const tried = this.#store.backends.map((b) => b.name);
    const looked = tried.length > 0 ? `looked in ${tried.join(", ")}` : "the store has no backends";
    return new InterpolationError(
      "INTERPOLATION_MISSING",
      `\`\${${name}}\`${describeWhere(keyPath, via)} is not set (${looked}). Set \`${name}\`, or give a default: \`\${${name}:-default}\`.`,
      { reference: name, keyPath },
    );
  }
}

function describeWhere(keyPath: string | undefined, via: readonly string[]): string {
  const parts: string[] = [];
  if (keyPath) parts.push(` in \`${keyPath}\``);
  if (via.length > 0) parts.push(` (in the value of \`${via.join(" > ")}\`)`);
  return parts.join("");
}

function syntaxError(
  message: string,
  keyPath: string | undefined,
  via: readonly string[],
): InterpolationError {
  return new InterpolationError("INTERPOLATION_SYNTAX", `Interpolation syntax: ${message}`, {
    reference: via.at(-1) ?? "",
    keyPath,
  });
}

function parseReference(body: string): { name: string; operator?: ":-" | "-"; fallback: string } | undefined {
  if (body.includes("${")) return undefined;
  const colon = body.indexOf(":-");
  const dash = body.indexOf("-");
  // The first separator wins: `${A:-x-y}` is A with default `x-y`; `${A-x:-y}` is A with default `x:-y`.
  let split = -1;
  let operator: ":-" | "-" | undefined;
  if (colon !== -1 && (dash === -1 || colon < dash)) {
    split = colon;
    operator = ":-";
  } else if (dash !== -1) {
    split = dash;
    operator = "-";
  }
  const name = split === -1 ? body : body.slice(0, split);
  if (!NAME.test(name)) return undefined;
  if (operator === undefined) return { name, fallback: "" };
  return { name, operator, fallback: body.slice(split + operator.length) };
}

/**
 * Resolves the `${…}` references of one string through the store.
 *
 * | syntax             | result                                           |
 * |--------------------|--------------------------------------------------|
 * | `${NAME}`          | the value of NAME; an error if no backend has it |
 * | `${NAME:-default}` | `default` when NAME is unset or empty            |
 * | `${NAME-default}`  | `default` when NAME is unset                     |
 * | `${NAME:-{x}}`     | an error: a default cannot hold `{` or `}`        |
 * | `$${`              | a literal `${`                                   |
 *
 * @example
 * await interpolate("https://${HOST:-localhost}:${PORT-8080}/", store)
 */
export async function interpolate(
  template: string,
  store: ConfigStore,
  options: InterpolateOptions = {},
): Promise<string> {
  return (await new Resolver(store).template(template, options.keyPath)).text;
}

/** Plain data whose strings (and `Secret`s) may hold references. */
export type Interpolatable =
  | string
  | Secret
  | number
  | boolean
  | bigint
  | null
  | undefined
  | readonly Interpolatable[]
  | { readonly [key: string]: Interpolatable };

/**
 * Resolves the references in every string of a nested structure of plain objects and arrays, and
 * returns a new frozen structure (maps without a prototype). `Secret` values are revealed,
 * interpolated and wrapped again; other values are kept; keys are never interpolated. Errors name
 * the key path (`database.hosts[1]`).
 *
 * @example
 * await interpolateValues({ db: { url: "postgres://${DB_HOST}/app" } }, store)
 */
export async function interpolateValues<T extends Interpolatable>(
  value: T,
  store: ConfigStore,
  options: InterpolateOptions = {},
): Promise<T> {
  return (await interpolateTree(value, new Resolver(store), options.keyPath ?? "", false)) as T;
}

/**
 * @internal Walks `value`, interpolating strings. With `wrapSensitive`, a string that took in a
 * reference with a sensitive name becomes a `Secret`.
 */
export async function interpolateTree(
  value: unknown,
  resolver: Resolver,
  keyPath: string,
  wrapSensitive: boolean,
): Promise<unknown> {
  const at = keyPath === "" ? undefined : keyPath;
  if (typeof value === "string") {
    const resolved = await resolver.template(value, at);
    return wrapSensitive && resolved.sensitive ? new Secret(resolved.text) : resolved.text;
  }
  if (value instanceof Secret) return new Secret((await resolver.template(value.reveal(), at)).text);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [index, item] of value.entries()) {
      out.push(await interpolateTree(item, resolver, `${keyPath}[${index}]`, wrapSensitive));
    }
    return Object.freeze(out);
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) {
      out[key] = await interpolateTree(
        item,
        resolver,
        keyPath === "" ? key : `${keyPath}.${key}`,
        wrapSensitive,
      );
    }
    return Object.freeze(out);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
