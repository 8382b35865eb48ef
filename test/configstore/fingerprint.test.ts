import { describe, expect, it } from "vitest";
import { fingerprint } from "../../src/configstore/fingerprint.js";

describe("fingerprint (FNV-1a 64)", () => {
  // The published FNV-1a 64 test vectors.
  it.each([
    ["", "cbf29ce484222325"],
    ["a", "af63dc4c8601ec8c"],
    ["foobar", "85944171f73967e8"],
  ])("%j → %s", (text, expected) => {
    expect(fingerprint(text)).toBe(expected);
  });

  it("hashes UTF-8 bytes, and differs for near keys", () => {
    expect(fingerprint("é")).toBe(fingerprint("\u00e9"));
    expect(fingerprint("v1|corp|111122223333|us-east-1|profile:dev")).not.toBe(
      fingerprint("v1|corp|111122223333|us-east-1|profile:dex"),
    );
    expect(fingerprint("x".repeat(10_000))).toMatch(/^[0-9a-f]{16}$/);
  });
});
