// Real git repositories in temp dirs, driven with an isolated HOME so no global config or excludes
// of this machine change the answers.
import { execFileSync } from "node:child_process";
import { isolatedHome } from "../../support/tmp.js";

const home = isolatedHome();

/** The environment git (and the code under test) runs with in these tests. */
export const gitEnv: Record<string, string> = { ...home.env, GIT_CONFIG_NOSYSTEM: "1" };

export function git(dir: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args],
    { cwd: dir, env: gitEnv, encoding: "utf8" },
  );
}

export { hasGit } from "../../support/processes.js";
