// `token` with plain flags takes the short way (bin → dist/token.cjs, no commander): it must answer
// exactly as the full CLI does, and hand everything else to the full CLI.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { plainTokenFlags } from "../../src/cli/token-entry.js";
import { BIN, ROOT, run } from "../support/run.js";
import { REGISTRY, REGISTRY_OTHER_DOMAIN, useFakeAws } from "./support.js";

const { sandbox } = useFakeAws();
const argv = (...args: string[]) => ["node", "codeartifact-login", ...args];

describe("which arguments take the short way", () => {
  it.each([
    [["token"], { format: "raw" }],
    [["token", "--registry", REGISTRY], { format: "raw", registry: [REGISTRY] }],
    [["token", "-r", REGISTRY, "--format", "header"], { format: "header", registry: [REGISTRY] }],
    [
      ["token", `--registry=${REGISTRY}`, "--format=json", "-r", REGISTRY_OTHER_DOMAIN],
      { format: "json", registry: [REGISTRY, REGISTRY_OTHER_DOMAIN] },
    ],
    [["token", "--format", "raw", "--format", "env"], { format: "env" }],
  ])("%j → the flags commander would give", (args, flags) => {
    expect(plainTokenFlags(argv(...args))).toEqual(flags);
  });

  it.each([
    [["login"]],
    [["token", "--help"]],
    [["token", "--json"]],
    [["token", "-q", "--registry", REGISTRY]],
    [["token", "--registry"]],
    [["token", "--registry", "--format"]],
    [["token", "--registry="]],
    [["token", "--format", "xml"]],
    [["token", "--github-env", "--registry", REGISTRY]],
    [["token", "--profile", "dev"]],
    [["token", REGISTRY]],
    [["token", "--", "--registry", REGISTRY]],
  ])("%j → the full CLI", (args) => {
    expect(plainTokenFlags(argv(...args))).toBeUndefined();
  });
});

describe("the short way answers as the full CLI does", () => {
  // The full CLI without the bin's short way: dist/cli.js's main with the same arguments.
  const full = (args: string[], env: NodeJS.ProcessEnv, cwd: string) =>
    run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist/cli.js")).href)});
         process.exitCode = await main(["node", "codeartifact-login", ...process.argv.slice(1)]);`,
        ...args,
      ],
      { env, cwd },
    );

  it.each([
    [["token", "--registry", REGISTRY]],
    [["token", "-r", REGISTRY, "--format", "json"]],
    [["token", `--registry=${REGISTRY}`, "--format=header"]],
    [["token"]],
    [["token", "--registry", "https://registry.example.com/npm/x/"]],
    [["token", "--registry", REGISTRY, "--registry", REGISTRY_OTHER_DOMAIN]],
  ])("%j: same exit code, stdout and stderr", async (args) => {
    const box = sandbox();
    // A cache hit for both, and a project with no registry for plain `token`.
    expect((await box.run(["token", "--registry", REGISTRY])).status).toBe(0);
    const short = await box.run(args);
    const long = await full(args, box.env, box.project);
    expect({ status: short.status, stdout: short.stdout, stderr: short.stderr }).toEqual({
      status: long.status,
      stdout: long.stdout,
      stderr: long.stderr,
    });
  });
});

describe("a cache hit loads one file of this package and nothing of its dependencies", () => {
  // Files loaded through either loader: an ES module resolve hook, and, at exit, require's cache.
  const HOOK = `data:text/javascript,${encodeURIComponent(
    `import { register } from "node:module"; import { createRequire } from "node:module";
     register(${JSON.stringify(
       `data:text/javascript,${encodeURIComponent(
         "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write('LOADED ' + r.url + '\\n'); return r; }",
       )}`,
     )});
     const { cache } = createRequire("/");
     process.on("exit", () => { for (const file of Object.keys(cache)) process.stderr.write("LOADED file://" + file + "\\n"); });`,
  )}`;
  const loaded = (stderr: string) =>
    stderr
      .split("\n")
      .filter((line) => line.startsWith("LOADED "))
      .map((line) => line.slice("LOADED ".length).replace(pathToFileURL(ROOT).href, ""))
      .filter((file, index, all) => all.indexOf(file) === index)
      .sort();

  it.each([
    [
      [BIN, "token", "--registry", REGISTRY],
      ["/bin/codeartifact-login.js", "/dist/token.cjs"],
    ],
    [[join(ROOT, "dist/pnpm-token-helper.cjs"), REGISTRY], ["/dist/pnpm-token-helper.cjs"]],
  ])("%j", async (args, expected) => {
    const box = sandbox();
    expect((await box.run(["token", "--registry", REGISTRY])).status).toBe(0);
    const result = await run(process.execPath, ["--import", HOOK, ...args], {
      env: box.env,
      cwd: box.project,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(loaded(result.stderr)).toEqual(expected);
  });
});
