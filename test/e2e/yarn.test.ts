// Flow 4: yarn berry reads no .npmrc; `codeartifact-login --yarn` also writes the token to
// ~/.yarnrc.yml (`npmRegistries`), which the real yarn 4 then uses.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGES } from "./harness/index.js";
import { INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();

describe("yarn berry after `codeartifact-login --yarn` (flow 4)", () => {
  it("yarn 4 fails without a token, installs both packages after `login --yarn`", async () => {
    const setup = e2e();
    const user = newUser(setup);
    user.writeConfig();
    user.writeProject({ rc: "yarnrc" });

    const without = await user.client("yarn", INSTALL.yarn);
    expect(without.status).not.toBe(0);
    expect(without.stdout).toContain("YN0041");
    expect(without.stdout).toContain("Invalid authentication (as an anonymous user)");
    forgetDownloads(user);

    // Discovery reads the project's .yarnrc.yml (npmRegistryServer and npmScopes).
    const login = await user.cli(["--yarn"]);
    expect(login.status, login.stderr).toBe(0);
    const token = setup.issued.at(-1)?.token ?? "";
    const yarnrc = readFileSync(join(user.home, ".yarnrc.yml"), "utf8");
    expect(yarnrc).toContain(`//${new URL(setup.registryUrl).host}/npm/private/`);
    expect(yarnrc).toContain(token);

    const install = await user.client("yarn", INSTALL.yarn);
    expect(install.status, install.stdout).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(
      PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join(""),
    );
    const tarballs = setup.gateway.requests.filter((r) => r.path.endsWith(".tgz") && r.status === 200);
    expect(tarballs.map((r) => r.bearer)).toEqual(PACKAGES.map(() => token));
  });
});
