// Small helpers shared by the configstore tests.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { Secret } from "../../src/configstore/secret.js";

/** A fresh directory inside `base` (a `makeTempDir()`), so it is removed with it. */
export function subdir(base: string, prefix: string): string {
  return mkdtempSync(join(base, `${prefix}-`));
}

/** A `.env` line that dotenv reads back as exactly `value`: backticks keep every other character. */
export function dotenvLine(key: string, value: string): string {
  const quote = ["`", "'", '"'].find((q) => !value.includes(q));
  if (!quote) throw new Error("test value uses every quote character; dotenv cannot hold it");
  return `${key}=${quote}${value}${quote}\n`;
}

/** A loaded config with every Secret shown as `{ secret: value }`, for deep comparisons. */
export function revealAll(value: unknown): unknown {
  if (value instanceof Secret) return { secret: value.reveal() };
  if (Array.isArray(value)) return value.map(revealAll);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealAll(v)]));
  }
  return value;
}
