// A token that will not work is an error, never a ✔: expired or expiring preset tokens, `--min-valid`,
// `status`'s verdict and exit code, and a nested `codeartifact-login` under `exec` that writes nothing.
// All through the built CLI against the loopback endpoint.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDuration, formatRelative, parseDurationSeconds } from "../../src/configstore/time-text.js";
import { BIN, stderrLines } from "../support/run.js";
import { NERF, REGISTRY, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

/** A token shaped like CodeArtifact's: a JWE header stating when it was issued and when it expires. */
function tokenExpiring(expiresInSeconds: number, lifetimeSeconds = 43_200): string {
  const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
  const header = Buffer.from(JSON.stringify({ ver: 1, isu: exp - lifetimeSeconds, exp })).toString(
    "base64url",
  );
  return `${header}.PRESET-${"y".repeat(40)}`;
}

function noLeak(result: { stdout: string; stderr: string }, token: string) {
  expect(result.stdout).not.toContain(token);
  expect(result.stderr).not.toContain(token);
}

describe("time text", () => {
  it("reads naturally: minutes, hours, days", () => {
    expect(formatDuration(20_000)).toBe("less than a minute");
    expect(formatDuration(45 * 60_000)).toBe("45 min");
    expect(formatDuration((11 * 60 + 59) * 60_000)).toBe("11 h 59 min");
    expect(formatDuration(-54 * 3_600_000)).toBe("2 days 6 h");
    expect(formatDuration(54_532 * 3_600_000)).toBe("2272 days");
    expect(formatRelative(new Date(0), new Date(2 * 86_400_000))).toBe("2 days ago");
    expect(formatRelative(new Date(3_600_000), new Date(0))).toBe("in 1 h");
    expect(parseDurationSeconds("1h30m")).toBe(5400);
    expect(parseDurationSeconds("3600")).toBe(3600);
    expect(parseDurationSeconds("soon")).toBeUndefined();
  });
});

describe("a preset token that will not work is an error", () => {
  it("an expired CODEARTIFACT_AUTH_TOKEN: names the variable, says how long ago, gives the fix, writes nothing", async () => {
    const box = sandbox();
    const token = tokenExpiring(-2 * 86_400);
    const result = await box.run(["login", "--registry", REGISTRY], {
      env: { CODEARTIFACT_AUTH_TOKEN: token },
    });
    expect(result.status).toBe(1);
    const lines = stderrLines(result.stderr);
    expect(lines.at(-1)).toMatch(
      /^error: npm-store \(corp, us-east-1\): `CODEARTIFACT_AUTH_TOKEN` expired 2 days ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\): unset it .*, or refresh it/,
    );
    expect(lines.some((l) => l.includes("✔"))).toBe(false);
    expect(existsSync(box.path(".npmrc"))).toBe(false);
    expect(aws().count("GetAuthorizationToken")).toBe(0);
    noLeak(result, token);
  });

  it("a CODEARTIFACT_AUTH_TOKEN inside the refresh margin is refused too, and `token` prints nothing", async () => {
    const box = sandbox();
    const token = tokenExpiring(10 * 60);
    const result = await box.run(["token", "--registry", REGISTRY], {
      env: { CODEARTIFACT_AUTH_TOKEN: token },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(stderrLines(result.stderr).at(-1)).toMatch(
      /^error: `CODEARTIFACT_AUTH_TOKEN` expires in 10 min \(.* UTC\), within the refresh margin of 15 min: unset it/,
    );
  });

  it("an expired `auth_token` names the config file and line", async () => {
    const box = sandbox();
    const token = tokenExpiring(-3 * 3600);
    const config = box.config(`[codeartifact]\ncache = file\nauth_token = ${token}\n`);
    const result = await box.run(["--registry", REGISTRY]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toContain(
      `\`auth_token\` in ${config}:3 [codeartifact] expired 3 h ago (`,
    );
    expect(existsSync(box.path(".npmrc"))).toBe(false);
    noLeak(result, token);
  });

  it("a fresh CODEARTIFACT_AUTH_TOKEN still works (and --min-valid refuses it when it ends sooner)", async () => {
    const box = sandbox();
    const token = tokenExpiring(3600);
    const ok = await box.run(["token", "--registry", REGISTRY], { env: { CODEARTIFACT_AUTH_TOKEN: token } });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${token}\n`);
    const short = await box.run(["token", "--registry", REGISTRY, "--min-valid", "2h"], {
      env: { CODEARTIFACT_AUTH_TOKEN: token },
    });
    expect(short.status).toBe(1);
    expect(short.stdout).toBe("");
    expect(stderrLines(short.stderr).at(-1)).toMatch(
      /^error: `CODEARTIFACT_AUTH_TOKEN` expires in (59 min|1 h) \(.*\), sooner than --min-valid 2 h: unset it/,
    );
  });
});

describe("--min-valid and min_valid", () => {
  it("refreshes a cached token that would not stay valid that long", async () => {
    const box = sandbox();
    const first = await box.run(["--registry", REGISTRY, "--duration", "3600"]);
    expect(first.status, first.stderr).toBe(0);
    const again = await box.run(["--registry", REGISTRY]);
    expect(stderrLines(again.stderr).at(-1)).toMatch(/: cached token valid until .* \((59 min|1 h)\)/);
    const longer = await box.run(["--registry", REGISTRY, "--min-valid", "2h"]);
    expect(longer.status, longer.stderr).toBe(0);
    expect(stderrLines(longer.stderr).at(-1)).toMatch(/: new token valid until .* \((11 h 59 min|12 h)\)/);
    expect(aws().count("GetAuthorizationToken")).toBe(2);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(
      `${NERF}:_authToken=${aws().codeartifact.issued[1]?.token}\n`,
    );
  });

  it("fails when even a new token would not last (token_duration = 0 under a one-hour role session)", async () => {
    const box = sandbox();
    const result = await box.run(["--registry", REGISTRY, "--duration", "0", "--min-valid", "2h"]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toMatch(
      /: a new token for corp is valid for only (59 min|1 h) \(token_duration = 0 ends it with the role session\), less than --min-valid 2 h: lower --min-valid, or raise `token_duration`/,
    );
    expect(existsSync(box.path(".npmrc"))).toBe(false);
  });

  it("`min_valid` in the config does the same for `exec`, naming the file and line", async () => {
    const box = sandbox();
    const config = box.config("[codeartifact]\ncache = file\ntoken_duration = 0\nmin_valid = 90m\n");
    const result = await box.run(["exec", "--registry", REGISTRY, "--", process.execPath, "-e", "0"]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toContain(`less than min_valid = 1 h 30 min (${config}:4)`);
  });

  it("a duration that is not one is a usage error naming the flag", async () => {
    const box = sandbox();
    const result = await box.run(["token", "--registry", REGISTRY, "--min-valid", "soon"]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toMatch(
      /^error: --min-valid: `soon` is not valid: use a duration such as 30m/,
    );
  });
});

describe("status: a verdict per registry and an exit code", () => {
  const statusJson = async (box: ReturnType<typeof sandbox>) => {
    const result = await box.run(["status", "--json", "--registry", REGISTRY]);
    return { result, report: JSON.parse(result.stdout) };
  };

  it("exits 1 with no credentials, 0 after login, 1 again once the line has expired", async () => {
    const box = sandbox();
    const none = await statusJson(box);
    expect(none.result.status).toBe(1);
    expect(none.report.ok).toBe(false);
    expect(none.report.registries[0].ok).toBe(false);
    expect(none.report.registries[0].problems).toEqual([
      `no credentials for ${NERF}: run \`codeartifact-login\` (or \`codeartifact-login setup pnpm\`)`,
    ]);

    expect((await box.run(["--registry", REGISTRY])).status).toBe(0);
    const good = await statusJson(box);
    expect(good.result.status).toBe(0);
    expect(good.report.registries[0]).toMatchObject({ ok: true, problems: [] });
    const text = await box.run(["status", "--registry", REGISTRY]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("  verdict:     ✔ usable\n");

    const dead = tokenExpiring(-2 * 86_400);
    writeFileSync(box.path(".npmrc"), `${NERF}:_authToken=${dead}\n`);
    const expired = await box.run(["status", "--registry", REGISTRY]);
    expect(expired.status).toBe(1);
    expect(expired.stdout).toContain("  verdict:     ✖ no valid credentials\n");
    expect(expired.stdout).toMatch(
      / {2}problem: {5}~\/\.npmrc:1: the token for \/\/corp-.* expired 2 days ago \(.* UTC\): run `codeartifact-login`\n/,
    );
    noLeak(expired, dead);
    // diagnose flags the same line the same way.
    const diagnose = await box.run(["diagnose", "--registry", REGISTRY]);
    expect(diagnose.stdout).toMatch(/trap: .*\.npmrc:1: the token for .* expired 2 days ago/);
  });

  it("exits 1 for a pnpm token helper that is missing, or that runs a program from a cleaned npx cache", async () => {
    const box = sandbox();
    const helper = box.path("helper.sh");
    writeFileSync(box.path(".npmrc"), `${NERF}:tokenHelper=${helper}\n`);
    const missing = await statusJson(box);
    expect(missing.result.status).toBe(1);
    expect(missing.report.registries[0].problems).toEqual([
      `${box.path(".npmrc")}:1: the pnpm token helper ${helper} is missing: run \`codeartifact-login setup pnpm\``,
    ]);

    const gone = box.path(
      ".npm",
      "_npx",
      "0123abcd",
      "node_modules",
      "codeartifact-keyring",
      "dist",
      "cli.js",
    );
    writeFileSync(
      helper,
      `#!/bin/sh\nscript='${gone}'\nnode='${process.execPath}'\nexec "$node" "$script"\n`,
      {
        mode: 0o700,
      },
    );
    const vanished = await statusJson(box);
    expect(vanished.result.status).toBe(1);
    expect(vanished.report.registries[0].problems[0]).toBe(
      `${box.path(".npmrc")}:1: the pnpm token helper ${helper} runs ${gone}, which is gone (npx's cache was cleaned): run \`codeartifact-login setup pnpm\``,
    );

    mkdirSync(join(gone, ".."), { recursive: true });
    writeFileSync(gone, "");
    expect((await statusJson(box)).result.status).toBe(0);
  });
});

describe("a nested codeartifact-login writes nothing to disk", () => {
  it("under `exec`: the child's environment is marked, and login inside it only checks", async () => {
    const box = sandbox();
    const result = await box.run([
      "exec",
      "--registry",
      REGISTRY,
      "--",
      process.execPath,
      BIN,
      "--registry",
      REGISTRY,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(stderrLines(result.stderr).at(-1)).toMatch(
      /^✔ npm-store \(corp, us-east-1\): from env token .*; nothing written \(under `codeartifact-login exec`\)$/,
    );
    expect(existsSync(box.path(".npmrc"))).toBe(false);
  });

  it("in a lifecycle hook with CODEARTIFACT_AUTH_TOKEN set (outside a hook, login still writes)", async () => {
    const box = sandbox();
    const token = tokenExpiring(6 * 3600);
    const hook = await box.run(["--registry", REGISTRY], {
      env: { CODEARTIFACT_AUTH_TOKEN: token, npm_lifecycle_event: "preinstall" },
    });
    expect(hook.status, hook.stderr).toBe(0);
    expect(stderrLines(hook.stderr).at(-1)).toContain(
      "nothing written (in the `preinstall` script with CODEARTIFACT_AUTH_TOKEN set)",
    );
    expect(existsSync(box.path(".npmrc"))).toBe(false);
    noLeak(hook, token);

    const direct = await box.run(["--registry", REGISTRY], { env: { CODEARTIFACT_AUTH_TOKEN: token } });
    expect(direct.status, direct.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(`${NERF}:_authToken=${token}\n`);
  });
});

describe("logout takes back what login added", () => {
  it("the registry lines of --scope/--default-registry, and a ~/.npmrc it created that is now empty", async () => {
    const box = sandbox();
    const login = await box.run(["--registry", REGISTRY, "--scope", "@corp", "--default-registry"]);
    expect(login.status, login.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toMatch(
      new RegExp(`^${NERF}:_authToken=.*\\n@corp:registry=${REGISTRY}\\nregistry=${REGISTRY}\\n$`),
    );
    const logout = await box.run(["logout", "--all"]);
    expect(logout.status, logout.stderr).toBe(0);
    expect(stderrLines(logout.stderr).at(-1)).toContain(
      "~/.npmrc removed (it was created by login and is now empty)",
    );
    expect(existsSync(box.path(".npmrc"))).toBe(false);
  });

  it("never a line the user wrote: an existing registry= line, other settings and bytes stay", async () => {
    const box = sandbox();
    const mine = `# mine\r\nregistry=${REGISTRY}\r\nfund=false\r\n`;
    writeFileSync(box.path(".npmrc"), mine, { mode: 0o600 });
    const login = await box.run(["--registry", REGISTRY, "--scope", "@corp", "--default-registry"]);
    expect(login.status, login.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toContain(`@corp:registry=${REGISTRY}\r\n`);
    const logout = await box.run(["logout", "--registry", REGISTRY, "--json"]);
    expect(logout.status, logout.stderr).toBe(0);
    expect(JSON.parse(logout.stdout).npmrc).toMatchObject({ changed: true, removed: false });
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(mine);
  });

  it("keeps a scope line the user changed since (it is theirs now), and a created file that is not empty", async () => {
    const box = sandbox();
    await box.run(["--registry", REGISTRY, "--scope", "@corp"]);
    const text = readFileSync(box.path(".npmrc"), "utf8").replace(
      `@corp:registry=${REGISTRY}`,
      "@corp:registry=https://npm.example.com/",
    );
    writeFileSync(box.path(".npmrc"), `${text}save-exact=true\n`);
    expect((await box.run(["logout", "--all"])).status).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(
      "@corp:registry=https://npm.example.com/\nsave-exact=true\n",
    );
  });
});
