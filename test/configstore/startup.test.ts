// Start-up cost: loading the configstore (and building a chain that includes SSM) must not load
// the AWS SDK, TOML or YAML parsers, or dotenv; each is imported by the code that needs it. Checked
// in a fresh Node process that records every module it resolves.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const entry = pathToFileURL(join(process.cwd(), "src/configstore/index.ts")).href;
const HOOK = `data:text/javascript,${encodeURIComponent(
  "export async function resolve(specifier, context, next) { const r = await next(specifier, context); if (/node_modules/.test(r.url)) process.stderr.write('LOADED ' + r.url + '\\n'); return r; }",
)}`;

function modulesLoadedBy(script: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { register } from "node:module"; register(${JSON.stringify(HOOK)});\n${script}`,
    ],
    { encoding: "utf8" },
  );
  expect(run.status, run.stderr).toBe(0);
  return run.stderr
    .split("\n")
    .filter((line) => line.startsWith("LOADED "))
    .map((line) => line.slice("LOADED ".length));
}

describe("lazy loading", () => {
  it("loads no heavy dependency until a backend or loader needs it", () => {
    const loaded = modulesLoadedBy(`
      const cs = await import(${JSON.stringify(entry)});
      const store = new cs.ConfigStore([
        cs.fromEnv({ env: { A: "1" } }),
        cs.fromSsm({ prefix: "/app" }),
        cs.fromMemory({ B: "2" }),
      ]);
      if ((await store.get("A")) !== "1") process.exit(3);
      if ((await cs.parseConfigText("[s]\\nk = v\\n", "ini")).s.k !== "v") process.exit(4);
    `);
    for (const heavy of ["@aws-sdk", "smol-toml", "/yaml/", "dotenv", "proper-lockfile"]) {
      expect(
        loaded.filter((url) => url.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });

  it("loads the AWS SDK on the first SSM lookup (the probe itself works)", () => {
    const loaded = modulesLoadedBy(`
      const cs = await import(${JSON.stringify(entry)});
      // An unreachable endpoint: the lookup fails, but only after the SDK was imported.
      const ssm = cs.fromSsm({ prefix: "/app", region: "us-east-1", endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" } });
      await ssm.get("K").catch(() => {});
      await cs.parseConfigText("a = 1\\n", "toml");
    `);
    expect(loaded.some((url) => url.includes("@aws-sdk/client-ssm"))).toBe(true);
    expect(loaded.some((url) => url.includes("smol-toml"))).toBe(true);
  });
});
