// Real files in temp dirs, removed when the test file (or the process) ends; an isolated HOME so no test reads or
// writes this machine's ~/.npmrc, ~/.aws or keychain.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const created: string[] = [];

/** A fresh directory (real path, so macOS's /private prefix never confuses comparisons). */
function removeCreated(): void {
  if (process.env.KEEP_TEMP) return;
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// Registered when this module is imported (a test file's collection), not at the first call: a
// first call inside a test or hook could not register a file-level hook. Outside vitest (the demo,
// the benchmark), the directories go when the process ends.
if (process.env.VITEST) afterAll(removeCreated);
else process.once("exit", removeCreated);

export function makeTempDir(prefix = "cak-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

export interface IsolatedHome {
  home: string;
  /** A clean environment for a child process: PATH, the HOME and XDG dirs, nothing of AWS or npm. */
  env: Record<string, string>;
  /** `join(home, ...parts)` */
  path(...parts: string[]): string;
}

/** A throwaway HOME with XDG config/cache/data dirs and its own npm cache. */
export function isolatedHome(): IsolatedHome {
  const home = makeTempDir("cak-home-");
  const dirs = {
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    // A temp dir of the home's own: the tool warns about (or refuses) running from the temp dir, and a
    // checkout under /tmp (CI clones into `mktemp -d`) must not look like one to the child.
    TMPDIR: join(home, "tmp"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    USERPROFILE: home,
    ...dirs,
    npm_config_cache: join(home, ".npm"),
    NO_COLOR: "1",
  };
  return { home, env, path: (...parts) => join(home, ...parts) };
}
