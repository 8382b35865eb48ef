// Issue 12: the git guard fails closed. When git cannot answer (dubious ownership, any other error)
// or is not installed while a `.git` exists above the target, the target may be tracked: no token is
// written there without --force. Through the built CLI.
import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY, useFakeAws } from "../cli/support.js";
import { stderrLines } from "../support/run.js";

const { sandbox } = useFakeAws();
const hasGit = spawnSync("git", ["--version"]).status === 0;
const isRoot = process.geteuid?.() === 0;

function gitInit(dir: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync("git", ["-C", dir, "init", "-q"], { env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
}

describe("the git guard fails closed", () => {
  it("git not installed (PATH without git) while a .git exists above the target: refused; --force writes", async () => {
    const box = sandbox();
    const file = join(box.project, ".npmrc");
    writeFileSync(file, "fund=false\n");
    // A `.git` directory is all it takes: without git nobody can say what it tracks.
    mkdirSync(join(box.project, ".git"));
    const env = { PATH: join(box.project, "no-bin") };
    const refused = await box.run(["--registry", REGISTRY, "--npmrc", file], { env });
    expect(refused.status).toBe(1);
    expect(stderrLines(refused.stderr).at(-1)).toBe(
      `error: \`${file}\` may be tracked by git: git is not installed, but \`${join(box.project, ".git")}\` exists above it; so no token (or token helper) is written there: fix git for this directory (for dubious ownership: \`git config --global --add safe.directory <dir>\`), write tokens to your user .npmrc (the default), or pass \`--force\``,
    );
    expect(readFileSync(file, "utf8")).toBe("fund=false\n");
    const forced = await box.run(["--registry", REGISTRY, "--npmrc", file, "--force"], { env });
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toContain(":_authToken=");
  });

  it("git not installed and no .git above: the user .npmrc is written as before", async () => {
    const box = sandbox();
    const result = await box.run(["--registry", REGISTRY], { env: { PATH: join(box.project, "no-bin") } });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toContain(":_authToken=");
  });

  it.skipIf(!hasGit || !isRoot)(
    "git answering 'dubious ownership' (the repository belongs to another uid): refused, naming git's answer (needs git, and root to chown)",
    async () => {
      const box = sandbox();
      gitInit(box.project, box.env);
      chownSync(join(box.project, ".git"), 4321, 4321);
      const file = join(box.project, ".npmrc");
      writeFileSync(file, "fund=false\n");
      const refused = await box.run(["--registry", REGISTRY, "--npmrc", file]);
      expect(refused.status).toBe(1);
      expect(stderrLines(refused.stderr).at(-1)).toMatch(
        /^error: `.*\.npmrc` may be tracked by git: git cannot tell \(detected dubious ownership in repository at .*\); so no token/,
      );
      expect(readFileSync(file, "utf8")).toBe("fund=false\n");
    },
  );
});
