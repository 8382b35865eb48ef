// The examples are documentation that runs: configs read by the real loader (all three formats to the
// same model), YAML and JSON that parse, and the API example run against the loopback endpoint.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readKeyringConfig } from "../src/codeartifact/config.js";
import { selectSettings } from "../src/codeartifact/select.js";
import { startFakeAws } from "./support/aws/index.js";
import { ROOT, run } from "./support/run.js";
import { isolatedHome } from "./support/tmp.js";

const example = (...parts: string[]) => join(ROOT, "examples", ...parts);

describe("examples", () => {
  it("config.ini, config.toml and config.yaml read to the same model", async () => {
    const strip = (config: Awaited<ReturnType<typeof readKeyringConfig>>) => ({
      defaults: config.defaults?.entries.map(({ key, value }) => [key, value]),
      sections: config.sections.map((s) => ({
        qualifiers: s.qualifiers,
        registryUrl: s.registryUrl,
        entries: s.entries.map(({ key, value }) => [key, value]),
      })),
    });
    const ini = await readKeyringConfig({ path: example("config", "config.ini") });
    const toml = await readKeyringConfig({ path: example("config", "config.toml") });
    const yaml = await readKeyringConfig({ path: example("config", "config.yaml") });
    expect(strip(toml)).toEqual(strip(ini));
    expect(strip(yaml)).toEqual(strip(ini));
    expect(ini.sections).toHaveLength(5);
    // The release repository gets its own credential group (profile and role), and the defaults.
    const release = selectSettings(ini, {
      domain: "corp",
      account: "111122223333",
      region: "us-east-1",
      name: "npm-release",
    });
    expect(Object.fromEntries(Object.entries(release.settings).map(([k, v]) => [k, v.value]))).toEqual({
      token_duration: "28800",
      refresh_margin: "900",
      profile_name: "dev",
      role_arn: "arn:aws:iam::111122223333:role/codeartifact-release-read",
      role_session_name: "laptop",
    });
    expect(release.warnings).toEqual([]);
  });

  it.each([
    ["github-actions", "build.yml"],
    ["gitlab-ci", ".gitlab-ci.yml"],
    ["codebuild", "buildspec.yml"],
  ])("%s/%s is valid YAML that runs codeartifact-keyring before installing", (dir, file) => {
    const text = readFileSync(example(dir, file), "utf8");
    expect(() => parseYaml(text)).not.toThrow();
    expect(text).toMatch(/npx --yes --registry=https:\/\/registry\.npmjs\.org\/ codeartifact-keyring/);
    expect(text.indexOf("codeartifact-keyring")).toBeLessThan(text.indexOf("npm ci"));
  });

  it("the scripts example is valid JSON and the Dockerfile mounts the token as a secret", () => {
    const pkg = JSON.parse(readFileSync(example("scripts", "package.json"), "utf8"));
    expect(Object.keys(pkg.scripts)).toEqual(["login", "preinstall", "ci:install", "whoami:codeartifact"]);
    const dockerfile = readFileSync(example("docker", "Dockerfile"), "utf8");
    expect(dockerfile).toContain("RUN --mount=type=secret,id=codeartifact");
    expect(dockerfile).not.toMatch(/^(ENV|ARG) .*TOKEN/m);
  });

  it("the API example runs and never prints the token", async () => {
    const aws = await startFakeAws();
    try {
      const home = isolatedHome();
      const result = await run(process.execPath, ["--import", "tsx", example("api", "get-token.ts")], {
        env: { ...home.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE: "file" },
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain("[redacted] aws");
      expect(result.stdout).toMatch(/corp until \d{4}-/);
      const token = aws.codeartifact.issued[0]?.token as string;
      expect(result.stdout + result.stderr).not.toContain(token);
    } finally {
      await aws.close();
    }
  });
});
