// Rules of the command line that the robustness suites found broken, kept as regression tests: one
// line per error, and a run that fails prints no token and writes no file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import { diffSnapshots, makeWorld, messages, snapshot, URL } from "./support.js";

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());

/** Paths changed outside the token cache. */
const changedOutsideCache = (before: ReturnType<typeof snapshot>, home: string) =>
  diffSnapshots(before, snapshot(home)).filter((line) => !/\.cache\/codeartifact-keyring(\/|$)/.test(line));

describe("command-line rules", () => {
  it("`token --github-env` outside GitHub Actions fails before printing the token", async () => {
    // A script doing `T=$(codeartifact-login token --github-env) || exit 1` must not get a token from a failed run.
    const w = makeWorld(aws);
    const result = await w.cli(["token", "-r", URL, "--github-env"]);
    // The token itself stays out of the test's output.
    const stdout = result.stdout === "" ? "" : `(${result.stdout.length} bytes: the token)`;
    expect({ status: result.status, stdout, stderr: messages(result) }).toEqual({
      status: 1,
      stdout: "",
      stderr: [
        "error: --github-env needs the GITHUB_ENV file that GitHub Actions sets: run it inside a workflow step",
      ],
    });
  });

  it("`login --github-env` outside GitHub Actions fails before writing anything", async () => {
    const w = makeWorld(aws);
    const before = snapshot(w.home);
    const result = await w.cli(["login", "-r", URL, "--github-env"]);
    expect({ status: result.status, stderr: messages(result) }).toEqual({
      status: 1,
      stderr: [
        "error: --github-env needs the GITHUB_ENV file that GitHub Actions sets: run it inside a workflow step",
      ],
    });
    expect(changedOutsideCache(before, w.home)).toEqual([]);
  });

  it("`login --yarn` with a ~/.yarnrc.yml it cannot edit writes neither file", async () => {
    // Both files are checked (a dry run) before either is written.
    const w = makeWorld(aws);
    w.write(w.path(".yarnrc.yml"), "npmRegistries:\n  - not a mapping\n");
    const before = snapshot(w.home);
    const result = await w.cli(["login", "-r", URL, "--yarn"]);
    expect({ status: result.status, stderr: messages(result) }).toEqual({
      status: 1,
      stderr: [
        `error: \`${w.path(".yarnrc.yml")}\`:2: \`npmRegistries\` is not a mapping, so the file was not changed: make it \`npmRegistries: {}\` or remove it`,
      ],
    });
    expect(changedOutsideCache(before, w.home)).toEqual([]);
  });

  it("`token` and `exec` print config warnings: a typo'd setting never silently does nothing", async () => {
    // selectSettings' warnings (unknown keys, equal sections, a second config file) are printed by all.
    const w = makeWorld(aws);
    w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\nprofle_name = dev\n");
    const warning = `warning: ${w.path(".config/codeartifact-keyring/config.ini")}:2: unknown setting \`profle_name\` in [codeartifact]; did you mean \`profile_name\`?`;
    const token = await w.cli(["token", "-r", URL]);
    expect({ status: token.status, stderr: messages(token) }).toEqual({ status: 0, stderr: [warning] });
    const exec = await w.cli(["exec", "-r", URL, "--", "node", "-e", "0"]);
    expect({ status: exec.status, stderr: messages(exec) }).toEqual({ status: 0, stderr: [warning] });
  });

  it("a usage error is one line, with the usage hint on it", async () => {
    const w = makeWorld(aws);
    for (const args of [["login", "--bogus"], ["token", "--format", "xml"], ["exec"]]) {
      const result = await w.cli(args);
      expect(result.status).toBe(2);
      expect(messages(result)).toHaveLength(1);
      expect(messages(result)[0]).toMatch(/^error: .*run with --help for usage/);
    }
  });

  it("an unknown command is named as such, not as extra arguments to `login`", async () => {
    // login is the default command: without care commander says "too many arguments for 'login'".
    const w = makeWorld(aws);
    const result = await w.cli(["frobnicate"]);
    expect(result.status).toBe(2);
    expect(messages(result)[0]).toMatch(/^error: unknown command 'frobnicate'/);
    expect(messages(result)).toHaveLength(1);
  });

  it("`secrets set` before `secrets init` names the command to run", async () => {
    const w = makeWorld(aws);
    const result = await w.cli(["secrets", "set", "API_KEY"], { input: "value\n" });
    expect(result.status).toBe(1);
    expect(messages(result)).toHaveLength(1);
    expect(messages(result)[0]).toContain("`codeartifact-login secrets init`");
    expect(messages(result)[0]).not.toContain("initUserSecrets(");
  });

  it("`setup` with no subcommand is one error line naming `setup pnpm`", async () => {
    const w = makeWorld(aws);
    const result = await w.cli(["setup"]);
    expect(result.status).toBe(2);
    expect(messages(result)).toHaveLength(1);
    expect(messages(result)[0]).toMatch(/^error: .*setup pnpm/);
  });
});
