// Flow 6: a GitHub Actions-shaped job: no keychain, CI=true, GITHUB_ACTIONS=true and a GITHUB_ENV
// file. Every token is masked (`::add-mask::` before it could appear anywhere), `auto` caches in 0600
// files (or nowhere, with CODEARTIFACT_KEYRING_CACHE=none), and the next step installs.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../support/tmp.js";
import { type E2eSetup, PACKAGES } from "./harness/index.js";
import { filesContaining } from "./harness/scan.js";
import { newUser, type User } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");

/** A CI runner's user: the job's environment and an empty GITHUB_ENV file outside the HOME. */
function runner(setup: E2eSetup, extra: Record<string, string> = {}): { user: User; githubEnv: string } {
  const githubEnv = join(makeTempDir("cak-runner-"), "github_env");
  writeFileSync(githubEnv, "");
  const user = newUser(setup, { CI: "true", GITHUB_ACTIONS: "true", GITHUB_ENV: githubEnv, ...extra });
  user.writeConfig();
  user.writeProject();
  return { user, githubEnv };
}

/** The lockfile a repository would have committed: made once with a token from outside the tool. */
async function commitLockfile(setup: E2eSetup, user: User): Promise<void> {
  const nerf = setup.registryUrl.replace(/^http:/, "");
  const lock = await user.client("npm", ["install", "--package-lock-only", "--no-audit", "--no-fund"], {
    env: { [`npm_config_${nerf}:_authToken`]: await setup.directToken() },
  });
  expect(lock.status, lock.stderr).toBe(0);
  forgetDownloads(user);
}

/** What the runner does with GITHUB_ENV between steps: `NAME<<DELIMITER` blocks become variables. */
function readGithubEnv(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const block = /^([A-Za-z_][A-Za-z0-9_]*)<<(.+)$/.exec(lines[i] ?? "");
    if (!block) continue;
    const [, name, delimiter] = block;
    const end = lines.indexOf(delimiter as string, i + 1);
    if (end < 0) throw new Error(`GITHUB_ENV: no closing ${delimiter}`);
    values[name as string] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return values;
}

/** The token appears in the output only in the `::add-mask::` line, and that line comes first. */
function expectMasked(output: { stdout: string; stderr: string }, token: string): void {
  const lines = output.stderr.split("\n");
  const first = lines.findIndex((line) => line.includes(token));
  expect(lines[first]).toBe(`::add-mask::${token}`);
  expect(lines.filter((line) => line.includes(token))).toHaveLength(1);
}

describe("a CI job (flow 6)", () => {
  it("`login --github-env`: masked, cached in 0600 files without a keychain, then npm ci and pnpm install succeed", async () => {
    const setup = e2e();
    const { user, githubEnv } = runner(setup);
    await commitLockfile(setup, user);
    const without = await user.client("npm", ["ci", "--no-audit", "--no-fund"]);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain("E401");
    forgetDownloads(user);

    const login = await user.cli(["--github-env"]);
    expect(login.status, login.stderr).toBe(0);
    const token = setup.issued.at(-1)?.token ?? "";
    expectMasked(login, token);
    expect(login.stdout).not.toContain(token);
    expect(login.stderr).toMatch(/caching tokens in \S+ \(files readable only by you\); no OS keychain/);
    expect(readGithubEnv(githubEnv)).toEqual({ CODEARTIFACT_AUTH_TOKEN: token });

    const status = await user.cli(["status", "--json"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).not.toContain(token);
    const cached = (JSON.parse(status.stdout) as { cachedTokens: { store: string; location: string }[] })
      .cachedTokens;
    expect(cached).toEqual([expect.objectContaining({ store: "file" })]);
    const cacheFiles = filesContaining([cached[0]?.location ?? ""], token);
    expect(cacheFiles).toHaveLength(1);
    for (const file of cacheFiles) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(filesContaining([user.home], token).sort()).toEqual(
      [join(user.home, ".npmrc"), ...cacheFiles].sort(),
    );

    // The next steps: a new process each, with what GITHUB_ENV exported.
    const next = readGithubEnv(githubEnv);
    const ci = await user.client("npm", ["ci", "--no-audit", "--no-fund"], { env: next });
    expect(ci.status, ci.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    expect(ci.stdout + ci.stderr).not.toContain(token);
    forgetDownloads(user);
    const pnpm = await user.client("pnpm12", ["install", "--config.minimum-release-age=0"], { env: next });
    expect(pnpm.status, pnpm.stdout + pnpm.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
  });

  it("`token --github-env` with CODEARTIFACT_KEYRING_CACHE=none: nothing on disk, `${CODEARTIFACT_AUTH_TOKEN}` in the project .npmrc", async () => {
    const setup = e2e();
    const { user, githubEnv } = runner(setup, { CODEARTIFACT_KEYRING_CACHE: "none" });
    const nerf = setup.registryUrl.replace(/^http:/, "");
    user.writeProject({ npmrc: [`${nerf}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}`] });
    await commitLockfile(setup, user);

    const step = await user.cli(["token", "--github-env"]);
    expect(step.status, step.stderr).toBe(0);
    const token = setup.issued.at(-1)?.token ?? "";
    expect(step.stdout).toBe(`${token}\n`);
    expectMasked(step, token);
    expect(readGithubEnv(githubEnv)).toEqual({ CODEARTIFACT_AUTH_TOKEN: token });
    expect(filesContaining([user.home, user.project], token)).toEqual([]);

    const ci = await user.client("npm", ["ci", "--no-audit", "--no-fund"], { env: readGithubEnv(githubEnv) });
    expect(ci.status, ci.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    expect(filesContaining([user.home, user.project], token)).toEqual([]);
    // With no cache, each call fetches.
    const again = await user.cli(["token"]);
    expect(again.status, again.stderr).toBe(0);
    expect(setup.aws.count("GetAuthorizationToken")).toBeGreaterThanOrEqual(2);
  });
});
