// Flow 1: `codeartifact-login` in the project, then the real npm installs the private packages,
// which it cannot do without the token.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COORDINATES, PACKAGES } from "./harness/index.js";
import { INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();

describe("npm after `codeartifact-login` (flow 1)", () => {
  it("fails with E401 without a token; after login, `npm install` of both packages and `npm ci` succeed", async () => {
    const setup = e2e();
    const user = newUser(setup);
    user.writeConfig();
    user.writeProject({ packages: [] });
    const names = PACKAGES.map((p) => `${p.name}@${p.version}`);

    const without = await user.client("npm", [...INSTALL.npm, ...names]);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain("E401");
    forgetDownloads(user);

    // Discovery: the registry comes from the project's .npmrc, mapped to its coordinates by config.ini.
    const login = await user.cli(["--json"]);
    expect(login.status, login.stderr).toBe(0);
    const result = JSON.parse(login.stdout) as {
      registries: { registryUrl: string; origin: string; domain: string; repository: string; ok: boolean }[];
    };
    expect(result.registries).toEqual([
      expect.objectContaining({
        registryUrl: setup.registryUrl,
        origin: `${join(user.project, ".npmrc")}:1`,
        domain: COORDINATES.domain,
        repository: COORDINATES.repository,
        ok: true,
      }),
    ]);
    expect(setup.aws.count("GetAuthorizationToken")).toBe(1);
    const token = setup.issued.at(-1)?.token ?? "";
    expect(login.stdout + login.stderr).not.toContain(token);
    const nerf = setup.registryUrl.replace(/^http:/, "");
    expect(readFileSync(join(user.home, ".npmrc"), "utf8")).toContain(`${nerf}:_authToken=${token}\n`);

    const install = await user.client("npm", [...INSTALL.npm, ...names]);
    expect(install.status, install.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(
      PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join(""),
    );
    // Tarballs were fetched with our token, under the registry's prefix (the credential's scope).
    const tarballs = setup.gateway.requests.filter((r) => r.path.endsWith(".tgz") && r.status === 200);
    expect(tarballs.map((r) => r.bearer)).toEqual(PACKAGES.map(() => token));
    expect(existsSync(join(user.project, "package-lock.json"))).toBe(true);

    forgetDownloads(user);
    const ci = await user.client("npm", ["ci", "--no-audit", "--no-fund"]);
    expect(ci.status, ci.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(
      PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join(""),
    );
  });
});
