// `shell-init`: the functions evaluated in a real bash (and zsh where installed) in front of a stand-in
// npm, so what they run, in which order and with which exit code is observed, not assumed; fish and
// PowerShell for their exact text (and fish's syntax where fish is installed).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { TEST_CREDENTIALS } from "../support/aws/index.js";
import { BIN, run, stderrLines } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";
import { REGISTRY, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

/** A PATH with `codeartifact-login` (the built bin) and a stand-in for each wrapped command. */
const path = (() => {
  const dir = makeTempDir("cak-shell-");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "codeartifact-login"));
  for (const name of ["npm", "pnpm", "yarn", "bun", "npx"]) {
    const stub = join(bin, name);
    // Says what it got and whether the token was already in ~/.npmrc when it started; exits 3.
    writeFileSync(
      stub,
      `#!/bin/sh\necho "${name}-stub:$*"\nif grep -q _authToken "$HOME/.npmrc" 2>/dev/null; then echo token:yes; else echo token:no; fi\nexit 3\n`,
    );
    chmodSync(stub, 0o755);
  }
  return `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`;
})();

const SCRIPT = 'eval "$(codeartifact-login shell-init SHELL)"; npm view left-pad --json; echo "rc=$?"';

function hasShell(name: string): boolean {
  return spawnSync(name, ["-c", "exit 0"]).status === 0;
}

describe.each(["bash", "zsh"] as const)("shell-init %s, sourced in the real shell", (shell) => {
  it.skipIf(!hasShell(shell))(
    `${shell}: npm runs after a quiet login, with its arguments and exit code (skipped where ${shell} is not installed)`,
    async () => {
      const box = sandbox();
      box.projectNpmrc(`@corp:registry=${REGISTRY}\n`);
      const result = await run(shell, ["-c", SCRIPT.replace("SHELL", shell)], {
        env: { ...box.env, PATH: path },
        cwd: box.project,
      });
      expect(stderrLines(result.stderr)).toEqual([]);
      expect(result.stdout).toBe("npm-stub:view left-pad --json\ntoken:yes\nrc=3\n");
      expect(aws().count("GetAuthorizationToken")).toBe(1);
    },
  );

  it.skipIf(!hasShell(shell))(
    `${shell}: outside a CodeArtifact project nothing is printed; a failed login says so and the command still runs`,
    async () => {
      const box = sandbox();
      const outside = await run(shell, ["-c", SCRIPT.replace("SHELL", shell)], {
        env: { ...box.env, PATH: path },
        cwd: box.project,
      });
      expect(stderrLines(outside.stderr)).toEqual([]);
      expect(outside.stdout).toBe("npm-stub:view left-pad --json\ntoken:no\nrc=3\n");

      box.projectNpmrc(`registry=${REGISTRY}\n`);
      aws().codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId);
      const denied = await run(
        shell,
        ["-c", SCRIPT.replace("SHELL", shell).replace("npm view", "pnpm view")],
        {
          env: { ...box.env, PATH: path },
          cwd: box.project,
        },
      );
      expect(stderrLines(denied.stderr)).toEqual([
        expect.stringMatching(/^error: npm-store \(corp, us-east-1\): access denied/),
      ]);
      expect(denied.stdout).toBe("pnpm-stub:view left-pad --json\ntoken:no\nrc=3\n");
    },
  );
});

describe("shell-init for fish and PowerShell", () => {
  it("fish: functions that wrap each command", async () => {
    const box = sandbox();
    const result = await box.run(["shell-init", "fish"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        "# codeartifact-keyring: a quiet `codeartifact-login` before each package manager command.",
        "# Add to ~/.config/fish/config.fish: codeartifact-login shell-init fish | source",
        "function __codeartifact_login",
        "    command codeartifact-login --quiet --optional",
        "end",
        ...["npm", "pnpm", "yarn", "bun", "npx"].flatMap((name) => [
          `function ${name} --wraps ${name}`,
          "    __codeartifact_login",
          `    command ${name} $argv`,
          "end",
        ]),
        "",
      ].join("\n"),
    );
  });

  it.skipIf(spawnSync("fish", ["--version"]).status !== 0)(
    "fish: `fish --no-execute` accepts it (skipped where fish is not installed)",
    async () => {
      const box = sandbox();
      const file = join(makeTempDir("cak-fish-"), "init.fish");
      writeFileSync(file, (await box.run(["shell-init", "fish"])).stdout);
      const check = spawnSync("fish", ["--no-execute", file], { encoding: "utf8" });
      expect(check.status, check.stderr).toBe(0);
    },
  );

  it("PowerShell: global functions calling the real command by its application path", async () => {
    const box = sandbox();
    const result = await box.run(["shell-init", "pwsh"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        "# codeartifact-keyring: a quiet `codeartifact-login` before each package manager command.",
        "# Add to $PROFILE: codeartifact-login shell-init powershell | Out-String | Invoke-Expression",
        "function global:Invoke-CodeArtifactLogin { & codeartifact-login --quiet --optional }",
        ...["npm", "pnpm", "yarn", "bun", "npx"].map(
          (name) =>
            `function global:${name} { Invoke-CodeArtifactLogin; & (Get-Command ${name} -CommandType Application, ExternalScript | Select-Object -First 1) @args }`,
        ),
        "",
      ].join("\r\n"),
    );
  });

  it("an unknown shell is a usage error; the default comes from $SHELL", async () => {
    const box = sandbox();
    const bad = await box.run(["shell-init", "tcsh"]);
    expect(bad.status).toBe(2);
    expect(stderrLines(bad.stderr)).toEqual([
      "error: shell-init knows bash, zsh, fish, powershell, not `tcsh` (run with --help for usage)",
    ]);
    const zsh = await box.run(["shell-init"], { env: { SHELL: "/usr/bin/zsh" } });
    expect(zsh.stdout).toContain('eval "$(codeartifact-login shell-init zsh)"');
  });
});
