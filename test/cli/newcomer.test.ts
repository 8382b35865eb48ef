// A newcomer's first hour with the CLI (issue 15), through the built bin: the rough edges they hit,
// each pinned down. Help and usage, a closed stdout, flag values, `token --json`, `exec` arguments,
// `secrets set` input.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BIN, stderrLines } from "../support/run.js";
import { REGISTRY, REGISTRY_OTHER_DOMAIN, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();
const HINT = "(run with --help for usage)";

/**
 * Runs the bin with a stdout whose reader has gone before the first write (what `| head -1` becomes
 * once head has its line): resolves to the bin's exit status and stderr.
 */
function withClosedStdout(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const cli = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    cli.stdout.destroy();
    let stderr = "";
    cli.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    cli.on("error", reject);
    cli.on("close", (status) => resolve({ status, stderr }));
  });
}

describe("help", () => {
  it("the top-level help says `login` is the default and shows examples", async () => {
    const result = await sandbox().run(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Without a command, `login` runs/);
    expect(result.stdout).toContain("Examples:\n  $ codeartifact-login ");
    expect(result.stdout).toContain("$ codeartifact-login exec -- npm ci");
  });

  it("usage lines read naturally: `setup pnpm [options]`, `secrets <action> [key]`", async () => {
    const box = sandbox();
    const top = (await box.run(["--help"])).stdout;
    expect(top).toMatch(/^ {2}setup pnpm \[options\] /m);
    expect(top).toMatch(/^ {2}secrets <action> \[key\] \[options\] /m);
    expect((await box.run(["setup", "--help"])).stdout).toMatch(
      /^Usage: codeartifact-login setup pnpm \[options\]$/m,
    );
    expect((await box.run(["secrets", "--help"])).stdout).toMatch(
      /^Usage: codeartifact-login secrets <action> \[key\] \[options\]$/m,
    );
    // No example tells a newcomer to run a package that is not published (or someone else's).
    expect((await box.run(["login", "--help"])).stdout).not.toContain("npx");
  });
});

describe("a closed stdout", () => {
  it.each([
    [["diagnose", "-r", REGISTRY], 0],
    [["login", "--help"], 0],
    [["--help"], 0],
    [["status", "--json"], 0],
    [["token", "-r", REGISTRY], 0],
  ])("`%j | head -1` ends quietly with the usual status (%i)", async (args, status) => {
    const box = sandbox();
    const result = await withClosedStdout(args, box.env, box.project);
    expect(result.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(result.status).toBe(status);
  });
});

describe("flag values", () => {
  it.each([["5"], ["abc"], ["12h"]])("`--duration %s` is a usage error with the hint", async (value) => {
    const box = sandbox();
    const result = await box.run(["login", "-r", REGISTRY, "--duration", value]);
    expect(result.status).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      `error: option '--duration <seconds>' argument '${value}' is invalid. use 0 (expire with the role session) or 900 to 43200 seconds ${HINT}`,
    ]);
    expect(aws().count("GetAuthorizationToken")).toBe(0);
  });

  it("`--duration 900` is taken", async () => {
    const result = await sandbox().run(["token", "-r", REGISTRY, "--duration", "900"]);
    expect(result.status, result.stderr).toBe(0);
    expect(aws().calls.at(-1)?.query).toMatchObject({ duration: "900" });
  });

  it("the explicit-coordinates error has the usage hint", async () => {
    const result = await sandbox().run(["login", "-r", "https://npm.corp.example/", "--domain", "corp"]);
    expect(result.status).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      `error: explicit coordinates need exactly one --registry and all of --domain, --domain-owner, --region and --repository ${HINT}`,
    ]);
  });
});

describe("token", () => {
  it("`token --json` prints the JSON document, as `--format json`", async () => {
    const box = sandbox();
    const result = await box.run(["token", "--json", "-r", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    const issued = aws().codeartifact.issued.at(-1)?.token;
    expect(JSON.parse(result.stdout)).toMatchObject({ token: issued, registryUrl: REGISTRY, source: "aws" });
  });

  it("`token --json --format raw` is a usage error, and prints no token", async () => {
    const result = await sandbox().run(["token", "--json", "--format", "raw", "-r", REGISTRY]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(stderrLines(result.stderr)).toEqual([
      `error: \`--json\` prints the JSON document (as \`--format json\`), not \`--format raw\`: drop one of them ${HINT}`,
    ]);
  });

  it("`token --registry A --registry B` in two domains names the flags", async () => {
    const result = await sandbox().run(["token", "-r", REGISTRY, "-r", REGISTRY_OTHER_DOMAIN]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(stderrLines(result.stderr)).toEqual([
      `error: the --registry flags name registries in 2 domains (${REGISTRY}, ${REGISTRY_OTHER_DOMAIN}), and \`token\` prints one token: pass one --registry ${HINT}`,
    ]);
  });
});

describe("exec: everything after the command's name is the command's", () => {
  it.each([
    [["exec", "-r", REGISTRY, "node", "--version"], `${process.version}\n`],
    [["exec", "-r", REGISTRY, "echo", "--registry", "X", "-q", "--json"], "--registry X -q --json\n"],
    [["exec", "-r", REGISTRY, "--", "node", "--version"], `${process.version}\n`],
  ])("%j", async (args, stdout) => {
    const result = await sandbox().run(args);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(stdout);
  });
});

describe("secrets set", () => {
  it("with empty stdin is an error and stores nothing", async () => {
    const box = sandbox();
    expect((await box.run(["secrets", "init"])).status).toBe(0);
    const result = await box.run(["secrets", "set", "API_KEY"], { input: "" });
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      "error: no value for API_KEY: stdin was empty, and an empty secret is almost always a mistake; pipe the value in (`printf %s VALUE | codeartifact-login secrets set API_KEY`); nothing was stored",
    ]);
    expect((await box.run(["secrets", "list", "--json"])).stdout).toContain('"keys": []');
  });

  it("with the value on the command line says values come from stdin", async () => {
    const box = sandbox();
    const result = await box.run(["secrets", "set", "API_KEY", "s3cr3t"]);
    expect(result.status).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      `error: values are read from stdin, never from the command line (shell history, \`ps\`): \`printf %s VALUE | codeartifact-login secrets set API_KEY\`, or run it without the value for a hidden prompt ${HINT}`,
    ]);
    expect(result.stderr).not.toContain("s3cr3t");
  });
});

describe("exec through a shell or a script runner", () => {
  it.each([
    [["sh", "-c", "true"], "a shell (`sh`)"],
    [["/bin/bash", "-c", "true"], "a shell (`bash`)"],
    [["npm", "run", "--silent", "env"], "`npm run`"],
  ])("%j gets a warning that /bin/sh drops the token variables", async (command, runner) => {
    const box = sandbox();
    box.projectNpmrc(`registry=${REGISTRY}\n`);
    const result = await box.run(["exec", ...command]);
    expect(stderrLines(result.stderr)).toContainEqual(
      `warning: ${runner} starts its commands through /bin/sh, and Debian's /bin/sh drops the \`npm_config_//…:_authToken\` variables exec passes: a package manager started there may get no token (E401). Run the package manager itself under exec (\`codeartifact-login exec -- npm ci\`), or run \`codeartifact-login\` first to write the token to ~/.npmrc`,
    );
  });

  it("a package manager run directly gets no warning", async () => {
    const result = await sandbox().run(["exec", "-r", REGISTRY, "--", "node", "-e", "0"]);
    expect(result.status, result.stderr).toBe(0);
    expect(stderrLines(result.stderr).filter((line) => line.startsWith("warning:"))).toEqual([]);
  });
});

describe("login --dry-run", () => {
  it("fetches what it needs but leaves the cache as it found it", async () => {
    const box = sandbox();
    const dry = await box.run(["login", "-r", REGISTRY, "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
    expect(existsSync(box.path(".npmrc"))).toBe(false);
    const status = await box.run(["status", "--json"]);
    expect(JSON.parse(status.stdout).cachedTokens).toEqual([]);
    // The real login fetches again: nothing was cached by the dry run.
    expect((await box.run(["login", "-r", REGISTRY])).status).toBe(0);
    expect(aws().count("GetAuthorizationToken")).toBe(2);
  });

  it("uses a fresh cached token without fetching", async () => {
    const box = sandbox();
    expect((await box.run(["token", "-r", REGISTRY])).status).toBe(0);
    const dry = await box.run(["login", "-r", REGISTRY, "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/: cached token valid until/);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
  });
});

describe("setup pnpm's closing line", () => {
  it("says a token is still on disk when ~/.npmrc holds one", async () => {
    const box = sandbox();
    expect((await box.run(["login", "-r", REGISTRY])).status).toBe(0);
    const setup = await box.run(["setup", "pnpm", "-r", REGISTRY]);
    expect(setup.status, setup.stderr).toBe(0);
    const last = stderrLines(setup.stderr).at(-1);
    // The helper line may go to pnpm's auth.ini (pnpm 11.13+ on PATH); the token stays in ~/.npmrc.
    expect(last).toContain(`still holds a token for ${REGISTRY}`);
    expect(last).not.toContain("no token on disk");
  });

  it("says no token on disk when there is none", async () => {
    const setup = await sandbox().run(["setup", "pnpm", "-r", REGISTRY]);
    expect(setup.status, setup.stderr).toBe(0);
    expect(stderrLines(setup.stderr).at(-1)).toContain("tokenHelper lines only, no token on disk.");
  });
});

describe("an http registry stays http", () => {
  // Loopback: plain http to any other host is refused before a token is fetched.
  const HTTP = "http://127.0.0.1:9/npm/private/";
  const mapped = (box: ReturnType<typeof sandbox>) => {
    box.config(
      `[codeartifact domain="corp" account="111122223333" region="us-east-1" name="npm-store"]\nregistry_url = ${HTTP}\n`,
    );
    box.projectNpmrc(`registry=${HTTP}\n`);
  };

  it("`logout --all` reports it as written, once", async () => {
    const box = sandbox();
    mapped(box);
    expect((await box.run(["login"])).status).toBe(0);
    const json = await box.run(["logout", "--all", "--json"]);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).registries).toEqual([HTTP]);
    expect((await box.run(["login"])).status).toBe(0);
    const text = await box.run(["logout", "--all"]);
    expect(stderrLines(text.stderr).at(-1)).toMatch(/^✔ logged out of 1 registry: /);
  });

  it("`setup pnpm --remove` reports it as written", async () => {
    const box = sandbox();
    mapped(box);
    expect((await box.run(["setup", "pnpm"])).status).toBe(0);
    const removed = await box.run(["setup", "pnpm", "--remove"]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(stderrLines(removed.stderr)).toContain(`✔ removed the pnpm token helper for ${HTTP}`);
    const json = await box.run(["setup", "pnpm", "--json"]);
    expect(json.status).toBe(0);
    const again = await box.run(["setup", "pnpm", "--remove", "--json"]);
    expect(JSON.parse(again.stdout).removed.map((h: { registryUrl: string }) => h.registryUrl)).toEqual([
      HTTP,
    ]);
  });
});

describe("no CodeArtifact registry found", () => {
  it("names the registry line it found, suggests `registry_url`, and still prints the config's warnings", async () => {
    const box = sandbox();
    const config = box.config("[codeartifact]\nprofle_name = dev\n");
    box.projectNpmrc("fund=false\nregistry=https://npm.corp.example/\n");
    const result = await box.run(["login"]);
    expect(result.status).toBe(1);
    const npmrc = `${box.project}/.npmrc`;
    expect(stderrLines(result.stderr)).toEqual([
      `warning: ${config}:2: unknown setting \`profle_name\` in [codeartifact]; did you mean \`profile_name\`?`,
      `error: no CodeArtifact registry found in ${npmrc}: \`${npmrc}\`:2 sets \`registry\` to \`https://npm.corp.example/\`, which is not a CodeArtifact URL: map it with \`registry_url = https://npm.corp.example/\` in a \`[codeartifact domain=… account=… region=… name=…]\` section of the config, or pass \`--registry https://npm.corp.example/\` with --domain, --domain-owner, --region and --repository`,
    ]);
  });
});

describe("status", () => {
  it("lists the CodeArtifact token lines `login --registry` wrote to ~/.npmrc", async () => {
    const box = sandbox();
    expect((await box.run(["login", "-r", REGISTRY])).status).toBe(0);
    const result = await box.run(["status"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("No CodeArtifact registry found");
    expect(result.stdout).toContain("npm-store (corp, 111122223333, us-east-1)");
    expect(result.stdout).toContain(`registry:    ${REGISTRY}  (from ~/.npmrc (token line))`);
    expect(result.stdout).toMatch(/credentials: ~\/\.npmrc:1 _authToken/);
    const json = JSON.parse((await box.run(["status", "--json"])).stdout);
    expect(json.registries.map((r: { registryUrl: string }) => r.registryUrl)).toEqual([REGISTRY]);
  });
});

describe("a slow AWS call", () => {
  const SLOW = "fetching a token for npm-store (corp)…";

  it("shows one line per registry on stderr after about a second", async () => {
    aws().inject("GetAuthorizationToken", { type: "delay", ms: 2500 });
    const result = await sandbox().run(["login", "-r", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.split("\n").filter((line) => line === SLOW)).toHaveLength(1);
    expect(result.stdout).toBe("");
  });

  it("says nothing under --quiet, nor for `token`'s stdout", async () => {
    aws().inject("GetAuthorizationToken", { type: "delay", ms: 2500 });
    const quiet = await sandbox().run(["login", "-r", REGISTRY, "--quiet"]);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain(SLOW);
    aws().inject("GetAuthorizationToken", { type: "delay", ms: 2500 });
    const token = await sandbox().run(["token", "-r", REGISTRY]);
    expect(token.stdout).toBe(`${aws().codeartifact.issued.at(-1)?.token}\n`);
    expect(token.stderr.split("\n")).toContain(SLOW);
  });
});

describe("--verbose", () => {
  it("shows each setting's source, and the stack of a typed error, with no SDK warning", async () => {
    const box = sandbox();
    const config = box.config("[codeartifact]\ntoken_duration = 3600\n");
    const ok = await box.run(["login", "-r", REGISTRY, "--verbose"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`npm-store (corp): token_duration = 3600 (from ${config}:2 [codeartifact])`);
    expect(ok.stderr).not.toContain("NodeVersionSupportWarning");
    const bad = await box.run(["login", "-r", "https://npm.corp.example/", "--verbose"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*\n[\s\S]*\n\s+at /);
  });
});
