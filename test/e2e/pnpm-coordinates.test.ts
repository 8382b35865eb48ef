// `setup pnpm --registry URL --domain … --domain-owner … --region … --repository …`: the documented way
// for a registry URL that is not CodeArtifact-shaped, with no config section mapping it. The helper
// must carry the coordinates (pnpm runs it with no arguments of its own), so that the real pnpm 10 and
// pnpm 12 install from the private registry with the token it prints.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COORDINATES, PACKAGES } from "./harness/index.js";
import { type Client, INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");

describe("setup pnpm with explicit coordinates", () => {
  it("writes helpers that pass the coordinates, and pnpm 10 and 12 install with them", async () => {
    const setup = e2e();
    const user = newUser(setup);
    // No config.ini: the coordinates exist only on the command line.
    user.writeProject();
    const result = await user.cli([
      "setup",
      "pnpm",
      // The user .npmrc, which pnpm 10 and 12 both read (a pnpm 11.13+ on PATH would choose auth.ini).
      "--pnpm-version",
      "10.34.9",
      "--registry",
      setup.registryUrl,
      "--domain",
      COORDINATES.domain,
      "--domain-owner",
      COORDINATES.domainOwner,
      "--region",
      COORDINATES.region,
      "--repository",
      COORDINATES.repository,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const dir = join(user.home, ".local", "share", "codeartifact-keyring", "pnpm-helpers");
    const [helper] = readdirSync(dir);
    const script = readFileSync(join(dir, helper as string), "utf8");
    expect(script).toContain(
      `'${setup.registryUrl}' '${COORDINATES.domain}' '${COORDINATES.domainOwner}' '${COORDINATES.region}' '${COORDINATES.repository}'`,
    );

    for (const client of ["pnpm10", "pnpm12"] as Client[]) {
      const install = await user.client(client, INSTALL[client]);
      expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
      expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      forgetDownloads(user);
    }
    expect(setup.aws.calls.find((c) => c.operation === "GetAuthorizationToken")?.query).toMatchObject({
      domain: COORDINATES.domain,
      "domain-owner": COORDINATES.domainOwner,
    });
  }, 300_000);
});
