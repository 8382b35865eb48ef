// Which .npmrc files npm reads and where `${CODEARTIFACT_AUTH_TOKEN}` is referenced in them; which
// registries yarn berry would send its top-level token to; and what `exec` exports from those facts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRegistryUrl, type RegistryTarget } from "../../src/codeartifact/registry-url.js";
import { YARN_DEFAULT_REGISTRY, yarnRegistries } from "../../src/package-managers/discover.js";
import { execEnvironment, planTokenEnvironment } from "../../src/package-managers/exec-env.js";
import {
  findTokenReferences,
  npmConfigFiles,
  strayTokenReference,
} from "../../src/package-managers/token-references.js";
import { makeTempDir } from "../support/tmp.js";

const CORP = parseRegistryUrl(
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
) as RegistryTarget;
const NERF = "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
const REF = "${CODEARTIFACT_AUTH_TOKEN}";

function tree(files: Record<string, string>): string {
  const root = makeTempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("npmConfigFiles: the .npmrc files npm reads, as npm 11 finds them", () => {
  it("project, user and global by default; the global one two levels above node", () => {
    const root = tree({ "p/package.json": "{}", "p/.npmrc": "" });
    const files = npmConfigFiles(join(root, "p"), {
      env: {},
      home: join(root, "h"),
      execPath: "/opt/node/bin/node",
    });
    expect(files).toEqual([
      { file: join(root, "p", ".npmrc"), role: "project" },
      { file: join(root, "h", ".npmrc"), role: "user" },
      { file: "/opt/node/etc/npmrc", role: "global" },
    ]);
  });

  it("`userconfig=` and `globalconfig=` in the project .npmrc move them (npm 11 reads what they name, relative to cwd)", () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.npmrc": "userconfig=./u.npmrc\nglobalconfig=~/g.npmrc\n",
    });
    const files = npmConfigFiles(join(root, "p"), { env: {}, home: join(root, "h") });
    expect(files.slice(1)).toEqual([
      { file: join(root, "p", "u.npmrc"), role: "user", via: `${join(root, "p", ".npmrc")}:1 userconfig` },
      {
        file: join(root, "h", "g.npmrc"),
        role: "global",
        via: `${join(root, "p", ".npmrc")}:2 globalconfig`,
      },
    ]);
  });

  it("the environment wins: NPM_CONFIG_USERCONFIG, npm_config_globalconfig, PREFIX", () => {
    const root = tree({ "p/package.json": "{}", "p/.npmrc": "userconfig=./u.npmrc\n" });
    const env = { NPM_CONFIG_USERCONFIG: join(root, "mine.npmrc"), PREFIX: "/usr/local" };
    expect(npmConfigFiles(join(root, "p"), { env, home: root }).slice(1)).toEqual([
      { file: join(root, "mine.npmrc"), role: "user", via: "NPM_CONFIG_USERCONFIG" },
      { file: "/usr/local/etc/npmrc", role: "global" },
    ]);
    const global = { npm_config_globalconfig: join(root, "g") };
    expect(npmConfigFiles(join(root, "p"), { env: global, home: root }).at(-1)).toEqual({
      file: join(root, "g"),
      role: "global",
      via: "npm_config_globalconfig",
    });
  });
});

describe("findTokenReferences", () => {
  it("finds every reference npm would expand, with the registry it is keyed to", () => {
    const root = tree({
      ".npmrc": [
        `${NERF}:_authToken=${REF}`,
        `//evil.example/:_authToken=${REF}`,
        `//evil.example/npm/:_authToken=\${CODEARTIFACT_AUTH_TOKEN?}`,
        `escaped=\\${REF}`,
        `proxy=http://u:${REF}@evil.example/`,
        `//evil.example/${REF}/:_authToken=x`,
        "[section]",
        `${NERF}:_authToken=${REF}`,
      ].join("\n"),
    });
    const file = join(root, ".npmrc");
    expect(findTokenReferences([{ file, role: "project" }], {})).toEqual([
      { file, line: 1, key: `${NERF}:_authToken`, nerfDart: NERF },
      { file, line: 2, key: "//evil.example/:_authToken", nerfDart: "//evil.example/" },
      { file, line: 3, key: "//evil.example/npm/:_authToken", nerfDart: "//evil.example/npm/" },
      { file, line: 5, key: "proxy" },
      { file, line: 6, key: `//evil.example/${REF}/:_authToken` },
      { file, line: 8, key: `${NERF}:_authToken` },
    ]);
  });

  it("a reference is safe only under a fetched registry: the registry itself or below it, never a parent", () => {
    const at = (nerfDart?: string) => ({ file: "f", line: 1, key: "k", ...(nerfDart ? { nerfDart } : {}) });
    expect(strayTokenReference([at(NERF), at(`${NERF}sub/`)], [NERF])).toBeUndefined();
    expect(
      strayTokenReference(
        [at(NERF), at("//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/")],
        [NERF],
      ),
    ).toMatchObject({ nerfDart: "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/" });
    expect(strayTokenReference([at()], [NERF])).toEqual(at());
    expect(strayTokenReference([], [NERF])).toBeUndefined();
  });
});

describe("yarnRegistries: where yarn berry would send YARN_NPM_AUTH_TOKEN", () => {
  it("yarn's own default when nothing sets one", async () => {
    const root = tree({ "p/package.json": "{}" });
    const found = await yarnRegistries({ cwd: join(root, "p"), env: {}, home: join(root, "h") });
    expect(found.defaultRegistry).toEqual({ key: "yarn's default", url: YARN_DEFAULT_REGISTRY });
    expect(found.others).toEqual([]);
  });

  it("the nearest rc file wins over its parents and the home one; scopes and publish registries are listed", async () => {
    const root = tree({
      "h/.yarnrc.yml": 'npmRegistryServer: "https://home.example/"\n',
      "w/.yarnrc.yml":
        'npmRegistryServer: "https://parent.example/"\nnpmScopes:\n  a:\n    npmRegistryServer: "https://a-parent.example/"\n',
      "w/p/.yarnrc.yml":
        'npmRegistryServer: "https://near.example/"\nnpmPublishRegistry: "https://pub.example/"\nnpmScopes:\n  a:\n    npmRegistryServer: "https://a-near.example/"\n    npmPublishRegistry: "https://a-pub.example/"\n',
    });
    const found = await yarnRegistries({ cwd: join(root, "w", "p"), env: {}, home: join(root, "h") });
    const near = join(root, "w", "p", ".yarnrc.yml");
    expect(found.defaultRegistry).toEqual({
      key: "npmRegistryServer",
      url: "https://near.example/",
      file: near,
      line: 1,
    });
    expect(found.others).toEqual([
      { key: "npmPublishRegistry", url: "https://pub.example/", file: near, line: 2 },
      { key: "npmScopes.a.npmRegistryServer", url: "https://a-near.example/", file: near, line: 5 },
      { key: "npmScopes.a.npmPublishRegistry", url: "https://a-pub.example/", file: near, line: 6 },
    ]);
  });

  it("YARN_NPM_REGISTRY_SERVER and YARN_NPM_PUBLISH_REGISTRY win over every file", async () => {
    const root = tree({ "p/.yarnrc.yml": 'npmRegistryServer: "https://near.example/"\n' });
    const env = {
      YARN_NPM_REGISTRY_SERVER: CORP.registryUrl,
      YARN_NPM_PUBLISH_REGISTRY: "https://pub.example/",
    };
    const found = await yarnRegistries({ cwd: join(root, "p"), env, home: join(root, "h") });
    expect(found.defaultRegistry).toEqual({ key: "YARN_NPM_REGISTRY_SERVER", url: CORP.registryUrl });
    expect(found.others).toEqual([{ key: "YARN_NPM_PUBLISH_REGISTRY", url: "https://pub.example/" }]);
  });
});

describe("planTokenEnvironment and execEnvironment: what is withheld and why", () => {
  const entries = [{ target: CORP, token: "tok-1" }];
  const yarnOurs = { defaultRegistry: { key: "npmRegistryServer", url: CORP.registryUrl }, others: [] };

  it("without the facts, both variables are withheld (fail closed)", () => {
    const planned = planTokenEnvironment(entries);
    expect(planned.env).toEqual({ [`npm_config_${NERF}:_authToken`]: "tok-1" });
    expect(planned.withheld.map((w) => w.variable)).toEqual([
      "CODEARTIFACT_AUTH_TOKEN",
      "YARN_NPM_AUTH_TOKEN",
    ]);
  });

  it("a scope yarn routes elsewhere withholds yarn's token and names the setting", () => {
    const route = {
      key: "npmScopes.x.npmRegistryServer",
      url: "https://x.example/",
      file: "/p/.yarnrc.yml",
      line: 3,
    };
    const planned = planTokenEnvironment(entries, {
      tokenReferences: [],
      yarn: { ...yarnOurs, others: [route] },
    });
    expect(planned.env).toHaveProperty("CODEARTIFACT_AUTH_TOKEN", "tok-1");
    expect(planned.env).not.toHaveProperty("YARN_NPM_AUTH_TOKEN");
    expect(planned.withheld).toEqual([
      {
        variable: "YARN_NPM_AUTH_TOKEN",
        reason: `\`YARN_NPM_AUTH_TOKEN\` not set: yarn would also send it to \`https://x.example/\` (\`/p/.yarnrc.yml\`:3 (\`npmScopes.x.npmRegistryServer\`)), not only to ${NERF}: run \`codeartifact-login login --yarn\` to give yarn a token for the CodeArtifact registry alone`,
        file: "/p/.yarnrc.yml",
        line: 3,
      },
    ]);
  });

  it("a registry yarn names through an unset ${VAR} is not ours: withheld", () => {
    const yarn = { defaultRegistry: { key: "npmRegistryServer", url: "${REGISTRY}" }, others: [] };
    expect(planTokenEnvironment(entries, { tokenReferences: [], yarn }).env).not.toHaveProperty(
      "YARN_NPM_AUTH_TOKEN",
    );
  });

  it("an .npmrc npm would read that cannot be read withholds CODEARTIFACT_AUTH_TOKEN, saying why", async () => {
    const root = tree({ "p/package.json": "{}", "p/.npmrc": "", "h/.npmrc/x": "" });
    const planned = await execEnvironment(entries, { cwd: join(root, "p"), env: {}, home: join(root, "h") });
    expect(planned.env).not.toHaveProperty("CODEARTIFACT_AUTH_TOKEN");
    expect(planned.withheld[0]).toMatchObject({
      variable: "CODEARTIFACT_AUTH_TOKEN",
      reason: expect.stringMatching(/^`CODEARTIFACT_AUTH_TOKEN` not set: .*\.npmrc.* is a directory/),
    });
  });

  it("reads the facts from disk: a clean project exports both", async () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.npmrc": `registry=${CORP.registryUrl}\n${NERF}:_authToken=${REF}\n`,
      "p/.yarnrc.yml": `npmRegistryServer: "${CORP.registryUrl}"\n`,
    });
    const planned = await execEnvironment(entries, { cwd: join(root, "p"), env: {}, home: join(root, "h") });
    expect(planned.withheld).toEqual([]);
    expect(planned.env).toMatchObject({ CODEARTIFACT_AUTH_TOKEN: "tok-1", YARN_NPM_AUTH_TOKEN: "tok-1" });
  });

  it("yarn rc references: safe only as a fetched registry's token, or the default's / a scope's when yarn sends nothing elsewhere", async () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.yarnrc.yml": [
        `npmRegistryServer: "${CORP.registryUrl}"`,
        "npmRegistries:",
        `  "${NERF}":`,
        `    npmAuthToken: "${REF}"`,
        `npmAuthToken: "\${YARN_NPM_AUTH_TOKEN:-x}"`,
        "",
      ].join("\n"),
    });
    const cwd = join(root, "p");
    const home = join(root, "h");
    const clean = await execEnvironment(entries, { cwd, env: {}, home });
    expect(clean.withheld).toEqual([]);

    writeFileSync(
      join(cwd, ".yarnrc.yml"),
      `npmRegistryServer: "${CORP.registryUrl}"\nhttpProxy: "http://u:${REF}@proxy.evil.example:8080"\n`,
    );
    const proxy = await execEnvironment(entries, { cwd, env: {}, home });
    expect(proxy.env).not.toHaveProperty("CODEARTIFACT_AUTH_TOKEN");
    expect(proxy.env).toHaveProperty("YARN_NPM_AUTH_TOKEN", "tok-1");
    expect(proxy.withheld).toEqual([
      expect.objectContaining({
        variable: "CODEARTIFACT_AUTH_TOKEN",
        file: join(cwd, ".yarnrc.yml"),
        line: 2,
      }),
    ]);

    writeFileSync(
      join(cwd, ".yarnrc.yml"),
      `npmRegistryServer: "${CORP.registryUrl}"\nnpmRegistries:\n  "//npm.evil.example/":\n    npmAuthToken: "\${YARN_NPM_AUTH_TOKEN}"\n`,
    );
    const other = await execEnvironment(entries, { cwd, env: {}, home });
    expect(other.env).not.toHaveProperty("YARN_NPM_AUTH_TOKEN");
    expect(other.withheld.map((w) => [w.variable, w.line])).toEqual([["YARN_NPM_AUTH_TOKEN", 4]]);
  });
});
