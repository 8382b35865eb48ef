// Issue 12, "Hangs and locks": a full disk says "disk full", not "check the permissions"; a read-only
// HOME with a writable NPM_CONFIG_USERCONFIG still works, or says exactly what it could not write.
// Real file systems: small tmpfs mounts (root only), plus the error mapping on its own.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFailureReason } from "../../src/configstore/files.js";
import { REGISTRY, useFakeAws } from "../cli/support.js";
import { stderrLines } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";

const { sandbox } = useFakeAws();

/** Whether this process can mount a tmpfs (root in a container that allows it; CI's Docker job does). */
function canMount(): boolean {
  if (process.platform !== "linux" || process.geteuid?.() !== 0) return false;
  const probe = makeTempDir("cak-mount-probe-");
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", probe]).status === 0;
  if (mounted) spawnSync("umount", [probe]);
  return mounted;
}
const MOUNT = canMount();
const NO_MOUNT =
  "needs root and permission to mount a tmpfs (mount -t tmpfs), to make a real full or read-only file system";

const mounts: string[] = [];
function tmpfs(options: string): string {
  const dir = makeTempDir("cak-tmpfs-");
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  mounts.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of mounts.splice(0).reverse()) spawnSync("umount", ["-l", dir]);
});

describe("write failures are named by their cause", () => {
  it("maps ENOSPC, EDQUOT, EROFS and EACCES to what they mean", () => {
    const failure = (code: string) => Object.assign(new Error(code), { code });
    expect(writeFailureReason(failure("ENOSPC"), "/h")).toBe(
      "the disk is full (ENOSPC): free space on the file system of `/h`",
    );
    expect(writeFailureReason(failure("EDQUOT"), "/h")).toMatch(/^the disk quota is exceeded \(EDQUOT\)/);
    expect(writeFailureReason(failure("EROFS"), "/h")).toBe("the file system of `/h` is read-only (EROFS)");
    expect(writeFailureReason(failure("EACCES"), "/h")).toBe(
      "permission denied (EACCES): check the permissions of `/h`",
    );
  });

  it.skipIf(!MOUNT)(
    `a full disk under the user .npmrc: "the disk is full", the file unchanged (${NO_MOUNT})`,
    async () => {
      const box = sandbox();
      const disk = tmpfs("size=64k,mode=0700");
      const npmrc = join(disk, ".npmrc");
      writeFileSync(npmrc, "fund=false\n");
      // Fill every block that is left.
      spawnSync("dd", ["if=/dev/zero", `of=${join(disk, "fill")}`, "bs=4096"], { stdio: "ignore" });
      const result = await box.run(["--registry", REGISTRY], { env: { NPM_CONFIG_USERCONFIG: npmrc } });
      expect(result.status).toBe(1);
      expect(stderrLines(result.stderr).at(-1)).toBe(
        `error: \`${npmrc}\`: cannot be written: the disk is full (ENOSPC): free space on the file system of \`${disk}\`; nothing was changed`,
      );
      expect(readFileSync(npmrc, "utf8")).toBe("fund=false\n");
    },
  );

  it.skipIf(!MOUNT)(
    `a read-only HOME with a writable NPM_CONFIG_USERCONFIG: names the cache dir it cannot write and the fix, writes nothing half; with cache = none it works (${NO_MOUNT})`,
    async () => {
      const box = sandbox();
      // HOME (and the XDG dirs inside it, where the cache lives) on a read-only file system.
      const home = tmpfs("size=64k,mode=0700");
      mkdirSync(join(home, ".cache"));
      execFileSync("mount", ["-o", "remount,ro", home]);
      const writable = makeTempDir("cak-npmrc-");
      const npmrc = join(writable, "npmrc");
      const env = {
        HOME: home,
        USERPROFILE: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_CACHE_HOME: join(home, ".cache"),
        XDG_DATA_HOME: join(home, ".local", "share"),
        NPM_CONFIG_USERCONFIG: npmrc,
        CODEARTIFACT_KEYRING_CACHE: "file",
      };
      const cache = join(home, ".cache", "codeartifact-keyring");
      const refused = await box.run(["--registry", REGISTRY], { env });
      expect(refused.status).toBe(1);
      expect(stderrLines(refused.stderr).at(-1)).toBe(
        `error: npm-store (corp, us-east-1): the token cache dir \`${cache}\` cannot be used: \`${cache}/locks\` cannot be created: the file system of \`${cache}\` is read-only (EROFS). Point CODEARTIFACT_KEYRING_CACHE_DIR at a directory you can write, or set \`cache = none\``,
      );
      expect(existsSync(npmrc)).toBe(false);
      const uncached = await box.run(["--registry", REGISTRY], {
        env: { ...env, CODEARTIFACT_KEYRING_CACHE: "none" },
      });
      expect(uncached.status, uncached.stderr).toBe(0);
      expect(readFileSync(npmrc, "utf8")).toContain(":_authToken=");
      // The one thing not written (login's record for logout, in the data dir under HOME) is named.
      const data = join(home, ".local", "share", "codeartifact-keyring");
      expect(stderrLines(uncached.stderr).filter((line) => line.startsWith("warning:"))).toEqual([
        `warning: could not record what was added to \`${npmrc}\` in \`${data}/npmrc-additions.json\`: the file system of \`${data}\` is read-only (EROFS); \`logout\` will leave those lines`,
      ]);
    },
  );
});
