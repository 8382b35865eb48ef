import {
  BackendError,
  ConfigStoreError,
  InvalidKeyError,
  InvalidValueError,
  SettingNotFoundError,
} from "./errors.js";
import { isSensitiveKey } from "./secret.js";
import type { Backend, TraceEvent, ValueWithSource } from "./types.js";

export interface ConfigStoreOptions {
  /**
   * Called once for every backend asked about a key, with its outcome but never the value, so a
   * `--verbose` flag can print the lookup path.
   */
  trace?: (event: TraceEvent) => void;
}

/**
 * A chain of backends asked in order: the first that has the key wins. A backend that answers
 * `undefined` passes the question on; a backend that fails stops the lookup with a `BackendError`.
 * An empty string is a value: it stops the lookup like any other.
 *
 * @example
 * const store = new ConfigStore([fromEnv(), fromDotenv({ path: ".env" }), fromMemory({ REGION: "us-east-1" })]);
 * await store.get("REGION");            // from the environment, else .env, else "us-east-1"
 * await store.getWithSource("REGION");  // { value: "us-east-1", source: "memory" }
 */
export class ConfigStore {
  /** The backends, in the order they are asked. */
  readonly backends: readonly Backend[];
  readonly #trace: ((event: TraceEvent) => void) | undefined;

  constructor(backends: readonly Backend[], options: ConfigStoreOptions = {}) {
    for (const [index, backend] of backends.entries()) {
      if (typeof backend?.name !== "string" || typeof backend.get !== "function") {
        throw new TypeError(
          `ConfigStore: backend #${index} is not a backend (it needs \`name\` and \`get\`)`,
        );
      }
    }
    this.backends = Object.freeze([...backends]);
    this.#trace = options.trace;
  }

  /** The value of `key` from the first backend that has it, or `undefined`. */
  async get(key: string): Promise<string | undefined> {
    return (await this.getWithSource(key))?.value;
  }

  /** The value of `key` and the name of the backend it came from, or `undefined`. */
  async getWithSource(key: string): Promise<ValueWithSource | undefined> {
    checkKey(key);
    for (const backend of this.backends) {
      let value: string | undefined;
      try {
        value = await backend.get(key);
      } catch (error) {
        this.#trace?.({ key, backend: backend.name, outcome: "error" });
        // Our own errors already say where they come from; anything else gets the backend's name.
        if (error instanceof ConfigStoreError) throw error;
        throw new BackendError(backend.name, key, { operation: "read", cause: error });
      }
      if (value === undefined) {
        this.#trace?.({ key, backend: backend.name, outcome: "miss" });
        continue;
      }
      if (typeof value !== "string") {
        this.#trace?.({ key, backend: backend.name, outcome: "error" });
        throw new BackendError(backend.name, key, {
          reason: `the backend returned a ${typeof value}, not a string.`,
          hint: "Fix the backend's `get`.",
        });
      }
      this.#trace?.({ key, backend: backend.name, outcome: "hit" });
      return { value, source: backend.name };
    }
    return undefined;
  }

  /** The value of `key`; throws `SettingNotFoundError` naming every backend tried when none has it. */
  async require(key: string): Promise<string> {
    const found = await this.getWithSource(key);
    if (found === undefined) {
      throw new SettingNotFoundError(
        key,
        this.backends.map((b) => b.name),
      );
    }
    return found.value;
  }

  /** The value of `key` read strictly as a boolean (see `asBool`), or `undefined` when unset. */
  async getBool(key: string): Promise<boolean | undefined> {
    const value = await this.get(key);
    return value === undefined ? undefined : asBool(value, key);
  }
}

const TRUE_WORDS = new Set(["true", "yes", "on", "1"]);
const FALSE_WORDS = new Set(["false", "no", "off", "0", ""]);

/**
 * Reads a setting as a boolean, strictly: `true`/`yes`/`on`/`1` or `false`/`no`/`off`/`0`/`""`
 * (any case, surrounding whitespace ignored). Anything else throws `InvalidValueError`
 * (`INVALID_BOOLEAN`), so a typo never silently means "off".
 *
 * @example
 * asBool("Yes")          // true
 * asBool("")             // false
 * asBool("maybe", "X")   // throws: `X` must be a boolean …
 */
export function asBool(value: string, key?: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  // Show the value only when it cannot be a secret: a short value of a key that does not look sensitive.
  const shown =
    key !== undefined && !isSensitiveKey(key) && value.length <= 32 ? `, got ${JSON.stringify(value)}` : "";
  const subject = key !== undefined ? `\`${key}\`` : "The value";
  throw new InvalidValueError(
    "INVALID_BOOLEAN",
    key,
    `${subject} must be a boolean${shown}. Use one of true, yes, on, 1 or false, no, off, 0 (or empty).`,
  );
}

function checkKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new InvalidKeyError(String(key), "A setting's key must be a non-empty string.");
  }
}
