// Where `setup pnpm` puts the tokenHelper lines: pnpm's own per-platform config dir for pnpm 11.13+,
// the user .npmrc before (or when the version is unknown).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pnpmConfigDir, pnpmHelperFile } from "../../src/package-managers/npmrc-locations.js";

const home = "/home/u";

describe("pnpmConfigDir", () => {
  it("follows pnpm: XDG_CONFIG_HOME first, then the platform's place", () => {
    expect(pnpmConfigDir({ env: { XDG_CONFIG_HOME: "/x" }, home, platform: "darwin" })).toBe(
      join("/x", "pnpm"),
    );
    expect(pnpmConfigDir({ env: {}, home, platform: "linux" })).toBe(join(home, ".config", "pnpm"));
    expect(pnpmConfigDir({ env: {}, home, platform: "darwin" })).toBe(
      join(home, "Library", "Preferences", "pnpm"),
    );
    expect(
      pnpmConfigDir({ env: { LOCALAPPDATA: "C:/Users/u/AppData/Local" }, home, platform: "win32" }),
    ).toBe(join("C:/Users/u/AppData/Local", "pnpm", "config"));
  });
});

describe("pnpmHelperFile", () => {
  const options = { env: {}, home, platform: "linux" as const };
  it.each([
    ["11.13.0", "auth.ini"],
    ["11.28.13", "auth.ini"],
    ["12.23.0", "auth.ini"],
    ["13.0.0-beta.1", "auth.ini"],
    ["11.12.9", "user-npmrc"],
    ["10.34.9", "user-npmrc"],
    ["9.15.9", "user-npmrc"],
    [undefined, "user-npmrc"],
    ["not a version", "user-npmrc"],
  ])("pnpm %s → %s", (version, kind) => {
    const file = pnpmHelperFile(version, options);
    expect(file.kind).toBe(kind);
    expect(file.path).toBe(
      kind === "auth.ini" ? join(home, ".config", "pnpm", "auth.ini") : join(home, ".npmrc"),
    );
  });
});
