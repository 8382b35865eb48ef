import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { userDirs } from "../../src/configstore/paths.js";

describe("userDirs", () => {
  it.each(["linux", "darwin", "freebsd"] as const)(
    "uses XDG defaults under HOME on %s (not ~/Library)",
    (platform) => {
      expect(userDirs("app", { platform, env: { HOME: "/home/u" } })).toEqual({
        config: "/home/u/.config/app",
        cache: "/home/u/.cache/app",
        data: "/home/u/.local/share/app",
      });
    },
  );

  it("honours absolute XDG variables", () => {
    const env = {
      HOME: "/home/u",
      XDG_CONFIG_HOME: "/cfg",
      XDG_CACHE_HOME: "/cache",
      XDG_DATA_HOME: "/data",
    };
    expect(userDirs("app", { platform: "darwin", env })).toEqual({
      config: "/cfg/app",
      cache: "/cache/app",
      data: "/data/app",
    });
  });

  it("ignores relative and empty XDG variables, as the XDG spec says", () => {
    const env = {
      HOME: "/home/u",
      XDG_CONFIG_HOME: "relative/cfg",
      XDG_CACHE_HOME: "",
      XDG_DATA_HOME: "./data",
    };
    expect(userDirs("app", { platform: "linux", env })).toEqual({
      config: "/home/u/.config/app",
      cache: "/home/u/.cache/app",
      data: "/home/u/.local/share/app",
    });
  });

  it("takes an explicit home first, then HOME, then os.homedir()", () => {
    expect(userDirs("app", { platform: "linux", env: { HOME: "/home/u" }, home: "/h" }).config).toBe(
      "/h/.config/app",
    );
    expect(userDirs("app", { platform: "linux", env: {} }).config).toBe(`${homedir()}/.config/app`);
  });

  it("uses APPDATA and LOCALAPPDATA on Windows", () => {
    const env = { APPDATA: "C:\\Users\\u\\AppData\\Roaming", LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" };
    expect(userDirs("app", { platform: "win32", env })).toEqual({
      config: "C:\\Users\\u\\AppData\\Roaming\\app",
      cache: "C:\\Users\\u\\AppData\\Local\\app\\Cache",
      data: "C:\\Users\\u\\AppData\\Local\\app\\Data",
    });
  });

  it("falls back to the profile folder on Windows without APPDATA", () => {
    const dirs = userDirs("app", { platform: "win32", env: { USERPROFILE: "C:\\Users\\u" } });
    expect(dirs.config).toBe("C:\\Users\\u\\AppData\\Roaming\\app");
    expect(dirs.cache).toBe("C:\\Users\\u\\AppData\\Local\\app\\Cache");
  });

  it.each(["", "a/b", "a\\b", ".", ".."])("refuses the application name %j", (name) => {
    expect(() => userDirs(name, { env: { HOME: "/h" } })).toThrow(TypeError);
  });
});
