import type { Backend } from "../types.js";

export interface EnvOptions {
  /** Prepended to every key: with `prefix: "APP_"`, `get("REGION")` reads `APP_REGION`. @default "" */
  prefix?: string;
  /** The environment to read. @default process.env */
  env?: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>;
}

/**
 * Settings from environment variables, read at each lookup. Keys are used as given (no case change).
 * Read-only: a library should not change its process's environment.
 *
 * @example
 * fromEnv({ prefix: "APP_" }).get("REGION")   // process.env.APP_REGION
 */
export function fromEnv(options: EnvOptions = {}): Backend {
  const prefix = options.prefix ?? "";
  const env = options.env ?? process.env;
  return {
    name: "env",
    async get(key) {
      const name = prefix + key;
      // Own properties only: `toString` must not find Object.prototype's.
      return Object.hasOwn(env, name) ? env[name] : undefined;
    },
  };
}
