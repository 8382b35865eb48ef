// npm's own parser, loaded from the npm on this machine, as the judge of what the editor writes: the
// tests ask the real `ini` and @npmcli/config code how npm reads a file, rather than trusting our reading.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface NpmOracle {
  /** npm's `ini.decode`. */
  decode(text: string): Record<string, unknown>;
  /** npm's nerf-dart function. */
  nerfDart(url: string): string;
  /** npm's `${VAR}` replacement. */
  envReplace(text: string, env: Record<string, string | undefined>): string;
  /**
   * What npm's own `setCredentialsByURI(url, { token })` (the code behind `npm login`) leaves in a user
   * .npmrc holding `text`, as npm's `ini.decode` reads the result.
   */
  setToken(text: string, url: string, token: string): Promise<Record<string, unknown>>;
  npmDir: string;
}

function findNpmDir(): string | undefined {
  try {
    const npm = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
    if (npm) {
      const dir = join(dirname(realpathSync(npm)), "..");
      if (existsSync(join(dir, "node_modules", "ini"))) return dir;
    }
  } catch {
    // fall through to the usual global location
  }
  for (const dir of ["/usr/lib/node_modules/npm", "/usr/local/lib/node_modules/npm"]) {
    if (existsSync(join(dir, "node_modules", "ini"))) return dir;
  }
  return undefined;
}

let cached: NpmOracle | undefined | null = null;

/** npm's parser, or undefined (with the reason in `oracleMissingReason`) when npm is not installed. */
export function npmOracle(): NpmOracle | undefined {
  if (cached !== null) return cached;
  const npmDir = findNpmDir();
  if (!npmDir) {
    cached = undefined;
    return cached;
  }
  const load = createRequire(join(npmDir, "package.json"));
  const ini = load("ini") as { decode(text: string): Record<string, unknown> };
  const configLib = dirname(load.resolve("@npmcli/config"));
  const nerfDart = load(join(configLib, "nerf-dart.js")) as (url: string) => string;
  const envReplace = load(join(configLib, "env-replace.js")) as (
    text: string,
    env: Record<string, string | undefined>,
  ) => string;
  const setToken = async (text: string, url: string, token: string) => {
    const Config = load("@npmcli/config") as new (
      options: Record<string, unknown>,
    ) => {
      load(): Promise<void>;
      setCredentialsByURI(uri: string, credentials: { token: string }): void;
      save(where: "user"): Promise<void>;
    };
    const definitions = load(join(configLib, "definitions")) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), "npm-oracle-"));
    try {
      const userconfig = join(dir, "npmrc");
      writeFileSync(userconfig, text);
      const config = new Config({
        npmPath: npmDir,
        definitions: definitions.definitions,
        shorthands: definitions.shorthands,
        flatten: definitions.flatten,
        argv: ["node", "npm", "--userconfig", userconfig, "--globalconfig", join(dir, "global")],
        env: {},
        cwd: dir,
        excludeNpmCwd: true,
      });
      await config.load();
      config.setCredentialsByURI(url, { token });
      await config.save("user");
      return ini.decode(readFileSync(userconfig, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  cached = { decode: (text) => ini.decode(text), nerfDart, envReplace, setToken, npmDir };
  return cached;
}

export const oracleMissingReason = "npm's own ini parser was not found (no npm on PATH)";
