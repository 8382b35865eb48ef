import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRegistryUrl, type RegistryTarget } from "../../src/codeartifact/registry-url.js";
import { Secret } from "../../src/configstore/secret.js";
import {
  execEnvironment,
  PNPM_AUTH_VARIABLE,
  tokenEnvironment,
} from "../../src/package-managers/exec-env.js";
import { clientCommand, clientMissing } from "../support/clients.js";
import { run } from "../support/run.js";
import { isolatedHome } from "../support/tmp.js";
import {
  type ClientName,
  canListen,
  installArgs,
  runClient,
  writeProject,
  YARN_ENV,
} from "./support/clients.js";
import { type LoopbackRegistry, loopbackTarget, startLoopbackRegistry } from "./support/registry.js";

const target = (url: string) => parseRegistryUrl(url) as RegistryTarget;
const CORP_A = target("https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/");
const CORP_B = target("https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other/");
const TOOLS = target("https://tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/");

describe("tokenEnvironment", () => {
  it("one npm_config_ auth setting per registry, and CODEARTIFACT_AUTH_TOKEN for one domain", () => {
    const env = tokenEnvironment(
      [
        { target: CORP_A, token: new Secret("tok-1") },
        { target: CORP_B, token: "tok-1" },
      ],
      { tokenReferences: [] },
    );
    expect(env).toEqual({
      "npm_config_//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/:_authToken":
        "tok-1",
      "npm_config_//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other/:_authToken": "tok-1",
      CODEARTIFACT_AUTH_TOKEN: "tok-1",
    });
  });

  it("no CODEARTIFACT_AUTH_TOKEN when two domains (two tokens) are involved", () => {
    const env = tokenEnvironment(
      [
        { target: CORP_A, token: "tok-1" },
        { target: TOOLS, token: "tok-2" },
      ],
      { tokenReferences: [] },
    );
    expect(Object.keys(env).sort()).toEqual([
      "npm_config_//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/:_authToken",
      "npm_config_//tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/:_authToken",
    ]);
  });

  it("yarn's top-level token only when the default registry is one of ours and there is one token", () => {
    const entries = [{ target: CORP_A, token: "tok-1" }];
    const yarn = (url: string) => ({
      yarn: { defaultRegistry: { key: "npmRegistryServer", url }, others: [] },
    });
    expect(tokenEnvironment(entries)).not.toHaveProperty("YARN_NPM_AUTH_TOKEN");
    expect(tokenEnvironment(entries, yarn("https://registry.npmjs.org/"))).not.toHaveProperty(
      "YARN_NPM_AUTH_TOKEN",
    );
    expect(tokenEnvironment(entries, yarn(CORP_A.registryUrl.replace(/\/$/, "")))).toMatchObject({
      YARN_NPM_AUTH_TOKEN: "tok-1",
      YARN_NPM_ALWAYS_AUTH: "true",
    });
    const two = [...entries, { target: TOOLS, token: "tok-2" }];
    expect(tokenEnvironment(two, yarn(CORP_A.registryUrl))).not.toHaveProperty("YARN_NPM_AUTH_TOKEN");
  });

  it("refuses a token that cannot travel in the environment, without showing it", () => {
    expect(() => tokenEnvironment([{ target: CORP_A, token: "bad token" }])).toThrow(
      expect.objectContaining({
        code: "NPMRC_UNSAFE_VALUE",
        message: expect.not.stringContaining("bad token"),
      }),
    );
  });
});

describe("pnpm_config__auth (pnpm 11.10+): per-registry tokens, only where pnpm already routes", () => {
  const A = CORP_A.registryUrl;
  const T = TOOLS.registryUrl;
  const two = [
    { target: CORP_A, token: "tok-1" },
    { target: TOOLS, token: new Secret("tok-2") },
  ];
  const auth = (routes: { scope: string; url: string }[]) => {
    const value = tokenEnvironment(two, { pnpmRoutes: routes })[PNPM_AUTH_VARIABLE];
    return value === undefined ? undefined : JSON.parse(value);
  };
  it.each<[string, { scope: string; url: string }[], unknown]>([
    [
      "the default and a scope, each token under its own registry",
      [
        { scope: "@", url: A },
        { scope: "@tools", url: T },
        { scope: "@pub", url: "https://registry.npmjs.org/" },
      ],
      { [A]: { "@": { authToken: "tok-1" } }, [T]: { "@tools": { authToken: "tok-2" } } },
    ],
    [
      "a scope whose settings disagree is left out (pnpm's own choice stays pnpm's)",
      [
        { scope: "@", url: A },
        { scope: "@tools", url: T },
        { scope: "@tools", url: "https://registry.npmjs.org/" },
      ],
      { [A]: { "@": { authToken: "tok-1" } } },
    ],
    [
      "nothing routes to a fetched registry: no variable",
      [{ scope: "@", url: "https://registry.npmjs.org/" }],
      undefined,
    ],
    ["no routing settings at all (pnpm's default is the public registry): no variable", [], undefined],
  ])("%s", (_name, routes, expected) => {
    expect(auth(routes)).toEqual(expected);
  });

  it("without pnpm's routes (not checked) the variable is not set", () => {
    expect(tokenEnvironment(two)).not.toHaveProperty(PNPM_AUTH_VARIABLE);
  });

  it("execEnvironment reads pnpm's routes from .npmrc and pnpm-workspace.yaml; an own variable wins", async () => {
    const home = isolatedHome();
    const dir = home.path("ws");
    mkdirSync(dir);
    writeFileSync(join(dir, "package.json"), "{}");
    writeFileSync(join(dir, ".npmrc"), `registry=${A}\n`);
    writeFileSync(join(dir, "pnpm-workspace.yaml"), `registries:\n  '@tools': ${T}\n`);
    const planned = await execEnvironment(two, { cwd: dir, env: home.env, home: home.home });
    expect(JSON.parse(planned.env[PNPM_AUTH_VARIABLE] ?? "null")).toEqual({
      [A]: { "@": { authToken: "tok-1" } },
      [T]: { "@tools": { authToken: "tok-2" } },
    });
    const own = await execEnvironment(two, {
      cwd: dir,
      env: { ...home.env, PNPM_CONFIG__AUTH: "{}" },
      home: home.home,
    });
    expect(own.env).not.toHaveProperty(PNPM_AUTH_VARIABLE);
    expect(own.withheld.map((w) => w.reason)).toContainEqual(
      expect.stringMatching(/^`pnpm_config__auth` not set: `PNPM_CONFIG__AUTH` is already set/),
    );
  });

  it("a broken pnpm-workspace.yaml withholds the variable, naming the file", async () => {
    const home = isolatedHome();
    const dir = home.path("ws");
    mkdirSync(dir);
    writeFileSync(join(dir, "pnpm-workspace.yaml"), "registries: [\n");
    const planned = await execEnvironment(two, { cwd: dir, env: home.env, home: home.home });
    expect(planned.env).not.toHaveProperty(PNPM_AUTH_VARIABLE);
    expect(planned.withheld).toContainEqual(
      expect.objectContaining({
        variable: PNPM_AUTH_VARIABLE,
        reason: expect.stringContaining("pnpm-workspace.yaml"),
      }),
    );
  });
});

// Real clients against a loopback registry that demands the token. CodeArtifact URLs carry no port,
// and pnpm 10 misreads an env setting whose URL has one, so pnpm 10 needs port 80 (root).
const port80 = await canListen(80);
const TOKEN = "eyJ2ZXIiOjF9.ZXhlYy1lbnY-_";

describe("tokenEnvironment with real clients (no file holds the token)", () => {
  let registry: LoopbackRegistry;
  beforeAll(async () => {
    registry = await startLoopbackRegistry({ token: TOKEN, ...(port80 ? { port: 80 } : {}) });
  });
  afterAll(async () => {
    await registry?.close();
  });

  const clients: [ClientName, boolean, string][] = [
    ["npm", true, ""],
    ["pnpm10", port80, port80 ? "" : " (skipped: needs port 80, i.e. root, for a URL without a port)"],
    ["pnpm12", true, ""],
  ];
  for (const [client, runnable, note] of clients) {
    it.skipIf(!runnable)(`${client} installs with the env setting, and fails without it${note}`, async () => {
      const home = isolatedHome();
      const dir = home.path("project");
      mkdirSync(dir);
      writeProject(dir, registry.url);
      const loopback = loopbackTarget(registry.url);
      const without = await runClient(client, installArgs(client), { cwd: dir, env: home.env });
      expect(without.status, without.stdout + without.stderr).not.toBe(0);
      const env = { ...home.env, ...tokenEnvironment([{ target: loopback, token: new Secret(TOKEN) }]) };
      const start = registry.requests.length;
      const result = await runClient(client, installArgs(client), { cwd: dir, env });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      const packument = registry.requests.slice(start).find((r) => r.url.endsWith("/cak-demo"));
      expect(packument?.authorization).toBe(`Bearer ${TOKEN}`);
    });
  }

  // Debian's /bin/sh (dash) drops variables whose names hold `/`, so `npm_config_//…` never reaches a
  // pnpm started by a shell script; pnpm 11.10+ read the one JSON variable instead.
  for (const client of ["pnpm 11", "pnpm 12"] as const) {
    const dash = clientMissing(client) ?? (process.platform === "linux" ? undefined : "not Linux");
    it.skipIf(dash !== undefined)(
      `${client} under \`sh -c\` (dash) installs with pnpm_config__auth, and fails without it${dash ? ` (skipped: ${dash})` : ""}`,
      async () => {
        const home = isolatedHome();
        const dir = home.path("project");
        mkdirSync(dir);
        writeProject(dir, registry.url);
        const planned = await execEnvironment(
          [{ target: loopbackTarget(registry.url), token: new Secret(TOKEN) }],
          {
            cwd: dir,
            env: home.env,
            home: home.home,
          },
        );
        expect(planned.env).toHaveProperty(PNPM_AUTH_VARIABLE);
        const viaDash = (env: Record<string, string>) =>
          run("/bin/sh", ["-c", 'exec "$@"', "sh", ...clientCommand(client), ...installArgs(client)], {
            cwd: dir,
            env,
            timeoutMs: 120_000,
          });
        const { [PNPM_AUTH_VARIABLE]: _json, ...withoutJson } = planned.env;
        const without = await viaDash({ ...home.env, ...withoutJson });
        expect(without.status, without.stdout + without.stderr).not.toBe(0);
        expect(without.stdout + without.stderr).toMatch(/401/);
        const start = registry.requests.length;
        const result = await viaDash({ ...home.env, ...planned.env });
        expect(result.status, result.stdout + result.stderr).toBe(0);
        const packument = registry.requests.slice(start).find((r) => r.url.endsWith("/cak-demo"));
        expect(packument?.authorization).toBe(`Bearer ${TOKEN}`);
        expect(result.stdout + result.stderr).not.toContain(TOKEN);
      },
    );
  }

  it("yarn berry installs with YARN_NPM_AUTH_TOKEN when the default registry is ours", async () => {
    const home = isolatedHome();
    const dir = home.path("project");
    mkdirSync(dir);
    writeProject(dir, registry.url, "cak-demo", "yarn");
    const loopback = loopbackTarget(registry.url);
    const env = {
      ...home.env,
      ...YARN_ENV,
      ...tokenEnvironment([{ target: loopback, token: TOKEN }], {
        yarn: { defaultRegistry: { key: "npmRegistryServer", url: registry.url }, others: [] },
      }),
    };
    const without = await runClient("yarn", ["install"], { cwd: dir, env: { ...home.env, ...YARN_ENV } });
    expect(without.status, without.stdout).not.toBe(0);
    const start = registry.requests.length;
    const result = await runClient("yarn", ["install"], { cwd: dir, env });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const packument = registry.requests.slice(start).find((r) => r.url.endsWith("/cak-demo"));
    expect(packument?.authorization).toBe(`Bearer ${TOKEN}`);
  });
});
