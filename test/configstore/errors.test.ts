import { describe, expect, it } from "vitest";
import {
  BackendError,
  ConfigFileError,
  ConfigStoreError,
  InterpolationError,
  InvalidKeyError,
  InvalidValueError,
  SettingNotFoundError,
} from "../../src/configstore/errors.js";

describe("errors", () => {
  it.each<[string, ConfigStoreError, string]>([
    ["BackendError", new BackendError("ssm", "K", { cause: new Error("x") }), "BACKEND_FAILED"],
    ["SettingNotFoundError", new SettingNotFoundError("K", ["env"]), "SETTING_NOT_FOUND"],
    ["InvalidValueError", new InvalidValueError("INVALID_BOOLEAN", "K", "m"), "INVALID_BOOLEAN"],
    ["InvalidKeyError", new InvalidKeyError("", "m"), "INVALID_KEY"],
    [
      "InterpolationError",
      new InterpolationError("INTERPOLATION_CYCLE", "m", { reference: "a", cycle: ["a", "a"] }),
      "INTERPOLATION_CYCLE",
    ],
    ["ConfigFileError", new ConfigFileError("CONFIG_PARSE", "/f", 1, "m"), "CONFIG_PARSE"],
  ])("%s is a ConfigStoreError with a stable code and its own name", (name, error, code) => {
    expect(error).toBeInstanceOf(ConfigStoreError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
  });

  it("keeps messages on one line", () => {
    expect(new ConfigStoreError("X", "a\n  b\r\nc").message).toBe("a b c");
    expect(new BackendError("b", "k", { cause: new Error("one\ntwo") }).message).toBe(
      "b: cannot read `k`: one two",
    );
  });

  it("writes BackendError as `backend: cannot <op> `key`: reason hint`, keeping the cause", () => {
    const cause = new Error("denied");
    const error = new BackendError("vault", "TOKEN", {
      operation: "write",
      cause,
      hint: "Check the policy.",
    });
    expect(error.message).toBe("vault: cannot write `TOKEN`: denied Check the policy.");
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({ backend: "vault", key: "TOKEN" });
  });

  it("starts ConfigFileError messages with FILE:LINE (or FILE without a line)", () => {
    expect(new ConfigFileError("CONFIG_PARSE", "/etc/a.cfg", 12, "bad.").message).toBe("/etc/a.cfg:12: bad.");
    expect(new ConfigFileError("CONFIG_NOT_FOUND", "/etc/a.cfg", undefined, "absent.").message).toBe(
      "/etc/a.cfg: absent.",
    );
  });

  it("freezes the lists it carries", () => {
    const tried = ["env"];
    const error = new SettingNotFoundError("K", tried);
    tried.push("later");
    expect(error.tried).toEqual(["env"]);
    expect(Object.isFrozen(error.tried)).toBe(true);
  });
});
