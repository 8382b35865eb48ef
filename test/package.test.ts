// The package as it will be published: `npm pack` in a copy of the sources (so its `prepack` build
// writes that copy's dist/, not the one other test files are running), then the tarball installed into
// an empty project the way a consumer gets it. This proves the release path (prepack, the manifest's
// links, LICENSE), that the published declarations compile for a strict consumer without
// skipLibCheck, and that the library keeps the AWS SDK's Node-version notice to itself.
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { startFakeAws } from "./support/aws/index.js";
import { ROOT, run } from "./support/run.js";
import { isolatedHome, makeTempDir } from "./support/tmp.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

interface Packed {
  filename: string;
  files: { path: string }[];
}

/** The names the README's API section says the package exports, and its code sample. */
function readmeApi(): { names: string[]; sample: string } {
  const section = readme.slice(
    readme.indexOf("## Programmatic API"),
    readme.indexOf("## Environment variables"),
  );
  const sample = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const listed = section.slice(section.indexOf("Exported (typed"));
  const names = new Set<string>();
  for (const match of `${sample}\n${listed}`.matchAll(/`([a-zA-Z]+)(?:\(|`)/g)) names.add(match[1] as string);
  for (const match of sample.matchAll(/import \{([^}]+)\}/g))
    for (const name of (match[1] as string).split(",")) names.add(name.trim());
  names.delete("code");
  return { names: [...names].sort(), sample };
}

describe("the package as published", () => {
  let packed: Packed;
  let tarball: string;
  let consumer: string;
  let installStderr: string;
  const home = isolatedHome();

  beforeAll(async () => {
    // A copy of what the build reads; node_modules is the repository's (a link, not a copy).
    const stage = makeTempDir("cak-stage-");
    for (const name of ["package.json", "bin", "scripts", "src", "tsconfig.json", "tsconfig.build.json"])
      cpSync(join(ROOT, name), join(stage, name), { recursive: true });
    for (const name of ["LICENSE", "README.md"]) cpSync(join(ROOT, name), join(stage, name));
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"), "dir");
    const packDir = makeTempDir("cak-pack-");
    const pack = await run("npm", ["pack", "--json", "--pack-destination", packDir], {
      env: home.env,
      cwd: stage,
      timeoutMs: 240_000,
    });
    expect(pack.status, pack.stderr).toBe(0);
    // npm prints the prepack script's output on stdout before the JSON document.
    const parsed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[\n"))) as Packed[];
    packed = parsed[0] as Packed;
    tarball = join(packDir, packed.filename);

    consumer = makeTempDir("cak-consumer-");
    writeFileSync(
      join(consumer, "package.json"),
      '{ "name": "consumer", "private": true, "type": "module" }\n',
    );
    const install = await run("npm", ["install", "--no-audit", "--no-fund", tarball], {
      env: home.env,
      cwd: consumer,
      timeoutMs: 240_000,
    });
    expect(install.status, install.stderr).toBe(0);
    installStderr = install.stderr;
  }, 600_000);

  it("`npm pack` builds dist/ with its declarations (prepack) and ships LICENSE and README", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "package.json",
        "bin/codeartifact-login.js",
        "dist/cli.js",
        "dist/index.js",
        "dist/types/index.d.ts",
        "dist/types/configstore/index.d.ts",
      ]),
    );
    expect(paths.filter((p) => /^(src|test|examples|bench|scripts)\//.test(p))).toEqual([]);
  });

  it("installing the tarball runs no script of this package (no `prepare`, no install scripts)", () => {
    const scripts = Object.keys(manifest.scripts);
    expect(scripts).toContain("prepack");
    expect(scripts.filter((s) => /^(pre|post)?(prepare|install)$/.test(s))).toEqual([]);
    expect(installStderr).not.toMatch(/codeartifact-keyring.*(prepare|install script)/);
  });

  it("the manifest links the repository, homepage and issues, and LICENSE is the MIT text it names", () => {
    expect(manifest.license).toBe("MIT");
    expect(manifest.repository).toMatchObject({
      type: "git",
      url: expect.stringMatching(/^git\+https:\/\//),
    });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\/.*\/issues$/);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    // The README's install line names the same repository.
    expect(readme).toContain(`npm install -g ${manifest.repository.url}`);
  });

  it("the release workflow publishes with provenance from a tag, building through prepack", () => {
    const workflow = parseYaml(readFileSync(join(ROOT, ".github", "workflows", "release.yml"), "utf8"));
    expect(workflow.permissions["id-token"]).toBe("write");
    const runs: string[] = workflow.jobs.publish.steps.flatMap((s: { run?: string }) =>
      s.run ? [s.run] : [],
    );
    expect(runs).toContain("npm ci");
    expect(runs.some((r) => /^npm publish --provenance\b/.test(r))).toBe(true);
    expect(Object.keys(workflow.on.push)).toEqual(["tags"]);
  });

  it("the published types compile for a consumer under `tsc --strict`, without skipLibCheck", async () => {
    const { names, sample } = readmeApi();
    // The README names these; a change of the section that loses them must fail here.
    expect(names).toEqual(
      expect.arrayContaining(["getAuthorizationToken", "setYarnAuthTokens", "tokenEnvironment"]),
    );
    expect(names.length).toBeGreaterThan(15);
    const source = [
      "// The README's sample, as is:",
      sample,
      `import { ${names.filter((n) => !sample.includes(`${n},`) && !sample.includes(`${n} }`)).join(", ")} } from "codeartifact-keyring";`,
      'import * as configstore from "codeartifact-keyring/configstore";',
      `export const used = [${names.join(", ")}, configstore];`,
      "",
    ].join("\n");
    writeFileSync(join(consumer, "consumer.ts"), source);
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          noEmit: true,
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    // A consumer has @types/node; this one borrows the repository's.
    mkdirSync(join(consumer, "node_modules", "@types"), { recursive: true });
    symlinkSync(
      join(ROOT, "node_modules", "@types", "node"),
      join(consumer, "node_modules", "@types", "node"),
    );
    const tsc = await run(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
      {
        env: home.env,
        cwd: consumer,
        timeoutMs: 120_000,
      },
    );
    expect(tsc.stdout + tsc.stderr, source).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("the library fetches a token without the AWS SDK's Node-version warning", async () => {
    const aws = await startFakeAws();
    try {
      writeFileSync(
        join(consumer, "fetch.mjs"),
        [
          'import { getAuthorizationToken } from "codeartifact-keyring";',
          'const { source } = await getAuthorizationToken("https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/");',
          "console.log(source);",
        ].join("\n"),
      );
      const result = await run(process.execPath, ["fetch.mjs"], {
        env: { ...home.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE: "none" },
        cwd: consumer,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe("aws\n");
      expect(aws.count("GetAuthorizationToken")).toBe(1);
      // On Node 20 and 21 the SDK would print it here; on 22+ it never does, and this proves less.
      expect(result.stderr).toBe("");
    } finally {
      await aws.close();
    }
  });
});
