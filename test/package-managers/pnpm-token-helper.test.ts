import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTarget, parseRegistryUrl, type RegistryTarget } from "../../src/codeartifact/registry-url.js";
import {
  ephemeralLocation,
  type HelperProgram,
  installPnpmTokenHelpers,
  removePnpmTokenHelpers,
} from "../../src/package-managers/pnpm-token-helper.js";
import { type RunResult, run } from "../support/run.js";
import { type IsolatedHome, isolatedHome } from "../support/tmp.js";
import { installArgs, runClient, writeProject } from "./support/clients.js";
import { git, gitEnv, hasGit } from "./support/git.js";
import { type LoopbackRegistry, loopbackTarget, startLoopbackRegistry } from "./support/registry.js";

const posix = process.platform !== "win32";
const TOKEN = "eyJ2ZXIiOjF9.aGVscGVy-_";
const CORP = parseRegistryUrl(
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
) as RegistryTarget;
const TOOLS = parseRegistryUrl(
  "https://tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/",
) as RegistryTarget;
const modeOf = (path: string) => statSync(path).mode & 0o777;

/**
 * A stand-in for the lead's program: `node stand-in.mjs <registryUrl>` prints `Bearer <token>` (no
 * newline) for registries listed in `tokens.json` next to it, else one line on stderr and exit 1.
 */
function standIn(dir: string, tokens: Record<string, string>): HelperProgram {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tokens.json"), JSON.stringify(tokens));
  const script = join(dir, "stand-in.mjs");
  writeFileSync(
    script,
    [
      'import { readFileSync } from "node:fs";',
      "const tokens = JSON.parse(readFileSync(new URL('./tokens.json', import.meta.url), 'utf8'));",
      "const token = tokens[process.argv[2]];",
      "if (!token) { process.stderr.write(`stand-in: no token for ${process.argv[2]}\\n`); process.exit(1); }",
      "process.stdout.write(`Bearer ${token}`);",
      "",
    ].join("\n"),
  );
  return { node: process.execPath, script };
}

function setup(): { home: IsolatedHome; program: HelperProgram; env: Record<string, string> } {
  const home = isolatedHome();
  const program = standIn(home.path("tool"), { [CORP.registryUrl]: TOKEN, [TOOLS.registryUrl]: `${TOKEN}2` });
  return { home, program, env: home.env };
}

/** Runs a helper as pnpm 9/10 do: the absolute path, no arguments. */
function runHelper(helperPath: string, env: Record<string, string>): Promise<RunResult> {
  return run(helperPath, [], { env, cwd: "/" });
}

/** Warnings other than the one about the stand-in living under the temp dir (every test's home does). */
const notTemp = (warnings: string[]) => warnings.filter((w) => !w.includes("lives in a temporary directory"));

describe.skipIf(!posix)("installPnpmTokenHelpers (POSIX sh helpers)", () => {
  it("writes one 0700 helper per registry in a 0700 dir and tokenHelper lines in the user .npmrc", async () => {
    const { home, program, env } = setup();
    writeFileSync(home.path(".npmrc"), "# mine\nfund=false\n");
    const result = await installPnpmTokenHelpers([CORP, TOOLS, CORP], { program, env, home: home.home });
    const dir = join(env.XDG_DATA_HOME as string, "codeartifact-keyring", "pnpm-helpers");
    expect(result.helpers.map((h) => h.registryUrl)).toEqual([CORP.registryUrl, TOOLS.registryUrl]);
    for (const helper of result.helpers) {
      expect(helper.helperPath.startsWith(`${dir}/token-`)).toBe(true);
      expect(modeOf(helper.helperPath)).toBe(0o700);
    }
    expect(modeOf(dir)).toBe(0o700);
    const npmrc = readFileSync(home.path(".npmrc"), "utf8");
    expect(npmrc).toBe(
      [
        "# mine",
        "fund=false",
        `//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/:tokenHelper=${result.helpers[0]?.helperPath}`,
        `//tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/:tokenHelper=${result.helpers[1]?.helperPath}`,
        "",
      ].join("\n"),
    );
    expect(modeOf(home.path(".npmrc"))).toBe(0o600);
    expect(notTemp(result.warnings)).toEqual([expect.stringContaining('Unknown user config "tokenHelper"')]);
    // Installing again changes nothing.
    const again = await installPnpmTokenHelpers([CORP, TOOLS], { program, env, home: home.home });
    expect(again.npmrc.changed).toBe(false);
    expect(notTemp(again.warnings)).toEqual([]);
  });

  it("the helper, run as pnpm runs it, prints exactly `Bearer <token>` and nothing else", async () => {
    const { home, program, env } = setup();
    const { helpers } = await installPnpmTokenHelpers([CORP, TOOLS], { program, env, home: home.home });
    const first = await runHelper(helpers[0]?.helperPath as string, env);
    expect([first.status, first.stdout, first.stderr]).toEqual([0, `Bearer ${TOKEN}`, ""]);
    const second = await runHelper(helpers[1]?.helperPath as string, env);
    expect(second.stdout).toBe(`Bearer ${TOKEN}2`);
  });

  it("passes the program's failure through: exit 1, nothing on stdout, one line on stderr", async () => {
    const { home, env } = setup();
    const program = standIn(home.path("empty-tool"), {});
    const { helpers } = await installPnpmTokenHelpers([CORP], { program, env, home: home.home });
    const result = await runHelper(helpers[0]?.helperPath as string, env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toEqual([`stand-in: no token for ${CORP.registryUrl}`]);
  });

  it("says how to reinstall when its program is gone (an npx cache cleaned up)", async () => {
    const { home, program, env } = setup();
    const { helpers } = await installPnpmTokenHelpers([CORP], { program, env, home: home.home });
    rmSync(program.script);
    const result = await runHelper(helpers[0]?.helperPath as string, env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(program.script);
    expect(lines[0]).toContain("`npm i -g codeartifact-keyring`");
    expect(lines[0]).toContain("`codeartifact-login setup pnpm`");
  });

  it("falls back to the node on PATH when the recorded one is gone", async () => {
    const { home, program, env } = setup();
    const { helpers } = await installPnpmTokenHelpers([CORP], {
      program: { ...program, node: home.path("old-node", "bin", "node") },
      env,
      home: home.home,
    });
    const result = await runHelper(helpers[0]?.helperPath as string, env);
    expect([result.status, result.stdout]).toEqual([0, `Bearer ${TOKEN}`]);
  });

  it("quotes program paths with spaces and quotes correctly", async () => {
    const { home, env } = setup();
    const program = standIn(home.path('it\'s a "dir" $HOME'), { [CORP.registryUrl]: TOKEN });
    const { helpers } = await installPnpmTokenHelpers([CORP], { program, env, home: home.home });
    const result = await runHelper(helpers[0]?.helperPath as string, env);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, `Bearer ${TOKEN}`, ""]);
  });

  it("warns when the program lives in npx's cache", async () => {
    const { home, env } = setup();
    const program = standIn(
      home.path(".npm", "_npx", "0123abcd", "node_modules", "codeartifact-keyring"),
      {},
    );
    const { warnings } = await installPnpmTokenHelpers([CORP], { program, env, home: home.home });
    expect(warnings[0]).toMatch(
      /lives in npx's cache .*`npm i -g codeartifact-keyring`.*`codeartifact-login setup pnpm`/,
    );
    expect(ephemeralLocation("/usr/lib/node_modules/codeartifact-keyring/dist/helper.js")).toBeUndefined();
  });

  it("refuses a helper dir pnpm would reject (UNSAFE_HELPER_PATH), naming the path and XDG_DATA_HOME", async () => {
    const { home, program, env } = setup();
    const spaced = { ...env, XDG_DATA_HOME: home.path("my data") };
    await expect(
      installPnpmTokenHelpers([CORP], { program, env: spaced, home: home.home }),
    ).rejects.toMatchObject({
      code: "UNSAFE_HELPER_PATH",
      message: expect.stringMatching(/my data.*whitespace.*`XDG_DATA_HOME`/),
    });
    expect(() => statSync(home.path(".npmrc"))).toThrow();
  });

  it("refuses to replace another program's tokenHelper unless forced; warns about a leftover token", async () => {
    const { home, program, env } = setup();
    const nerf = "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
    writeFileSync(
      home.path(".npmrc"),
      `${nerf}:tokenHelper=/usr/local/bin/other-helper\n${nerf}:_authToken=old\n`,
    );
    await expect(installPnpmTokenHelpers([CORP], { program, env, home: home.home })).rejects.toMatchObject({
      code: "TOKEN_HELPER_CONFLICT",
      message: expect.stringMatching(/\.npmrc`:1: .*other-helper.*--force/),
    });
    const forced = await installPnpmTokenHelpers([CORP], { program, env, home: home.home, force: true });
    expect(forced.warnings).toContainEqual(
      expect.stringMatching(/\.npmrc`:2 also holds a token .*npm keeps sending/),
    );
    expect(readFileSync(home.path(".npmrc"), "utf8")).toContain(
      `${nerf}:tokenHelper=${forced.helpers[0]?.helperPath}`,
    );
  });

  it("removes helpers: one registry, then all; another program's line stays, with a warning", async () => {
    const { home, program, env } = setup();
    const other = makeTarget({
      registryUrl: "https://proxy.example.com/npm/",
      domain: "corp",
      domainOwner: "111122223333",
      region: "us-east-1",
      repository: "npm-store",
    });
    writeFileSync(home.path(".npmrc"), "# keep\n//proxy.example.com/npm/:tokenHelper=/opt/foreign\n");
    const { helpers } = await installPnpmTokenHelpers([CORP, TOOLS], { program, env, home: home.home });
    const one = await removePnpmTokenHelpers([CORP.registryUrl, other.registryUrl], { env, home: home.home });
    expect(one.removed.map((r) => r.helperPath)).toEqual([helpers[0]?.helperPath]);
    expect(one.warnings).toEqual([expect.stringMatching(/\/opt\/foreign`, not ours/)]);
    expect(() => statSync(helpers[0]?.helperPath as string)).toThrow();
    expect(statSync(helpers[1]?.helperPath as string).isFile()).toBe(true);
    const all = await removePnpmTokenHelpers("all", { env, home: home.home });
    expect(all.removed.map((r) => r.helperPath)).toEqual([helpers[1]?.helperPath]);
    expect(() => statSync(helpers[1]?.helperPath as string)).toThrow();
    expect(readFileSync(home.path(".npmrc"), "utf8")).toBe(
      "# keep\n//proxy.example.com/npm/:tokenHelper=/opt/foreign\n",
    );
  });
});

describe.skipIf(!posix)("pnpm token helpers with real pnpm 10 and 12", () => {
  let registry: LoopbackRegistry;
  beforeAll(async () => {
    registry = await startLoopbackRegistry({ token: TOKEN });
  });
  afterAll(async () => {
    await registry?.close();
  });

  for (const client of ["pnpm10", "pnpm12"] as const) {
    it(`${client} installs through the helper; a failing helper fails the install`, async () => {
      const home = isolatedHome();
      const dir = home.path("project");
      mkdirSync(dir);
      writeProject(dir, registry.url);
      const target = loopbackTarget(registry.url);
      const toolDir = home.path("tool");
      const program = standIn(toolDir, {});
      // A stale token for the same nerf dart: pnpm must prefer the helper (npm keeps the token).
      writeFileSync(home.path(".npmrc"), `${registry.url.replace(/^http:/, "")}:_authToken=stale-token\n`);
      const installed = await installPnpmTokenHelpers([target], { program, env: home.env, home: home.home });
      expect(installed.warnings).toContainEqual(expect.stringContaining("also holds a token"));
      const failing = await runClient(client, installArgs(client), { cwd: dir, env: home.env });
      expect(failing.status, failing.stdout + failing.stderr).not.toBe(0);

      writeFileSync(join(toolDir, "tokens.json"), JSON.stringify({ [target.registryUrl]: TOKEN }));
      const start = registry.requests.length;
      const result = await runClient(client, installArgs(client), { cwd: dir, env: home.env });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      const packument = registry.requests.slice(start).find((r) => r.url.endsWith("/cak-demo"));
      expect(packument?.authorization).toBe(`Bearer ${TOKEN}`);
      expect(registry.requests.slice(start).some((r) => r.authorization?.includes("stale-token"))).toBe(
        false,
      );
    });
  }
});

describe.skipIf(!posix || !hasGit())("installPnpmTokenHelpers and git", () => {
  it("refuses a user .npmrc that git tracks before writing any helper; --force installs", async () => {
    const { home, program } = setup();
    const env = { ...gitEnv, XDG_DATA_HOME: home.path(".local", "share") };
    git(home.home, "init", "-q");
    writeFileSync(home.path(".npmrc"), "fund=false\n");
    git(home.home, "add", ".npmrc");
    const helperDir = join(env.XDG_DATA_HOME, "codeartifact-keyring", "pnpm-helpers");
    await expect(installPnpmTokenHelpers([CORP], { program, env, home: home.home })).rejects.toMatchObject({
      code: "GIT_TRACKED_TARGET",
    });
    expect(() => statSync(helperDir)).toThrow();
    const forced = await installPnpmTokenHelpers([CORP], { program, env, home: home.home, force: true });
    expect(statSync(forced.helpers[0]?.helperPath as string).isFile()).toBe(true);
  });
});
