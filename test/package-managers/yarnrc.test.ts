import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../src/configstore/secret.js";
import { removeYarnAuthTokens, setYarnAuthTokens } from "../../src/package-managers/yarnrc.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";
import { runClient, writeProject, YARN_ENV } from "./support/clients.js";
import { git, gitEnv, hasGit } from "./support/git.js";
import { type LoopbackRegistry, startLoopbackRegistry } from "./support/registry.js";

const posix = process.platform !== "win32";
const CORP_URL = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
const CORP_KEY = "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
const TOKEN = "eyJ2ZXIiOjF9.eWFybg-_";

describe("setYarnAuthTokens / removeYarnAuthTokens", () => {
  it("creates ~/.yarnrc.yml (0600) with the registry's token and npmAlwaysAuth", async () => {
    const home = isolatedHome();
    const result = await setYarnAuthTokens(undefined, [{ registryUrl: CORP_URL, token: new Secret(TOKEN) }], {
      env: home.env,
      home: home.home,
    });
    const file = home.path(".yarnrc.yml");
    expect(result).toMatchObject({ file, changed: true, created: true });
    expect(readFileSync(file, "utf8")).toBe(
      `npmRegistries:\n  "${CORP_KEY}":\n    npmAuthToken: ${TOKEN}\n    npmAlwaysAuth: true\n`,
    );
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("keeps comments and other keys, updates in place, and writes nothing when nothing changes", async () => {
    const home = isolatedHome();
    const file = home.path(".yarnrc.yml");
    const original = [
      "# my yarn settings",
      "enableTelemetry: false # privacy",
      "",
      "npmRegistries:",
      "  # the corp registry",
      `  "${CORP_URL.replace(/\/$/, "")}":`,
      "    npmAuthToken: old-token",
      '  "//npm.example.com":',
      "    npmAuthToken: keep-me",
      "packageExtensions: {}",
      "",
    ].join("\n");
    writeFileSync(file, original);
    const result = await setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], {
      env: home.env,
    });
    expect(result.changes).toEqual([
      { action: "replace", key: `npmRegistries["${CORP_URL.replace(/\/$/, "")}"].npmAuthToken` },
      { action: "add", key: `npmRegistries["${CORP_URL.replace(/\/$/, "")}"].npmAlwaysAuth` },
    ]);
    expect(readFileSync(file, "utf8")).toBe(
      original.replace("npmAuthToken: old-token", `npmAuthToken: ${TOKEN}\n    npmAlwaysAuth: true`),
    );
    const ino = statSync(file).ino;
    const again = await setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], { env: home.env });
    expect(again.changed).toBe(false);
    expect(statSync(file).ino).toBe(ino);
  });

  it("removes what it wrote, leaving the rest", async () => {
    const home = isolatedHome();
    const file = home.path(".yarnrc.yml");
    writeFileSync(file, "# top\nenableTelemetry: false\n");
    await setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], { env: home.env });
    const removed = await removeYarnAuthTokens(file, [CORP_URL], { env: home.env });
    expect(removed.changes.map((c) => c.action)).toEqual(["remove", "remove"]);
    expect(readFileSync(file, "utf8")).toBe("# top\nenableTelemetry: false\n");
    expect((await removeYarnAuthTokens(file, [CORP_URL], { env: home.env })).changed).toBe(false);
  });

  it("honours YARN_RC_FILENAME for the default file, as yarn does", async () => {
    const home = isolatedHome();
    const env = { ...home.env, YARN_RC_FILENAME: ".yarnrc.work.yml" };
    const result = await setYarnAuthTokens(undefined, [{ registryUrl: CORP_URL, token: TOKEN }], {
      env,
      home: home.home,
    });
    expect(result.file).toBe(home.path(".yarnrc.work.yml"));
  });

  it("malformed YAML is an error naming file:line, and nothing is written", async () => {
    const home = isolatedHome();
    const file = home.path(".yarnrc.yml");
    const text = "npmRegistries:\n  foo: [unclosed\nother: 1\n";
    writeFileSync(file, text);
    await expect(
      setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], { env: home.env }),
    ).rejects.toMatchObject({
      code: "YARNRC_INVALID",
      message: expect.stringMatching(new RegExp(`^\`${file}\`:\\d+: is not valid YAML`)),
    });
    writeFileSync(file, "npmRegistries: just a string\n");
    await expect(
      setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], { env: home.env }),
    ).rejects.toMatchObject({
      code: "YARNRC_INVALID",
      message: expect.stringContaining("`npmRegistries` is not a mapping"),
    });
    expect(readFileSync(file, "utf8")).toBe("npmRegistries: just a string\n");
  });

  it.skipIf(!posix)("tightens a world-readable rc file", async () => {
    const home = isolatedHome();
    const file = home.path(".yarnrc.yml");
    writeFileSync(file, "enableTelemetry: false\n");
    chmodSync(file, 0o644);
    const notices: string[] = [];
    await setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], {
      env: home.env,
      onNotice: (n) => notices.push(n),
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(notices).toEqual([expect.stringContaining("0644")]);
  });

  it.skipIf(!hasGit())(
    "refuses a project .yarnrc.yml that git tracks (same check as the .npmrc)",
    async () => {
      const dir = makeTempDir("cak-repo-");
      git(dir, "init", "-q");
      const file = join(dir, ".yarnrc.yml");
      writeFileSync(file, "nodeLinker: node-modules\n");
      git(dir, "add", ".yarnrc.yml");
      await expect(
        setYarnAuthTokens(file, [{ registryUrl: CORP_URL, token: TOKEN }], { env: gitEnv }),
      ).rejects.toMatchObject({
        code: "GIT_TRACKED_TARGET",
      });
    },
  );
});

describe("yarn berry reads what was written (real yarn 4)", () => {
  let registry: LoopbackRegistry;
  beforeAll(async () => {
    registry = await startLoopbackRegistry({ token: TOKEN });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it("`yarn config get npmRegistries` sees the entry, and `yarn install` authenticates with it", async () => {
    const home = isolatedHome();
    const env = { ...home.env, ...YARN_ENV };
    await setYarnAuthTokens(undefined, [{ registryUrl: CORP_URL, token: TOKEN }], { env, home: home.home });
    const config = await runClient("yarn", ["config", "get", "npmRegistries", "--json"], {
      cwd: home.home,
      env,
    });
    expect(config.status, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout)).toEqual({
      [CORP_KEY.replace(/\/$/, "")]: { npmAlwaysAuth: true, npmAuthIdent: null, npmAuthToken: "********" },
    });

    const dir = home.path("project");
    mkdirSync(dir);
    writeProject(dir, registry.url, "cak-demo", "yarn");
    const before = await runClient("yarn", ["install"], { cwd: dir, env });
    expect(before.status, before.stdout).not.toBe(0);
    await setYarnAuthTokens(undefined, [{ registryUrl: registry.url, token: TOKEN }], {
      env,
      home: home.home,
    });
    const start = registry.requests.length;
    const result = await runClient("yarn", ["install"], { cwd: dir, env });
    expect(result.status, result.stdout).toBe(0);
    expect(registry.requests.slice(start).find((r) => r.url.endsWith("/cak-demo"))?.authorization).toBe(
      `Bearer ${TOKEN}`,
    );
  });
});
