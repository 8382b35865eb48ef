// Flow 8: the package as npx gets it. `npm pack` (without lifecycle scripts: `prepack` would rebuild
// the dist/ other test files are running), then, in a fresh HOME and an empty directory, npx installs
// the tarball with its runtime dependencies from the public npm registry and runs the bin. This proves
// `files`, `bin` and `dependencies`: nothing needed at run time may sit in devDependencies.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, run } from "../support/run.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";
import { PACKAGES } from "./harness/index.js";
import { INSTALL, newUser } from "./harness/user.js";
import { useE2e } from "./harness/vitest.js";

const e2e = useE2e();

interface PackResult {
  filename: string;
  version: string;
  files: { path: string }[];
}

describe("the packed package through npx (flow 8)", () => {
  it("`npx --yes ./codeartifact-keyring-<version>.tgz` shows help and runs a real login in a fresh HOME", async () => {
    expect(existsSync(join(ROOT, "dist", "cli.js")), "dist/ is built (npm test builds it first)").toBe(true);
    const packDir = makeTempDir("cak-pack-");
    const packer = isolatedHome();
    const pack = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], {
      env: packer.env,
      cwd: ROOT,
    });
    expect(pack.status, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as PackResult[];
    if (!packed) throw new Error("npm pack reported nothing");
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "package.json",
        "bin/codeartifact-login.js",
        "dist/cli.js",
        "dist/pnpm-token-helper.cjs",
      ]),
    );
    expect(paths.filter((p) => /^(src|test|examples|bench|scripts)\//.test(p))).toEqual([]);

    const setup = e2e();
    const user = newUser(setup);
    user.writeConfig();
    user.writeProject();
    const empty = makeTempDir("cak-npx-");
    copyFileSync(join(packDir, packed.filename), join(empty, packed.filename));
    const npx = (args: string[]) =>
      run("npx", ["--yes", `./${packed.filename}`, ...args], {
        env: user.env,
        cwd: empty,
        timeoutMs: 300_000,
      });

    const help = await npx(["--help"]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: codeartifact-login");
    const version = await npx(["--version"]);
    expect(version.stdout.trim()).toBe(packed.version);

    // A real login: config.ini maps the registry, the AWS SDK (a runtime dependency) calls the endpoint.
    const login = await npx(["login", "--registry", setup.registryUrl]);
    expect(login.status, login.stderr).toBe(0);
    expect(setup.aws.count("GetAuthorizationToken")).toBe(1);
    const install = await user.client("npm", INSTALL.npm);
    expect(install.status, install.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(
      PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join(""),
    );

    // pnpm helpers that point into npx's cache get a warning: that copy can vanish.
    const helper = await npx(["setup", "pnpm", "--registry", setup.registryUrl]);
    expect(helper.status, helper.stderr).toBe(0);
    expect(helper.stderr).toContain("npx's cache");
  });
});
