import { describe, expect, it } from "vitest";
import { fromEnv } from "../../src/configstore/backends/env.js";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import {
  BackendError,
  ConfigFileError,
  ConfigStoreError,
  InvalidKeyError,
  InvalidValueError,
  SettingNotFoundError,
} from "../../src/configstore/errors.js";
import { asBool, ConfigStore } from "../../src/configstore/store.js";
import type { Backend, TraceEvent } from "../../src/configstore/types.js";

/** A backend that records which keys it was asked about. */
function recording(name: string, values: Record<string, string>): Backend & { asked: string[] } {
  const asked: string[] = [];
  return {
    name,
    asked,
    async get(key) {
      asked.push(key);
      return Object.hasOwn(values, key) ? values[key] : undefined;
    },
  };
}

function failing(name: string, error: unknown): Backend & { calls: number } {
  const backend = {
    name,
    calls: 0,
    async get() {
      backend.calls += 1;
      throw error;
    },
  };
  return backend;
}

describe("ConfigStore: lookup order", () => {
  it("asks backends in order and the first hit wins", async () => {
    const first = recording("first", { A: "from first" });
    const second = recording("second", { A: "from second", B: "only second" });
    const store = new ConfigStore([first, second]);
    await expect(store.get("A")).resolves.toBe("from first");
    expect(second.asked).toEqual([]);
    await expect(store.get("B")).resolves.toBe("only second");
    expect(first.asked).toEqual(["A", "B"]);
  });

  it("reverses the winner when the order is reversed", async () => {
    const a = fromMemory({ K: "a" }, { name: "a" });
    const b = fromMemory({ K: "b" }, { name: "b" });
    await expect(new ConfigStore([a, b]).getWithSource("K")).resolves.toEqual({ value: "a", source: "a" });
    await expect(new ConfigStore([b, a]).getWithSource("K")).resolves.toEqual({ value: "b", source: "b" });
  });

  it("treats an empty string as a hit that stops the lookup", async () => {
    const later = recording("later", { K: "not reached" });
    const store = new ConfigStore([fromEnv({ env: { K: "" } }), later]);
    await expect(store.getWithSource("K")).resolves.toEqual({ value: "", source: "env" });
    expect(later.asked).toEqual([]);
  });

  it("answers undefined when no backend has the key, and with no backends", async () => {
    await expect(new ConfigStore([fromMemory({})]).get("NOPE")).resolves.toBeUndefined();
    await expect(new ConfigStore([]).getWithSource("NOPE")).resolves.toBeUndefined();
  });

  it("reports the source of every value", async () => {
    const store = new ConfigStore([
      fromEnv({ env: { REGION: "eu-west-1" } }),
      fromMemory({ REGION: "us-east-1", PROFILE: "dev" }, { name: "defaults" }),
    ]);
    await expect(store.getWithSource("REGION")).resolves.toEqual({ value: "eu-west-1", source: "env" });
    await expect(store.getWithSource("PROFILE")).resolves.toEqual({ value: "dev", source: "defaults" });
  });

  it("exposes its backends, frozen, in order", () => {
    const a = fromMemory({}, { name: "a" });
    const b = fromMemory({}, { name: "b" });
    const store = new ConfigStore([a, b]);
    expect(store.backends.map((x) => x.name)).toEqual(["a", "b"]);
    expect(Object.isFrozen(store.backends)).toBe(true);
  });

  it("refuses something that is not a backend", () => {
    expect(() => new ConfigStore([{ name: "x" } as unknown as Backend])).toThrow(
      /backend #0 is not a backend/,
    );
  });
});

describe("ConfigStore: failures halt the lookup", () => {
  it("wraps a backend's error with the backend's name and the key, keeping the cause", async () => {
    const cause = new Error("connection refused");
    const bad = failing("vault", cause);
    const after = recording("after", { K: "never reached" });
    const store = new ConfigStore([fromMemory({}), bad, after]);
    const error = await store.get("K").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "BACKEND_FAILED", backend: "vault", key: "K", cause });
    expect((error as Error).message).toBe("vault: cannot read `K`: connection refused");
    expect(after.asked).toEqual([]);
  });

  it("does not wrap a BackendError twice", async () => {
    const inner = new BackendError("ssm", "K", { reason: "throttled." });
    const error = await new ConfigStore([failing("ssm", inner)]).get("K").catch((e: unknown) => e);
    expect(error).toBe(inner);
  });

  it("passes the library's own errors through (a malformed file names its path)", async () => {
    const inner = new ConfigFileError("CONFIG_PARSE", "/p/.env", 3, "expected `KEY=VALUE`.");
    const error = await new ConfigStore([failing("dotenv", inner)]).get("K").catch((e: unknown) => e);
    expect(error).toBe(inner);
  });

  it("wraps a thrown non-Error too", async () => {
    const error = await new ConfigStore([failing("odd", "just a string")]).get("K").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe("odd: cannot read `K`: just a string");
  });

  it("keeps a multi-line cause on one line", async () => {
    const error = await new ConfigStore([failing("x", new Error("first\n  second"))])
      .get("K")
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe("x: cannot read `K`: first second");
  });

  it("refuses a backend that returns something other than a string", async () => {
    const weird: Backend = { name: "weird", get: async () => 42 as unknown as string };
    await expect(new ConfigStore([weird]).get("K")).rejects.toThrow(
      /weird: cannot read `K`: the backend returned a number/,
    );
  });

  it("refuses an empty key", async () => {
    await expect(new ConfigStore([fromMemory({})]).get("")).rejects.toBeInstanceOf(InvalidKeyError);
  });
});

describe("ConfigStore: require", () => {
  it("returns a found value", async () => {
    await expect(new ConfigStore([fromMemory({ K: "v" })]).require("K")).resolves.toBe("v");
  });

  it("names the key and every backend tried, in order", async () => {
    const store = new ConfigStore([fromEnv({ env: {} }), fromMemory({}, { name: "defaults" })]);
    const error = await store.require("DB_PASSWORD").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingNotFoundError);
    expect(error).toMatchObject({
      code: "SETTING_NOT_FOUND",
      key: "DB_PASSWORD",
      tried: ["env", "defaults"],
    });
    expect((error as Error).message).toBe(
      "`DB_PASSWORD` is not set (looked in env, defaults). Set `DB_PASSWORD` in one of them, or give it a default.",
    );
  });

  it("says when the store has no backends", async () => {
    await expect(new ConfigStore([]).require("K")).rejects.toThrow("the store has no backends");
  });
});

describe("ConfigStore: trace", () => {
  it("reports each backend's outcome without values", async () => {
    const events: TraceEvent[] = [];
    const store = new ConfigStore(
      [fromEnv({ env: {} }), fromMemory({ K: "secret-value" }, { name: "defaults" }), fromMemory({ K: "x" })],
      { trace: (event) => events.push(event) },
    );
    await store.get("K");
    expect(events).toEqual([
      { key: "K", backend: "env", outcome: "miss" },
      { key: "K", backend: "defaults", outcome: "hit" },
    ]);
    expect(JSON.stringify(events)).not.toContain("secret-value");
  });

  it("reports an error outcome before the error propagates", async () => {
    const events: TraceEvent[] = [];
    const store = new ConfigStore([failing("bad", new Error("boom"))], { trace: (e) => events.push(e) });
    await expect(store.get("K")).rejects.toThrow(ConfigStoreError);
    expect(events).toEqual([{ key: "K", backend: "bad", outcome: "error" }]);
  });
});

describe("asBool and getBool", () => {
  it.each([
    ["true", true],
    ["TRUE", true],
    ["yes", true],
    ["On", true],
    ["1", true],
    [" true \n", true],
    ["false", false],
    ["no", false],
    ["OFF", false],
    ["0", false],
    ["", false],
    ["  ", false],
  ])("reads %j as %s", (input, expected) => {
    expect(asBool(input, "FLAG")).toBe(expected);
  });

  it.each(["maybe", "2", "truee", "y", "n", "enabled", "-1", "true false"])("refuses %j", (input) => {
    expect(() => asBool(input, "FLAG")).toThrow(InvalidValueError);
  });

  it("names the key and the value, and lists what is accepted", () => {
    const error = (() => {
      try {
        asBool("maybe", "VERIFY_SSL");
      } catch (e) {
        return e as InvalidValueError;
      }
    })();
    expect(error).toMatchObject({ code: "INVALID_BOOLEAN", key: "VERIFY_SSL" });
    expect(error?.message).toBe(
      '`VERIFY_SSL` must be a boolean, got "maybe". Use one of true, yes, on, 1 or false, no, off, 0 (or empty).',
    );
  });

  it("never shows the value of a sensitive key, nor a value without a key", () => {
    expect(() => asBool("hunter2", "DB_PASSWORD")).toThrow(/^`DB_PASSWORD` must be a boolean\. Use/);
    expect(() => asBool("hunter2")).toThrow(/^The value must be a boolean\. Use/);
  });

  it("getBool reads strictly and answers undefined when unset", async () => {
    const store = new ConfigStore([fromMemory({ ON: "yes", OFF: "", BAD: "perhaps" })]);
    await expect(store.getBool("ON")).resolves.toBe(true);
    await expect(store.getBool("OFF")).resolves.toBe(false);
    await expect(store.getBool("UNSET")).resolves.toBeUndefined();
    await expect(store.getBool("BAD")).rejects.toMatchObject({ code: "INVALID_BOOLEAN", key: "BAD" });
  });
});
