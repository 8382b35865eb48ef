// Flow 2: `codeartifact-login setup pnpm` installs token helpers in the user .npmrc; the real pnpm 10
// and pnpm 12 then ask the helper for the token on each install. The token lives only in the OS
// keychain (a real Secret Service), so no file of the HOME or the project holds it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGES } from "./harness/index.js";
import { keychainSkipReason, useKeychainPerTest } from "./harness/keychain.js";
import { filesContaining } from "./harness/scan.js";
import { type Client, INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const skip = keychainSkipReason();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");

describe.skipIf(skip !== undefined)("pnpm with `setup pnpm` token helpers (flow 2)", () => {
  const keychain = useKeychainPerTest();

  it("pnpm 10 and pnpm 12 fail with ERR_PNPM_FETCH_401 before setup, install after it, and no file holds the token", async () => {
    const setup = e2e();
    const user = newUser(setup, await keychain());
    user.writeConfig();
    user.writeProject();
    const calls = setup.aws.count("GetAuthorizationToken");

    for (const client of ["pnpm10", "pnpm12"] as const) {
      const without = await user.client(client, INSTALL[client]);
      expect(without.status, `${client} without a token`).not.toBe(0);
      expect(without.stdout + without.stderr).toContain("ERR_PNPM_FETCH_401");
      forgetDownloads(user);
    }

    const helper = await user.cli(["setup", "pnpm", "--pnpm-version", "10.34.9"]);
    expect(helper.status, helper.stderr).toBe(0);
    const npmrc = readFileSync(join(user.home, ".npmrc"), "utf8");
    const nerf = setup.registryUrl.replace(/^http:/, "");
    expect(npmrc).toMatch(
      new RegExp(`^${nerf.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:tokenHelper=/\\S+$`, "m"),
    );
    expect(npmrc).not.toContain("_authToken");
    // Setting up fetches nothing: the first pnpm install does, through the helper.
    expect(setup.aws.count("GetAuthorizationToken")).toBe(calls);

    const installed: Record<string, number> = {};
    for (const client of ["pnpm10", "pnpm12"] as Client[]) {
      const mark = setup.gateway.requests.length;
      const install = await user.client(client, INSTALL[client]);
      expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
      expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      installed[client] = setup.aws.count("GetAuthorizationToken") - calls;
      const token = setup.issued.at(-1)?.token;
      const sent = setup.gateway.requests.slice(mark).filter((r) => r.status === 200);
      expect(sent.length, `${client} fetched from the registry`).toBeGreaterThan(0);
      expect(new Set(sent.map((r) => r.bearer))).toEqual(new Set([token]));
      forgetDownloads(user);
    }
    // Fetches so far (cumulative): pnpm 10 called the helper twice and pnpm 12 once, but only the first
    // call fetched: the keychain served the others.
    expect(installed).toEqual({ pnpm10: 1, pnpm12: 1 });

    const token = setup.issued.at(-1)?.token ?? "";
    expect(filesContaining([user.home, user.project], token)).toEqual([]);
  });

  it("pnpm 12 also honours the helper line in its global auth.ini ($XDG_CONFIG_HOME/pnpm/auth.ini); pnpm 10 does not", async () => {
    const setup = e2e();
    const user = newUser(setup, await keychain());
    user.writeConfig();
    user.writeProject();
    const helper = await user.cli(["setup", "pnpm", "--pnpm-version", "10.34.9"]);
    expect(helper.status, helper.stderr).toBe(0);
    // Move the line from ~/.npmrc to pnpm's auth.ini, which npm does not read.
    const line = readFileSync(join(user.home, ".npmrc"), "utf8")
      .split("\n")
      .find((l) => l.includes(":tokenHelper="));
    expect(line).toBeDefined();
    writeFileSync(join(user.home, ".npmrc"), "");
    const authIni = join(user.home, ".config", "pnpm", "auth.ini");
    mkdirSync(join(user.home, ".config", "pnpm"), { recursive: true });
    writeFileSync(authIni, `${line}\n`);

    const pnpm10 = await user.client("pnpm10", INSTALL.pnpm10);
    expect(pnpm10.status).not.toBe(0);
    expect(pnpm10.stdout + pnpm10.stderr).toContain("ERR_PNPM_FETCH_401");
    forgetDownloads(user);

    const pnpm12 = await user.client("pnpm12", INSTALL.pnpm12);
    expect(pnpm12.status, pnpm12.stdout + pnpm12.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
  });
});
