import type { Secret } from "./secret.js";

/**
 * One place settings live (environment, a file, a secret manager). Made by a `fromX(options)` factory.
 *
 * - `get` resolves `undefined` when the key is not here: the store tries the next backend.
 *   An empty string is a value (a hit), not an absence.
 * - `get` rejects only for a real failure (unreadable file, denied access, network): the lookup stops.
 * - `set` and `delete` exist only on writable backends. `delete` resolves `true` when something was
 *   removed and `false` when the key was absent; it never rejects for a missing key.
 */
export interface Backend {
  /** Short name used in messages and as the `source` of a value (`env`, `ssm`, …). */
  readonly name: string;
  get(key: string): Promise<string | undefined>;
  set?(key: string, value: string): Promise<void>;
  delete?(key: string): Promise<boolean>;
}

/** A backend that can store and remove values. */
export interface WritableBackend extends Backend {
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** What one backend answered for one key; values are never part of it. */
export interface TraceEvent {
  key: string;
  backend: string;
  outcome: "hit" | "miss" | "error";
}

/** A value and the name of the backend it came from. */
export interface ValueWithSource {
  value: string;
  source: string;
}

/** A value of a loaded config: strings (or `Secret`s for sensitive keys), lists and maps of them. */
export type ConfigValue = string | Secret | readonly ConfigValue[] | ConfigObject;

/** A frozen map without a prototype, as returned by the loaders. */
export interface ConfigObject {
  readonly [key: string]: ConfigValue;
}
