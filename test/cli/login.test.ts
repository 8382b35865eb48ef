// `codeartifact-login [login]`, run as users run it: the built bin, a real HOME-like sandbox, real
// files, the loopback endpoint with SigV4 checked.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stderrLines } from "../support/run.js";
import { NERF, REGISTRY, REGISTRY_2, REGISTRY_OTHER_DOMAIN, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

describe("login", () => {
  it("discovers the project's registry, writes the token to the user .npmrc (0600) and says so in one line", async () => {
    const box = sandbox();
    box.projectNpmrc(`# team settings\n@corp:registry=${REGISTRY}\n`);
    const result = await box.run([]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    const lines = stderrLines(result.stderr);
    expect(lines.at(-1)).toMatch(
      /^✔ npm-store \(corp, us-east-1\): new token valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(12 h\); ~\/\.npmrc updated$/,
    );
    const npmrc = readFileSync(box.path(".npmrc"), "utf8");
    expect(npmrc).toBe(`${NERF}:_authToken=${aws().codeartifact.issued[0]?.token}\n`);
    expect(statSync(box.path(".npmrc")).mode & 0o777).toBe(0o600);
    // The project's own .npmrc is never touched.
    expect(readFileSync(join(box.project, ".npmrc"), "utf8")).toBe(
      `# team settings\n@corp:registry=${REGISTRY}\n`,
    );
  });

  it("still finds the project's registry under `npx --registry=https://registry.npmjs.org/` (npx passes it down)", async () => {
    const box = sandbox();
    box.projectNpmrc(`registry=${REGISTRY}\n`);
    const result = await box.run([], { env: { npm_config_registry: "https://registry.npmjs.org/" } });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toContain(`${NERF}:_authToken=`);
  });

  it("serves the second run from the cache and leaves the file alone", async () => {
    const box = sandbox();
    box.projectNpmrc(`registry=${REGISTRY}\n`);
    await box.run([]);
    const before = statSync(box.path(".npmrc")).mtimeMs;
    const again = await box.run(["login"]);
    expect(again.status).toBe(0);
    expect(stderrLines(again.stderr).at(-1)).toMatch(/: cached token valid until .*; ~\/\.npmrc unchanged$/);
    expect(statSync(box.path(".npmrc")).mtimeMs).toBe(before);
    expect(aws().count("GetAuthorizationToken")).toBe(1);
  });

  it("fetches once per domain for many registries, keeping every other line of the file", async () => {
    const box = sandbox();
    writeFileSync(box.path(".npmrc"), "# mine\r\nfund=false\r\n//other.example/:_authToken=keep-me");
    const result = await box.run([
      "--registry",
      REGISTRY,
      "--registry",
      REGISTRY_2,
      "--registry",
      REGISTRY_OTHER_DOMAIN,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(aws().count("GetAuthorizationToken")).toBe(2);
    const text = readFileSync(box.path(".npmrc"), "utf8");
    expect(text.startsWith("# mine\r\nfund=false\r\n//other.example/:_authToken=keep-me\r\n")).toBe(true);
    expect(text.match(/:_authToken=/g)).toHaveLength(4);
    expect(stderrLines(result.stderr).filter((l) => l.startsWith("✔"))).toHaveLength(3);
  });

  it("--dry-run shows the change with the token redacted and writes nothing", async () => {
    const box = sandbox();
    const result = await box.run(["--registry", REGISTRY, "--dry-run"]);
    expect(result.status, result.stderr).toBe(0);
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringMatching(/^caching tokens in .*\/tokens \(files readable only by you\); no OS keychain: /),
      "~/.npmrc would change:",
      `  + line 1: ${NERF}:_authToken=[redacted]`,
      expect.stringMatching(
        /^✔ npm-store \(corp, us-east-1\): new token valid until .*; ~\/\.npmrc would change$/,
      ),
    ]);
    expect(() => statSync(box.path(".npmrc"))).toThrow(/ENOENT/);
  });

  it("--npmrc, --scope and --default-registry write the mapping where asked", async () => {
    const box = sandbox();
    const file = join(box.project, "ci.npmrc");
    const result = await box.run([
      "--registry",
      REGISTRY,
      "--npmrc",
      file,
      "--scope",
      "@corp",
      "--default-registry",
    ]);
    expect(result.status, result.stderr).toBe(0);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((l) => l.replace(/=.*/, "="))).toEqual([
      `${NERF}:_authToken=`,
      "@corp:registry=",
      "registry=",
    ]);
    expect(lines.slice(1)).toEqual([`@corp:registry=${REGISTRY}`, `registry=${REGISTRY}`]);
  });

  it("--json describes each registry and file, without the token", async () => {
    const box = sandbox();
    const result = await box.run(["--registry", REGISTRY, "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toEqual({
      dryRun: false,
      registries: [
        {
          registryUrl: REGISTRY,
          domain: "corp",
          domainOwner: "111122223333",
          region: "us-east-1",
          repository: "npm-store",
          origin: "--registry",
          ok: true,
          source: "aws",
          expiresAt: expect.stringMatching(/^\d{4}-/),
          cached: false,
        },
      ],
      files: [
        {
          path: box.path(".npmrc"),
          changed: true,
          created: true,
          changes: [
            { action: "add", key: `${NERF}:_authToken`, line: 1, text: `${NERF}:_authToken=[redacted]` },
          ],
        },
      ],
    });
    expect(result.stdout).not.toContain(aws().codeartifact.issued[0]?.token);
  });

  it("refuses a git-tracked target unless forced, naming the file and the alternatives", async () => {
    const box = sandbox();
    const file = join(box.project, ".npmrc");
    writeFileSync(file, `registry=${REGISTRY}\n`);
    const git = (...args: string[]) =>
      spawnSync("git", ["-C", box.project, ...args], { env: box.env, encoding: "utf8" });
    git("init", "-q");
    git("add", ".npmrc");
    const refused = await box.run(["--npmrc", file]);
    expect(refused.status).toBe(1);
    expect(stderrLines(refused.stderr).at(-1)).toMatch(
      new RegExp(`^error: .*${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}.*git`),
    );
    expect(readFileSync(file, "utf8")).toBe(`registry=${REGISTRY}\n`);
    const forced = await box.run(["--npmrc", file, "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toContain(":_authToken=");
  });

  it("reports each failed registry in one line, still writes the others, and exits 1", async () => {
    const box = sandbox();
    aws().codeartifact.domains.add("corp/111122223333");
    const result = await box.run(["--registry", REGISTRY, "--registry", REGISTRY_OTHER_DOMAIN]);
    expect(result.status).toBe(1);
    const lines = stderrLines(result.stderr);
    expect(lines).toContainEqual(expect.stringMatching(/^✔ npm-store \(corp, us-east-1\): new token/));
    expect(lines).toContainEqual(
      "error: shared (tools, eu-west-1): domain `tools` owned by 444455556666 was not found in eu-west-1: check the registry URL (domain, owner and region) or the config's coordinates",
    );
    expect(readFileSync(box.path(".npmrc"), "utf8")).toContain(NERF);
  });

  it("with no registry anywhere says where it looked and what to do", async () => {
    const box = sandbox();
    const result = await box.run([]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      "error: no CodeArtifact registry found in the project's .npmrc or .yarnrc.yml: pass --registry URL, or add `registry=` / `@scope:registry=` to the project's .npmrc",
    ]);
  });

  it("a bad config names file:line; an unreachable endpoint names the host; access denied names the permissions", async () => {
    const box = sandbox();
    const config = box.config('[codeartifact]\ntimeout = 1\n[codeartifact name="npm-store" name="x"]\n');
    const bad = await box.run(["--registry", REGISTRY]);
    expect(bad.status).toBe(1);
    expect(stderrLines(bad.stderr)).toEqual([
      `error: ${config}:3: section [codeartifact name="npm-store" name="x"]: qualifier \`name\` is given twice`,
    ]);

    box.config("[codeartifact]\ntimeout = 1\nendpoint_url = http://127.0.0.1:9\n");
    const down = await box.run(["--registry", REGISTRY]);
    expect(down.status).toBe(1);
    expect(stderrLines(down.stderr).at(-1)).toMatch(
      /^error: npm-store \(corp, us-east-1\): cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\)/,
    );

    box.config("[codeartifact]\n");
    aws().codeartifact.denied.add("AKIAIOSFODNN7EXAMPLE");
    const denied = await box.run(["--registry", REGISTRY]);
    expect(denied.status).toBe(1);
    expect(stderrLines(denied.stderr).at(-1)).toBe(
      "error: npm-store (corp, us-east-1): access denied for default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE) on domain corp (111122223333, us-east-1): the identity needs `codeartifact:GetAuthorizationToken` on the domain and `sts:GetServiceBearerToken`",
    );
    expect(denied.stderr).not.toMatch(/\n\s+at /);
  });

  it("--yarn also writes yarn berry's ~/.yarnrc.yml", async () => {
    const box = sandbox();
    writeFileSync(box.path(".yarnrc.yml"), "# my yarn settings\nenableTelemetry: false\n");
    const result = await box.run(["--registry", REGISTRY, "--yarn"]);
    expect(result.status, result.stderr).toBe(0);
    const yarnrc = readFileSync(box.path(".yarnrc.yml"), "utf8");
    expect(yarnrc).toContain("# my yarn settings");
    expect(yarnrc).toContain("enableTelemetry: false");
    expect(yarnrc).toContain("npmAuthToken:");
    expect(yarnrc).toContain("npmAlwaysAuth: true");
    expect(stderrLines(result.stderr).at(-1)).toMatch(/~\/\.npmrc updated, ~\/\.yarnrc\.yml updated$/);
  });

  it("in GitHub Actions, masks the token before anything else and can export it to later steps", async () => {
    const box = sandbox();
    const githubEnv = join(box.project, "github-env");
    writeFileSync(githubEnv, "");
    const result = await box.run(["--registry", REGISTRY, "--github-env"], {
      env: { GITHUB_ACTIONS: "true", CI: "true", GITHUB_ENV: githubEnv },
    });
    expect(result.status, result.stderr).toBe(0);
    const token = aws().codeartifact.issued[0]?.token as string;
    const lines = stderrLines(result.stderr);
    const maskAt = lines.indexOf(`::add-mask::${token}`);
    expect(maskAt).toBeGreaterThanOrEqual(0);
    // Masked before any other line could carry it; no other line carries it.
    expect(lines.filter((l, i) => i !== maskAt && l.includes(token))).toEqual([]);
    expect(readFileSync(githubEnv, "utf8")).toMatch(
      new RegExp(
        `^CODEARTIFACT_AUTH_TOKEN<<(ghadelimiter_[0-9a-f]+)\\n${token.replace(/[.]/g, "\\.")}\\n\\1\\n$`,
      ),
    );
  });
});
