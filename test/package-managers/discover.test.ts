import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTarget, parseRegistryUrl, type RegistryTarget } from "../../src/codeartifact/registry-url.js";
import { discoverRegistries, groupTargetsByDomain } from "../../src/package-managers/discover.js";
import {
  findProject,
  findUserNpmrc,
  userYarnrcPath,
  yarnRcFilename,
} from "../../src/package-managers/npmrc-locations.js";
import { pnpmHelperDir } from "../../src/package-managers/pnpm-token-helper.js";
import { makeTempDir } from "../support/tmp.js";

const CA = (domain: string, repo: string, region = "us-east-1", owner = "111122223333") =>
  `https://${domain}-${owner}.d.codeartifact.${region}.amazonaws.com/npm/${repo}/`;

/** Writes `files` (path → content) under a fresh dir; returns the dir. */
function tree(files: Record<string, string>): string {
  const root = makeTempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("locations", () => {
  it.each([
    [{ NPM_CONFIG_USERCONFIG: "/etc/work.npmrc" }, "/etc/work.npmrc", "NPM_CONFIG_USERCONFIG"],
    [{ npm_config_userconfig: "~/alt.npmrc" }, "/home/u/alt.npmrc", "npm_config_userconfig"],
    [{ Npm_Config_UserConfig: "rel/npmrc" }, "/work/rel/npmrc", "Npm_Config_UserConfig"],
    [{ NPM_CONFIG_USERCONFIG: "" }, "/home/u/.npmrc", undefined],
    [{}, "/home/u/.npmrc", undefined],
  ])("user .npmrc from %j", (env, path, envVar) => {
    const found = findUserNpmrc({ env, home: "/home/u", cwd: "/work" });
    expect(found.path).toBe(path);
    expect(found.envVar).toBe(envVar);
    expect(found.source).toBe(envVar ? "env" : "home");
  });

  it("yarn rc file name and the helper dir follow the env, as yarn and XDG do", () => {
    expect(yarnRcFilename({ YARN_RC_FILENAME: ".yarnrc.work.yml" })).toBe(".yarnrc.work.yml");
    expect(yarnRcFilename({ yarn_rc_filename: ".y.yml" })).toBe(".y.yml");
    expect(userYarnrcPath({ env: {}, home: "/home/u" })).toBe("/home/u/.yarnrc.yml");
    expect(pnpmHelperDir({ env: { XDG_DATA_HOME: "/xdg" }, home: "/home/u", platform: "linux" })).toBe(
      "/xdg/codeartifact-keyring/pnpm-helpers",
    );
    expect(pnpmHelperDir({ env: { XDG_DATA_HOME: "relative" }, home: "/home/u", platform: "darwin" })).toBe(
      "/home/u/.local/share/codeartifact-keyring/pnpm-helpers",
    );
  });

  it("npm workspaces: the root whose `workspaces` list the package", () => {
    const root = tree({
      "package.json": JSON.stringify({ name: "root", workspaces: ["packages/*"] }),
      ".npmrc": "registry=x\n",
      "packages/a/package.json": "{}",
      "tools/b/package.json": "{}",
    });
    const inWorkspace = findProject(join(root, "packages", "a"), { env: {}, home: "/nowhere" });
    expect(inWorkspace).toMatchObject({
      root,
      workspaceRoot: root,
      workspaceKind: "npm",
      npmrc: join(root, ".npmrc"),
    });
    // tools/b is not a workspace: its own package is the root, and the outer .npmrc is not read.
    const outside = findProject(join(root, "tools", "b"), { env: {}, home: "/nowhere" });
    expect(outside).toMatchObject({ root: join(root, "tools", "b") });
    expect(outside.npmrc).toBeUndefined();
  });

  it("pnpm workspaces: the dir of pnpm-workspace.yaml; the nearest .npmrc wins", () => {
    const root = tree({
      "pnpm-workspace.yaml": "packages:\n  - apps/*\n",
      "package.json": "{}",
      ".npmrc": "registry=x\n",
      "apps/web/package.json": "{}",
      "apps/api/package.json": "{}",
      "apps/api/.npmrc": "@api:registry=y\n",
    });
    expect(findProject(join(root, "apps", "web", "src"), { env: {}, home: "/nowhere" })).toMatchObject({
      workspaceKind: "pnpm",
      packageRoot: join(root, "apps", "web"),
      npmrc: join(root, ".npmrc"),
    });
    expect(findProject(join(root, "apps", "api"), { env: {}, home: "/nowhere" }).npmrc).toBe(
      join(root, "apps", "api", ".npmrc"),
    );
  });

  it("never reports the user .npmrc as the project's", () => {
    const home = tree({ ".npmrc": "fund=false\n", "package.json": "{}" });
    expect(findProject(home, { env: {}, home }).npmrc).toBeUndefined();
  });
});

describe("discoverRegistries", () => {
  const corp = CA("corp", "npm-store");
  const tools = CA("tools", "shared", "eu-west-1", "444455556666");

  it("reads the project .npmrc, the user .npmrc and yarn rc files, with file, line, key, scope", async () => {
    const root = tree({
      "proj/package.json": "{}",
      "proj/.npmrc": [
        "# project",
        `registry=${corp}`,
        "@public:registry=https://registry.npmjs.org/",
        `@corp:registry=${CA("corp", "private")}`,
        "",
      ].join("\n"),
      "proj/.yarnrc.yml": [
        "# yarn",
        `npmRegistryServer: "${corp}"`,
        "npmScopes:",
        "  tools:",
        `    npmRegistryServer: "${tools}"`,
        "",
      ].join("\n"),
      "home/.npmrc": `@tools:registry=${tools}\n`,
      "home/.yarnrc.yml": `npmRegistries:\n  "//${new URL(CA("other", "repo")).host}/npm/repo/":\n    npmAlwaysAuth: true\n`,
    });
    const home = join(root, "home");
    const { registries, searched } = await discoverRegistries({
      cwd: join(root, "proj", "src"),
      env: {},
      home,
    });
    expect(
      registries.map((r) => [
        r.registryUrl,
        r.source,
        r.line,
        r.key,
        r.scope ?? null,
        r.alsoIn.map((a) => a.source),
      ]),
    ).toEqual([
      [corp, "project-npmrc", 2, "registry", null, ["yarnrc"]],
      [CA("corp", "private"), "project-npmrc", 4, "@corp:registry", "@corp", []],
      [tools, "user-npmrc", 1, "@tools:registry", "@tools", ["yarnrc"]],
      [
        CA("other", "repo"),
        "user-yarnrc",
        2,
        `npmRegistries["//${new URL(CA("other", "repo")).host}/npm/repo/"]`,
        null,
        [],
      ],
    ]);
    expect(registries[0]?.file).toBe(join(root, "proj", ".npmrc"));
    expect(registries[0]?.target).toMatchObject({
      domain: "corp",
      domainOwner: "111122223333",
      repository: "npm-store",
    });
    expect(registries[2]?.alsoIn[0]).toMatchObject({
      key: "npmScopes.tools.npmRegistryServer",
      line: 5,
      scope: "@tools",
    });
    expect(searched).toEqual([
      join(root, "proj", ".npmrc"),
      join(home, ".npmrc"),
      join(root, "proj", ".yarnrc.yml"),
      join(home, ".yarnrc.yml"),
    ]);
  });

  it("env settings come first; ${VAR} expands as npm does; an unset one leaves the line out", async () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.npmrc": [
        "registry=https://${CA_DOMAIN}-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
        "@x:registry=${UNSET_REGISTRY}",
        "",
      ].join("\n"),
    });
    const env = {
      CA_DOMAIN: "corp",
      NPM_CONFIG_REGISTRY: corp,
      "npm_config_@tools:registry": tools,
    };
    const { registries } = await discoverRegistries({ cwd: join(root, "p"), env, home: join(root, "h") });
    expect(registries.map((r) => [r.registryUrl, r.source, r.key, r.scope ?? null, r.alsoIn.length])).toEqual(
      [
        [corp, "env", "NPM_CONFIG_REGISTRY", null, 1],
        [tools, "env", "npm_config_@tools:registry", "@tools", 0],
      ],
    );
    expect(registries[0]?.alsoIn[0]).toMatchObject({ source: "project-npmrc", line: 1 });
  });

  it("honours NPM_CONFIG_USERCONFIG and YARN_RC_FILENAME", async () => {
    const root = tree({
      "cfg/work.npmrc": `registry=${corp}\n`,
      "h/.yarnrc.work.yml": `npmRegistryServer: ${tools}\n`,
      "h/.yarnrc.yml": `npmRegistryServer: ${CA("ignored", "repo")}\n`,
    });
    const { registries } = await discoverRegistries({
      cwd: join(root, "empty"),
      env: { NPM_CONFIG_USERCONFIG: join(root, "cfg", "work.npmrc"), YARN_RC_FILENAME: ".yarnrc.work.yml" },
      home: join(root, "h"),
    });
    expect(registries.map((r) => [r.registryUrl, r.source])).toEqual([
      [corp, "user-npmrc"],
      [tools, "user-yarnrc"],
    ]);
  });

  it("asks resolveTarget about other registries and leaves them out when it says nothing", async () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.npmrc": "registry=https://proxy.example.com/npm/\n@pub:registry=https://registry.npmjs.org/\n",
    });
    const asked: string[] = [];
    const { registries } = await discoverRegistries({
      cwd: join(root, "p"),
      env: {},
      home: join(root, "h"),
      resolveTarget: (url): RegistryTarget | undefined => {
        asked.push(url);
        return url.startsWith("https://proxy.example.com/")
          ? makeTarget({
              registryUrl: url,
              domain: "corp",
              domainOwner: "111122223333",
              region: "us-east-1",
              repository: "npm-store",
            })
          : undefined;
      },
    });
    expect(asked).toEqual(["https://proxy.example.com/npm/", "https://registry.npmjs.org/"]);
    expect(registries.map((r) => r.registryUrl)).toEqual(["https://proxy.example.com/npm/"]);
  });

  it("a broken CodeArtifact URL is an error naming file:line", async () => {
    const root = tree({
      "p/package.json": "{}",
      "p/.npmrc": `# x\n@corp:registry=${corp.replace("/npm/", "/pypi/")}\n`,
    });
    await expect(
      discoverRegistries({ cwd: join(root, "p"), env: {}, home: join(root, "h") }),
    ).rejects.toMatchObject({
      code: "REGISTRY_URL_INVALID",
      message: expect.stringMatching(
        new RegExp(`^\`${join(root, "p", ".npmrc")}\`:2: \`@corp:registry\`: .*pypi`),
      ),
    });
  });

  it.each([
    [".npmrc", (url: string) => `# x\nregistry=${url}\n`, "`registry`"],
    [
      ".yarnrc.yml",
      (url: string) => `# x\nnpmScopes:\n  corp:\n    npmRegistryServer: "${url}"\n`,
      "`npmScopes.corp.npmRegistryServer`",
    ],
  ])(
    "a plain http CodeArtifact URL in %s is refused, naming file:line and the URL as written",
    async (name, text, key) => {
      const http = corp.replace("https://", "http://");
      const root = tree({ "p/package.json": "{}", [`p/${name}`]: text(http) });
      const line = name === ".npmrc" ? 2 : 4;
      await expect(
        discoverRegistries({ cwd: join(root, "p"), env: {}, home: join(root, "h") }),
      ).rejects.toMatchObject({
        code: "REGISTRY_URL_INVALID",
        message: `\`${join(root, "p", name)}\`:${line}: ${key}: CodeArtifact registry URL \`${http}\`: plain http would send the token unencrypted: use https://`,
      });
    },
  );

  it("a plain http CodeArtifact URL in the environment is refused, naming the variable", async () => {
    const http = corp.replace("https://", "http://");
    const root = tree({ "p/package.json": "{}" });
    await expect(
      discoverRegistries({ cwd: join(root, "p"), env: { npm_config_registry: http }, home: join(root, "h") }),
    ).rejects.toMatchObject({
      code: "REGISTRY_URL_INVALID",
      message: expect.stringContaining(
        "`npm_config_registry` in the environment: CodeArtifact registry URL `http://",
      ),
    });
  });

  it("malformed YAML is an error naming file:line", async () => {
    const root = tree({ "p/.yarnrc.yml": "npmScopes:\n  corp:\n    npmRegistryServer: [unclosed\n" });
    await expect(
      discoverRegistries({ cwd: join(root, "p"), env: {}, home: join(root, "h") }),
    ).rejects.toMatchObject({
      code: "YARNRC_INVALID",
      message: expect.stringMatching(/\.yarnrc\.yml`:\d+: is not valid YAML/),
    });
  });

  it("npm workspace: a package dir finds the root's .npmrc", async () => {
    const root = tree({
      "package.json": JSON.stringify({ workspaces: { packages: ["packages/**"] } }),
      ".npmrc": `@corp:registry=${corp}\n`,
      "packages/group/a/package.json": "{}",
    });
    const { registries } = await discoverRegistries({
      cwd: join(root, "packages", "group", "a"),
      env: {},
      home: join(root, "h"),
    });
    expect(registries.map((r) => [r.registryUrl, r.file])).toEqual([[corp, join(root, ".npmrc")]]);
  });

  it("groupTargetsByDomain: one group per (domain, owner, region)", () => {
    const targets = [
      CA("corp", "aa"),
      CA("tools", "xx", "eu-west-1"),
      CA("corp", "bb"),
      CA("corp", "aa"),
      CA("corp", "cc", "us-west-2"),
    ].map((url) => parseRegistryUrl(url) as RegistryTarget);
    expect(
      groupTargetsByDomain(targets).map((g) => [g.domain, g.region, g.targets.map((t) => t.repository)]),
    ).toEqual([
      ["corp", "us-east-1", ["aa", "bb"]],
      ["tools", "eu-west-1", ["xx"]],
      ["corp", "us-west-2", ["cc"]],
    ]);
  });
});

describe("discoverRegistries: pnpm's registries: and bun's bunfig.toml", () => {
  const corp = CA("corp", "npm-store");
  const priv = CA("corp", "private");
  const tools = CA("tools", "shared", "eu-west-1", "444455556666");
  type Row = [
    url: string,
    source: string,
    file: string,
    line: number | null,
    key: string,
    scope: string | null,
  ];
  const rows = (
    registries: Awaited<ReturnType<typeof discoverRegistries>>["registries"],
    root: string,
  ): Row[] =>
    registries.map((r) => [
      r.registryUrl,
      r.source,
      (r.file ?? "").slice(root.length + 1),
      r.line ?? null,
      r.key,
      r.scope ?? null,
    ]);

  it.each<[string, Record<string, string>, Record<string, string>, Row[]]>([
    [
      "pnpm-workspace.yaml registries (default and a scope); other URLs ignored",
      {
        "w/pnpm-workspace.yaml": [
          "packages:",
          "  - apps/*",
          "registries:",
          `  default: ${corp}`,
          `  '@corp': "${priv}"`,
          "  '@pub': https://registry.npmjs.org/",
          "",
        ].join("\n"),
        "w/package.json": "{}",
        "w/apps/web/package.json": "{}",
      },
      {},
      [
        [corp, "pnpm-workspace", "w/pnpm-workspace.yaml", 4, "registries.default", null],
        [priv, "pnpm-workspace", "w/pnpm-workspace.yaml", 5, "registries.@corp", "@corp"],
      ],
    ],
    [
      "pnpm's global config.yaml in $XDG_CONFIG_HOME/pnpm",
      {
        "w/package.json": "{}",
        "xdg/pnpm/config.yaml": `storeDir: /x\nregistries:\n  '@tools': ${tools}\n`,
      },
      { XDG_CONFIG_HOME: "xdg" },
      [[tools, "pnpm-config", "xdg/pnpm/config.yaml", 3, "registries.@tools", "@tools"]],
    ],
    [
      "pnpm's global config.yaml in ~/.config/pnpm (Linux default)",
      { "w/package.json": "{}", "h/.config/pnpm/config.yaml": `registries:\n  default: ${corp}\n` },
      {},
      [[corp, "pnpm-config", "h/.config/pnpm/config.yaml", 2, "registries.default", null]],
    ],
    [
      "bunfig.toml: [install] registry string, [install.scopes] strings and tables",
      {
        "w/package.json": "{}",
        "w/bunfig.toml": [
          "[install]",
          `registry = "${corp}"`,
          "",
          "[install.scopes]",
          `corp = { url = "${priv}", token = "$NPM_TOKEN" }`,
          `"@tools" = "${tools}"`,
          'pub = "https://registry.npmjs.org/"',
          "",
        ].join("\n"),
      },
      {},
      [
        [corp, "bunfig", "w/bunfig.toml", 2, "install.registry", null],
        [priv, "bunfig", "w/bunfig.toml", 5, "install.scopes.corp", "@corp"],
        [tools, "bunfig", "w/bunfig.toml", 6, "install.scopes.@tools", "@tools"],
      ],
    ],
    [
      "bunfig.toml: [install.registry] as a table with url; ${VAR} expanded",
      {
        "w/package.json": "{}",
        "w/bunfig.toml":
          '[install.registry]\nurl = "https://${D}-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/"\n',
      },
      { D: "corp" },
      [[corp, "bunfig", "w/bunfig.toml", 1, "install.registry", null]],
    ],
    [
      "the user's ~/.bunfig.toml",
      { "w/package.json": "{}", "h/.bunfig.toml": `[install.scopes]\ntools = { url = "${tools}" }\n` },
      {},
      [[tools, "user-bunfig", "h/.bunfig.toml", 2, "install.scopes.tools", "@tools"]],
    ],
  ])("%s", async (_name, files, env, expected) => {
    const root = tree(files);
    const fullEnv = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, k === "XDG_CONFIG_HOME" ? join(root, v) : v]),
    );
    const { registries, searched } = await discoverRegistries({
      cwd: join(root, "w", ...(files["w/apps/web/package.json"] ? ["apps", "web"] : [])),
      env: fullEnv,
      home: join(root, "h"),
    });
    expect(rows(registries, root)).toEqual(expected);
    for (const [, , file] of expected) expect(searched).toContain(join(root, file));
  });

  it("an npmrc setting ranks first; the pnpm and bun places of the same registry are in alsoIn", async () => {
    const root = tree({
      "w/package.json": "{}",
      "w/.npmrc": `registry=${corp}\n`,
      "w/pnpm-workspace.yaml": `registries:\n  default: ${corp}\n`,
      "w/bunfig.toml": `[install]\nregistry = { url = "${corp}" }\n`,
    });
    const { registries } = await discoverRegistries({ cwd: join(root, "w"), env: {}, home: join(root, "h") });
    expect(registries.map((r) => [r.source, r.alsoIn.map((a) => [a.source, a.line])])).toEqual([
      [
        "project-npmrc",
        [
          ["pnpm-workspace", 2],
          ["bunfig", 2],
        ],
      ],
    ]);
  });

  it.each([
    [
      "w/pnpm-workspace.yaml",
      "registries:\n  default: [unclosed\n",
      /pnpm-workspace\.yaml`:\d+: is not valid YAML/,
    ],
    [
      "w/pnpm-workspace.yaml",
      "registries: https://x/\n",
      /pnpm-workspace\.yaml`:1: `registries` is not a mapping/,
    ],
    ["w/bunfig.toml", "[install]\nregistry = \n", /bunfig\.toml`:2: invalid TOML/],
    [
      "w/pnpm-workspace.yaml",
      `registries:\n  default: ${CA("corp", "npm-store").replace("https:", "http:")}\n`,
      /pnpm-workspace\.yaml`:2: `registries\.default`/,
    ],
  ])("%s %j is an error naming file:line", async (path, content, message) => {
    const root = tree({ "w/package.json": "{}", [path]: content });
    await expect(
      discoverRegistries({ cwd: join(root, "w"), env: {}, home: join(root, "h") }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(message),
    });
  });
});
