import type { WritableBackend } from "../types.js";

export interface MemoryOptions {
  /** @default "memory" */
  name?: string;
}

/**
 * Settings held in memory: defaults at the end of a chain, or a test double. The record is copied;
 * `set` and `delete` change the copy only.
 *
 * @example
 * fromMemory({ REGION: "us-east-1" }, { name: "defaults" })
 */
export function fromMemory(
  record: Readonly<Record<string, string>> = {},
  options: MemoryOptions = {},
): WritableBackend {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== "string") {
      throw new TypeError(`fromMemory: the value of \`${key}\` must be a string, got ${typeof value}`);
    }
    values.set(key, value);
  }
  return {
    name: options.name ?? "memory",
    async get(key) {
      return values.get(key);
    },
    async set(key, value) {
      if (typeof value !== "string") {
        throw new TypeError(`fromMemory: the value of \`${key}\` must be a string, got ${typeof value}`);
      }
      values.set(key, value);
    },
    async delete(key) {
      return values.delete(key);
    },
  };
}
