// The contract every backend keeps, as one reusable suite: "not here" is undefined, an empty string
// is a value, values come back byte for byte, and writable backends set, overwrite and delete.
// Generic on purpose: the keychain backend runs it too.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend } from "../../src/configstore/types.js";

export interface BackendHarness {
  backend: Backend;
  /** Puts a value where the backend finds it (its own `set` for a writable backend). */
  seed(key: string, value: string): Promise<void> | void;
  cleanup?(): Promise<void> | void;
  supports?: {
    /** Values with line breaks (default true). */
    newlines?: boolean;
    /** An empty value can be stored by `set` (default true; SSM cannot). */
    emptySet?: boolean;
  };
}

/** Characters that break naive quoting, escaping, interpolation or comment handling. */
export const ODD_VALUE = `pässwörd 🔑 "double" 'single' \\ back $dollar \${notinterp} = # ; spaces  `;
export const ODD_VALUES: readonly [string, string][] = [
  ["odd characters", ODD_VALUE],
  ["leading and trailing spaces", "  padded  "],
  ["only a dollar reference", "${HOME}"],
  ["a long value", "x".repeat(3000)],
  ["CJK and emoji", "秘密🔐ключ"],
];

let counter = 0;
/** A key unique within the process, valid in every backend (env, files, SSM names). */
export function uniqueKey(label = "KEY"): string {
  counter += 1;
  return `CONTRACT_${label}_${process.pid}_${counter}`;
}

export function describeBackendContract(
  label: string,
  setup: () => Promise<BackendHarness> | BackendHarness,
): void {
  describe(`backend contract: ${label}`, () => {
    let harness: BackendHarness;
    beforeEach(async () => {
      harness = await setup();
    });
    afterEach(async () => {
      await harness?.cleanup?.();
    });

    it("has a non-empty name", () => {
      expect(typeof harness.backend.name).toBe("string");
      expect(harness.backend.name.length).toBeGreaterThan(0);
    });

    it("answers undefined for a missing key", async () => {
      await expect(harness.backend.get(uniqueKey("MISSING"))).resolves.toBeUndefined();
    });

    it("answers undefined for keys named like Object.prototype members", async () => {
      for (const key of ["toString", "constructor", "hasOwnProperty", "__proto__"]) {
        await expect(harness.backend.get(key), key).resolves.toBeUndefined();
      }
    });

    it("returns an empty value as an empty string, a hit", async () => {
      const key = uniqueKey("EMPTY");
      await harness.seed(key, "");
      await expect(harness.backend.get(key)).resolves.toBe("");
    });

    it.each(ODD_VALUES)("returns %s unchanged", async (_name, value) => {
      const key = uniqueKey("ODD");
      await harness.seed(key, value);
      await expect(harness.backend.get(key)).resolves.toBe(value);
    });

    it("returns values with line breaks unchanged, where supported", async (context) => {
      if (harness.supports?.newlines === false) {
        context.skip(`${label} cannot hold line breaks`);
        return;
      }
      const key = uniqueKey("LINES");
      const value = "line one\nline two\n\nline four";
      await harness.seed(key, value);
      await expect(harness.backend.get(key)).resolves.toBe(value);
    });

    it("keeps keys apart", async () => {
      const a = uniqueKey("A");
      const b = uniqueKey("B");
      await harness.seed(a, "value a");
      await harness.seed(b, "value b");
      await expect(harness.backend.get(a)).resolves.toBe("value a");
      await expect(harness.backend.get(b)).resolves.toBe("value b");
    });

    it("sets, overwrites and deletes, where writable", async (context) => {
      const { backend } = harness;
      if (!backend.set || !backend.delete) {
        context.skip(`${label} is read-only`);
        return;
      }
      const key = uniqueKey("RW");
      await backend.set(key, "first");
      await expect(backend.get(key)).resolves.toBe("first");
      await backend.set(key, ODD_VALUE);
      await expect(backend.get(key)).resolves.toBe(ODD_VALUE);
      await expect(backend.delete(key)).resolves.toBe(true);
      await expect(backend.get(key)).resolves.toBeUndefined();
      await expect(backend.delete(key)).resolves.toBe(false);
    });

    it("stores an empty value with set, where writable", async (context) => {
      const { backend } = harness;
      if (!backend.set) {
        context.skip(`${label} is read-only`);
        return;
      }
      if (harness.supports?.emptySet === false) {
        context.skip(`${label} cannot store an empty value`);
        return;
      }
      const key = uniqueKey("SETEMPTY");
      await backend.set(key, "");
      await expect(backend.get(key)).resolves.toBe("");
      await backend.delete?.(key);
    });

    it("resolves false when deleting a missing key, where writable", async (context) => {
      if (!harness.backend.delete) {
        context.skip(`${label} is read-only`);
        return;
      }
      await expect(harness.backend.delete(uniqueKey("NEVER"))).resolves.toBe(false);
    });

    it("leaves set and delete both present or both absent", () => {
      expect(typeof harness.backend.set).toBe(typeof harness.backend.delete);
    });
  });
}
