// Issue 12, "Files: never into another user's hands": a secret goes only into regular files the
// current user owns, under directories that are the user's (or root's, and not writable by everyone
// unless sticky), never through someone else's symlink in a sticky directory. Root included: root
// passes every permission check, so ownership is the only guard. Through the built CLI.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY, useFakeAws } from "../cli/support.js";
import { BIN, type RunResult, run, stderrLines } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";

const { aws, sandbox } = useFakeAws();

const isRoot = process.geteuid?.() === 0;
const posix = process.platform !== "win32";
/** A uid that is neither root nor the test's user. */
const OTHER = 4321;
const NEEDS_ROOT = "needs root: only root can chown a file to another user to set up the attack";

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** The CLI under a given umask (the shell sets it, then execs node). */
function runWithUmask(
  umask: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<RunResult> {
  return run("/bin/sh", ["-c", `umask ${umask} && exec "$@"`, "sh", process.execPath, BIN, ...args], {
    env,
    cwd,
    timeoutMs: 20_000,
  });
}

function lastError(result: RunResult): string {
  return stderrLines(result.stderr).at(-1) ?? "";
}

describe("a secret goes only into a regular file the user owns", () => {
  it.skipIf(!isRoot)(
    `root refuses a user .npmrc owned by another uid, naming it and the owner; the file keeps its text and owner (${NEEDS_ROOT})`,
    async () => {
      const box = sandbox();
      const npmrc = box.path(".npmrc");
      writeFileSync(npmrc, "fund=false\n", { mode: 0o600 });
      chownSync(npmrc, OTHER, OTHER);
      const result = await box.run(["--registry", REGISTRY]);
      expect(result.status).toBe(1);
      expect(lastError(result)).toBe(
        `error: \`${npmrc}\` is owned by uid ${OTHER}, not by you (uid 0), so no secret is written into it: remove it, or name a file of your own`,
      );
      expect(readFileSync(npmrc, "utf8")).toBe("fund=false\n");
      expect(statSync(npmrc).uid).toBe(OTHER);
    },
  );

  it.skipIf(!isRoot)(
    `root refuses a cache dir another uid owns: no token file appears in it (${NEEDS_ROOT})`,
    async () => {
      const cache = makeTempDir("cak-foreign-cache-");
      chownSync(cache, OTHER, OTHER);
      const box = sandbox({ CODEARTIFACT_KEYRING_CACHE_DIR: cache, CODEARTIFACT_KEYRING_CACHE: "file" });
      const result = await box.run(["token", "--registry", REGISTRY]);
      expect(result.stdout).not.toContain(aws().codeartifact.issued[0]?.token ?? "never");
      expect(result.stderr).toContain(`\`${cache}\` is owned by uid ${OTHER}, not by you (uid 0)`);
      expect(readdirSync(cache)).toEqual([]);
    },
  );

  it.skipIf(!isRoot)(
    `root refuses a $GITHUB_ENV another uid owns, and writes nothing into it (${NEEDS_ROOT})`,
    async () => {
      const box = sandbox();
      const file = join(makeTempDir("cak-gh-"), "set_env");
      writeFileSync(file, "");
      chownSync(file, OTHER, OTHER);
      const result = await box.run(["token", "--registry", REGISTRY, "--github-env"], {
        env: { GITHUB_ENV: file },
      });
      expect(result.status).toBe(1);
      expect(lastError(result)).toBe(
        `error: \`${file}\` is owned by uid ${OTHER}, not by you (uid 0), so no secret is written into it: remove it, or name a file of your own`,
      );
      expect(readFileSync(file, "utf8")).toBe("");
    },
  );

  it.skipIf(!posix)("refuses an --npmrc that is a FIFO without opening it (no hang)", async () => {
    const box = sandbox();
    const fifo = join(box.project, "fifo.npmrc");
    mkfifo(fifo);
    const result = await box.run(["--registry", REGISTRY, "--npmrc", fifo], {});
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(lastError(result)).toBe(
      `error: \`${fifo}\` is a FIFO (named pipe), not a regular file, so no secret is written into it: remove it, or name a file of your own`,
    );
  });

  it.skipIf(!isRoot)(
    "refuses an --npmrc that is a device node (a private null device in a temp dir, never the system's /dev/null: code that writes through would replace it) (needs root for mknod)",
    async () => {
      const box = sandbox();
      const device = join(box.project, "null.npmrc");
      execFileSync("mknod", ["-m", "666", device, "c", "1", "3"]);
      const result = await box.run(["--registry", REGISTRY, "--npmrc", device]);
      expect(result.status).toBe(1);
      expect(lastError(result)).toBe(
        `error: \`${device}\` is a device node, not a regular file, so no secret is written into it: remove it, or name a file of your own`,
      );
      expect(statSync(device).isCharacterDevice()).toBe(true);
    },
  );

  it.skipIf(!posix)("refuses a $GITHUB_ENV that is a FIFO (no hang, nothing written)", async () => {
    const box = sandbox();
    const fifo = join(makeTempDir("cak-gh-"), "set_env");
    mkfifo(fifo);
    const result = await box.run(["token", "--registry", REGISTRY, "--github-env"], {
      env: { GITHUB_ENV: fifo },
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(lastError(result)).toMatch(
      /is a FIFO \(named pipe\), not a regular file, so no secret is written/,
    );
  });
});

describe("symlinks in shared sticky directories", () => {
  it.skipIf(!isRoot)(
    `does not follow another uid's symlink in a sticky world-writable dir (protected_symlinks) (${NEEDS_ROOT})`,
    async () => {
      const box = sandbox();
      const shared = join(makeTempDir("cak-shared-"), "drop");
      mkdirSync(shared);
      chmodSync(shared, 0o1777);
      const victim = box.path("victim");
      writeFileSync(victim, "precious\n", { mode: 0o600 });
      const link = join(shared, ".npmrc");
      symlinkSync(victim, link);
      lchownSync(link, OTHER, OTHER);
      const result = await box.run(["--registry", REGISTRY, "--npmrc", link]);
      expect(result.status).toBe(1);
      expect(lastError(result)).toBe(
        `error: \`${link}\` is a symbolic link owned by uid ${OTHER} in the shared directory \`${shared}\`, so it is not followed (the kernel's protected_symlinks rule): remove it, or name a file of your own`,
      );
      expect(readFileSync(victim, "utf8")).toBe("precious\n");
    },
  );

  it.skipIf(!posix)("follows the user's own symlinked ~/.npmrc, and the link stays a link", async () => {
    const box = sandbox();
    mkdirSync(box.path("dotfiles"));
    writeFileSync(box.path("dotfiles", "npmrc"), "fund=false\n");
    symlinkSync(box.path("dotfiles", "npmrc"), box.path(".npmrc"));
    const result = await box.run(["--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(box.path("dotfiles", "npmrc"), "utf8")).toContain(":_authToken=");
    expect(statSync(box.path("dotfiles", "npmrc")).mode & 0o777).toBe(0o600);
  });
});

describe("modes: only what the tool creates is tightened", () => {
  it.skipIf(!posix)(
    "never chmods an existing 1777 cache dir; the dirs and file it creates are 0700/0600",
    async () => {
      const cache = join(makeTempDir("cak-cache-"), "shared");
      mkdirSync(cache);
      chmodSync(cache, 0o1777);
      const box = sandbox({ CODEARTIFACT_KEYRING_CACHE_DIR: cache, CODEARTIFACT_KEYRING_CACHE: "file" });
      const result = await runWithUmask("000", ["token", "--registry", REGISTRY], box.env, box.project);
      expect(result.status, result.stderr).toBe(0);
      expect(statSync(cache).mode & 0o7777).toBe(0o1777);
      const tokens = join(cache, "tokens");
      expect(statSync(tokens).mode & 0o777).toBe(0o700);
      const [entry] = readdirSync(tokens);
      expect(statSync(join(tokens, entry as string)).mode & 0o777).toBe(0o600);
    },
  );

  it.skipIf(!posix)("a $GITHUB_ENV the tool creates is 0600 even under umask 000", async () => {
    const box = sandbox();
    const file = join(makeTempDir("cak-gh-"), "set_env");
    const result = await runWithUmask(
      "000",
      ["token", "--registry", REGISTRY, "--github-env"],
      { ...box.env, GITHUB_ENV: file },
      box.project,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!posix)("a user .npmrc the tool creates is 0600 even under umask 000", async () => {
    const box = sandbox();
    const result = await runWithUmask("000", ["--registry", REGISTRY], box.env, box.project);
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(box.path(".npmrc")).mode & 0o777).toBe(0o600);
  });
});
