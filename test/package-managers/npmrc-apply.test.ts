import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/configstore/secret.js";
import type { PackageManagerError } from "../../src/package-managers/errors.js";
import { gitStateOf } from "../../src/package-managers/git.js";
import { applyNpmrcEdits, type NpmrcEdit } from "../../src/package-managers/npmrc.js";
import { ROOT, run } from "../support/run.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";
import { git, gitEnv, hasGit } from "./support/git.js";
import { CA_NERF, CA_URL } from "./support/npmrc-corpus.js";

const TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.dG9rZW4";
const setToken: NpmrcEdit = { kind: "set-token", registryUrl: CA_URL, token: new Secret(TOKEN) };
const modeOf = (file: string) => statSync(file).mode & 0o777;
const posix = process.platform !== "win32";

async function caught(promise: Promise<unknown>): Promise<PackageManagerError> {
  try {
    await promise;
  } catch (error) {
    return error as PackageManagerError;
  }
  throw new Error("expected a rejection");
}

describe("applyNpmrcEdits: files", () => {
  it("creates a missing file at 0600 and reports it", async () => {
    const file = join(makeTempDir(), ".npmrc");
    const result = await applyNpmrcEdits(file, [setToken], { env: gitEnv });
    expect(result).toMatchObject({ file, realFile: file, changed: true, created: true });
    expect(readFileSync(file, "utf8")).toBe(`${CA_NERF}:_authToken=${TOKEN}\n`);
    if (posix) expect(modeOf(file)).toBe(0o600);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("does not touch the file when nothing changes (same inode, same mtime)", async () => {
    const file = join(makeTempDir(), ".npmrc");
    await applyNpmrcEdits(file, [setToken], { env: gitEnv });
    const before = statSync(file);
    const again = await applyNpmrcEdits(file, [setToken], { env: gitEnv });
    const after = statSync(file);
    expect(again.changed).toBe(false);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it.skipIf(!posix)("tightens a looser mode with a notice naming both modes", async () => {
    const file = join(makeTempDir(), ".npmrc");
    writeFileSync(file, "fund=false\n", { mode: 0o644 });
    chmodSync(file, 0o644);
    const notices: string[] = [];
    const result = await applyNpmrcEdits(file, [setToken], { env: gitEnv, onNotice: (m) => notices.push(m) });
    expect(modeOf(file)).toBe(0o600);
    expect(result.modeTightened).toEqual({ from: 0o644, to: 0o600 });
    expect(notices).toEqual([expect.stringMatching(/was mode 0644; it is now 0600/)]);
    // A file that already holds the same token but is world-readable is tightened without a rewrite.
    chmodSync(file, 0o640);
    const ino = statSync(file).ino;
    const again = await applyNpmrcEdits(file, [setToken], { env: gitEnv, onNotice: (m) => notices.push(m) });
    expect(again.changed).toBe(false);
    expect(modeOf(file)).toBe(0o600);
    expect(statSync(file).ino).toBe(ino);
    expect(notices[1]).toMatch(/0640/);
  });

  it.skipIf(!posix)(
    "keeps a file without secrets at its own mode (a project .npmrc stays 0644)",
    async () => {
      const file = join(makeTempDir(), ".npmrc");
      writeFileSync(file, "# project\n");
      chmodSync(file, 0o644);
      await applyNpmrcEdits(file, [{ kind: "set-registry", registryUrl: CA_URL, scope: "@corp" }]);
      expect(readFileSync(file, "utf8")).toBe(`# project\n@corp:registry=${CA_URL}\n`);
      expect(modeOf(file)).toBe(0o644);
    },
  );

  it.skipIf(!posix)("follows a symlink to its target and leaves the link a link", async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, "dotfiles"));
    const target = join(dir, "dotfiles", "npmrc");
    writeFileSync(target, "# dotfiles\n");
    const link = join(dir, ".npmrc");
    symlinkSync(target, link);
    const result = await applyNpmrcEdits(link, [setToken], { env: gitEnv });
    expect(result.realFile).toBe(target);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, "utf8")).toBe(`# dotfiles\n${CA_NERF}:_authToken=${TOKEN}\n`);
  });

  it.skipIf(!posix)("creates the target of a dangling symlink", async () => {
    const dir = makeTempDir();
    const link = join(dir, ".npmrc");
    symlinkSync(join(dir, "store", "npmrc"), link);
    const result = await applyNpmrcEdits(link, [setToken], { env: gitEnv });
    expect(result.realFile).toBe(join(dir, "store", "npmrc"));
    expect(readFileSync(link, "utf8")).toContain(TOKEN);
  });

  it.skipIf(!posix)("refuses a read-only file, naming it and the fix, and leaves it alone", async () => {
    const file = join(makeTempDir(), ".npmrc");
    writeFileSync(file, "fund=false\n");
    chmodSync(file, 0o444);
    const error = await caught(applyNpmrcEdits(file, [setToken], { env: gitEnv }));
    expect(error.code).toBe("FILE_READ_ONLY");
    expect(error.message).toContain(`\`${file}\``);
    expect(error.message).toMatch(/chmod u\+w/);
    expect(readFileSync(file, "utf8")).toBe("fund=false\n");
    expect(modeOf(file)).toBe(0o444);
  });

  it("refuses bytes that are not UTF-8 text, naming the file (and the line of a NUL)", async () => {
    const dir = makeTempDir();
    const latin1 = join(dir, "latin1.npmrc");
    writeFileSync(latin1, Buffer.from([0x61, 0x3d, 0xe9, 0x0a]));
    const error = await caught(applyNpmrcEdits(latin1, [setToken], { env: gitEnv }));
    expect(error.code).toBe("NPMRC_INVALID");
    expect(error.message).toMatch(/latin1\.npmrc`: is not valid UTF-8/);
    const nul = join(dir, "nul.npmrc");
    writeFileSync(nul, "a=1\nb=\u0000\n");
    const nulError = await caught(applyNpmrcEdits(nul, [setToken], { env: gitEnv }));
    expect(nulError.message).toMatch(/nul\.npmrc`:2: holds a NUL byte/);
    expect(readFileSync(nul, "utf8")).toBe("a=1\nb=\u0000\n");
  });

  it("dry run reports the changes and writes nothing", async () => {
    const file = join(makeTempDir(), ".npmrc");
    const result = await applyNpmrcEdits(file, [setToken], { dryRun: true, env: gitEnv });
    expect(result.changed).toBe(true);
    expect(result.changes).toEqual([
      expect.objectContaining({ action: "add", text: `${CA_NERF}:_authToken=[redacted]` }),
    ]);
    expect(() => statSync(file)).toThrow();
  });

  it("validates every edit before touching the file", async () => {
    const file = join(makeTempDir(), ".npmrc");
    const error = await caught(
      applyNpmrcEdits(file, [{ kind: "set-token", registryUrl: CA_URL, token: "a b" }]),
    );
    expect(error.code).toBe("NPMRC_UNSAFE_VALUE");
    expect(() => statSync(file)).toThrow();
  });
});

describe.skipIf(!hasGit())("applyNpmrcEdits: git safety (real git)", () => {
  function repo(): string {
    const dir = makeTempDir("cak-repo-");
    git(dir, "init", "-q");
    return dir;
  }

  it("refuses a tracked file, naming it and the fixes; --force writes", async () => {
    const dir = repo();
    const file = join(dir, ".npmrc");
    writeFileSync(file, `registry=${CA_URL}\n`);
    git(dir, "add", ".npmrc");
    git(dir, "commit", "-qm", "init");
    expect(await gitStateOf(file, { env: gitEnv })).toBe("tracked");
    const error = await caught(applyNpmrcEdits(file, [setToken], { env: gitEnv }));
    expect(error.code).toBe("GIT_TRACKED_TARGET");
    expect(error.message).toContain(`\`${file}\` is tracked by git`);
    expect(error.message).toMatch(/user \.npmrc/);
    expect(error.message).toMatch(/--force/);
    expect(readFileSync(file, "utf8")).toBe(`registry=${CA_URL}\n`);
    await applyNpmrcEdits(file, [setToken], { env: gitEnv, force: true });
    expect(readFileSync(file, "utf8")).toContain(TOKEN);
  });

  it("refuses a staged (not yet committed) file too", async () => {
    const dir = repo();
    const file = join(dir, ".npmrc");
    writeFileSync(file, "fund=false\n");
    git(dir, "add", ".npmrc");
    expect((await caught(applyNpmrcEdits(file, [setToken], { env: gitEnv }))).code).toBe(
      "GIT_TRACKED_TARGET",
    );
  });

  it("refuses an untracked file that is not ignored, and accepts it once ignored", async () => {
    const dir = repo();
    const file = join(dir, "sub", ".npmrc");
    const error = await caught(applyNpmrcEdits(file, [setToken], { env: gitEnv }));
    expect(error.code).toBe("GIT_UNIGNORED_TARGET");
    expect(error.message).toMatch(/add it to \.gitignore/);
    writeFileSync(join(dir, ".gitignore"), ".npmrc\n");
    expect(await gitStateOf(file, { env: gitEnv })).toBe("ignored");
    await applyNpmrcEdits(file, [setToken], { env: gitEnv });
    expect(readFileSync(file, "utf8")).toContain(TOKEN);
  });

  it("writes registry lines into a tracked project .npmrc (no token, no refusal)", async () => {
    const dir = repo();
    const file = join(dir, ".npmrc");
    writeFileSync(file, "# project\n");
    git(dir, "add", ".npmrc");
    await applyNpmrcEdits(file, [{ kind: "set-registry", registryUrl: CA_URL, scope: "corp" }], {
      env: gitEnv,
    });
    expect(readFileSync(file, "utf8")).toBe(`# project\n@corp:registry=${CA_URL}\n`);
  });

  it.skipIf(!posix)("checks the real path: ~/.npmrc linked into a dotfiles repo is tracked", async () => {
    const dotfiles = repo();
    writeFileSync(join(dotfiles, "npmrc"), "fund=false\n");
    git(dotfiles, "add", "npmrc");
    const home = makeTempDir();
    const link = join(home, ".npmrc");
    symlinkSync(join(dotfiles, "npmrc"), link);
    const error = await caught(applyNpmrcEdits(link, [setToken], { env: gitEnv }));
    expect(error.code).toBe("GIT_TRACKED_TARGET");
    expect(error.message).toContain(`\`${link}\` (a link to \`${join(dotfiles, "npmrc")}\`)`);
  });

  it("ignores GIT_DIR and GIT_WORK_TREE inherited from a hook", async () => {
    const dir = repo();
    const other = repo();
    const file = join(dir, ".npmrc");
    writeFileSync(file, "fund=false\n");
    git(dir, "add", ".npmrc");
    const env = { ...gitEnv, GIT_DIR: join(other, ".git"), GIT_WORK_TREE: other };
    expect(await gitStateOf(file, { env })).toBe("tracked");
  });

  it("fails closed when git is missing but a .git exists above the file; outside any repository it is 'outside'", async () => {
    const dir = repo();
    const file = join(dir, ".npmrc");
    expect(await gitStateOf(file, { env: { ...gitEnv, PATH: join(dir, "no-bin") } })).toBe("unknown");
    const plain = makeTempDir();
    expect(await gitStateOf(join(plain, ".npmrc"), { env: { ...gitEnv, PATH: join(plain, "no-bin") } })).toBe(
      "outside",
    );
  });
});

describe("applyNpmrcEdits: concurrency", () => {
  it("16 processes writing 16 registries into one file keep all 16 lines", async () => {
    const home = isolatedHome();
    const file = home.path(".npmrc");
    const header = "# shared file\r\n; keep me\r\nfund=false\r\n";
    writeFileSync(file, header);
    const startAt = String(Date.now() + 1500);
    const registries = Array.from(
      { length: 16 },
      (_, i) => `https://d${i}-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/repo-${i}/`,
    );
    const worker = join(ROOT, "test", "package-managers", "support", "apply-worker.ts");
    const results = await Promise.all(
      registries.map((url, i) =>
        run(process.execPath, ["--import", "tsx", worker, file, url, `token-${i}`, startAt], {
          env: home.env,
          cwd: ROOT,
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const result of results) expect(result.stderr, result.stderr).toBe("");
    expect(results.map((r) => r.status)).toEqual(registries.map(() => 0));
    const text = readFileSync(file, "utf8");
    expect(text.startsWith(header)).toBe(true);
    const lines = text.slice(header.length).split("\r\n");
    expect(lines.pop()).toBe("");
    expect(lines.sort()).toEqual(
      registries.map((url, i) => `${url.replace("https:", "")}:_authToken=token-${i}`).sort(),
    );
    if (posix) expect(modeOf(file)).toBe(0o600);
  });
});
