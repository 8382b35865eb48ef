import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A sensitive value that does not leak by accident: `String()`, template literals, `JSON.stringify`
 * and `util.inspect` (so `console.log` and test snapshots) all show `[redacted]`. Call `.reveal()`
 * at the one place that really needs the value.
 *
 * @example
 * const token = new Secret(value);
 * `${token}`        // "[redacted]"
 * token.reveal()    // the value
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself. Every call site is a place where the secret leaves its wrapper. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

/** Wraps a string in a `Secret`; passes a `Secret` through. */
export function toSecret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}

/** The plain value of a string or a `Secret`. */
export function reveal(value: string | Secret): string {
  return value instanceof Secret ? value.reveal() : value;
}

const SENSITIVE_KEY = /secret|token|password|passwd|credential|(?:^|[_.-])key$|_key(?:[_.-]|$)|private/i;

/**
 * Whether a setting's name says it holds a secret: `secret`, `token`, `password`, `credential`, or a
 * `_key` suffix (`aws_secret_access_key`, `api_key`). Loaders wrap such values in `Secret`.
 */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
