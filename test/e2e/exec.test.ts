// Flow 3: `codeartifact-login exec -- <install>` passes the token to one process in its environment
// (`npm_config_//host/path/:_authToken`), so nothing is written: the token lives in the keychain and
// that process's memory only.
import { realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clientMissing } from "../support/clients.js";
import { PACKAGES } from "./harness/index.js";
import { keychainSkipReason, useKeychainPerTest } from "./harness/keychain.js";
import { startPortlessE2e } from "./harness/port80.js";
import { filesContaining } from "./harness/scan.js";
import { clientCommand, INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const skip = keychainSkipReason();
/** Whether /bin/sh is dash, which drops variables whose names hold `/` (Debian's, as lifecycle scripts run). */
const dash = (() => {
  try {
    return realpathSync("/bin/sh").endsWith("dash");
  } catch {
    return false;
  }
})();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");

describe.skipIf(skip !== undefined)("`exec --` (flow 3)", () => {
  const keychain = useKeychainPerTest();

  it("`exec -- npm install` and `exec -- npm ci` succeed where plain npm gets E401, and no file holds the token", async () => {
    const setup = e2e();
    const user = newUser(setup, await keychain());
    user.writeConfig();
    user.writeProject();

    const without = await user.client("npm", INSTALL.npm);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain("E401");
    forgetDownloads(user);

    const install = await user.cli(["exec", "--", ...clientCommand("npm"), ...INSTALL.npm]);
    expect(install.status, install.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    forgetDownloads(user);
    const ci = await user.cli(["exec", "--", "npm", "ci", "--no-audit", "--no-fund"]);
    expect(ci.status, ci.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);

    expect(setup.aws.count("GetAuthorizationToken")).toBe(1);
    const token = setup.issued.at(-1)?.token ?? "";
    expect(install.stdout + install.stderr + ci.stdout + ci.stderr).not.toContain(token);
    expect(filesContaining([user.home, user.project], token)).toEqual([]);
  });

  it("`exec -- pnpm install` with pnpm 12 succeeds where plain pnpm gets ERR_PNPM_FETCH_401, no token on disk", async () => {
    const setup = e2e();
    const user = newUser(setup, await keychain());
    user.writeConfig();
    user.writeProject();

    const without = await user.client("pnpm12", INSTALL.pnpm12);
    expect(without.status).not.toBe(0);
    expect(without.stdout + without.stderr).toContain("ERR_PNPM_FETCH_401");
    forgetDownloads(user);

    const install = await user.cli(["exec", "--", ...clientCommand("pnpm12"), ...INSTALL.pnpm12]);
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    const token = setup.issued.at(-1)?.token ?? "";
    expect(filesContaining([user.home, user.project], token)).toEqual([]);
  });

  it("pnpm 10 misreads the env credential when the registry URL has a port (a pnpm 10 limitation, not ours): ERR_PNPM_FETCH_401", async () => {
    // @pnpm/npm-conf 3's envKeyToSetting splits `//127.0.0.1:PORT/npm/private/:_authToken` at the first
    // `:` and lower-cases the rest into `PORT/npm/private/:-authtoken`, so the token never reaches its
    // registry. CodeArtifact URLs carry no port; the next test proves pnpm 10 works without one.
    const setup = e2e();
    expect(new URL(setup.registryUrl).port).not.toBe("");
    const user = newUser(setup, await keychain());
    user.writeConfig();
    user.writeProject();
    const install = await user.cli(["exec", "--", ...clientCommand("pnpm10"), ...INSTALL.pnpm10]);
    expect(install.status).not.toBe(0);
    expect(install.stdout + install.stderr).toContain("ERR_PNPM_FETCH_401");
    expect(install.stdout + install.stderr).toContain("No authorization header was set");
  });

  it("`exec -- pnpm install` with pnpm 10 succeeds for a registry URL without a port, as CodeArtifact's", async (context) => {
    const portless = await startPortlessE2e();
    if ("reason" in portless) {
      console.log(`skipping pnpm 10 against a URL without a port: ${portless.reason}`);
      context.skip();
      return;
    }
    const { setup } = portless;
    try {
      expect(new URL(setup.registryUrl).port).toBe("");
      const user = newUser(setup, await keychain());
      user.writeConfig();
      user.writeProject();
      const without = await user.client("pnpm10", INSTALL.pnpm10);
      expect(without.status).not.toBe(0);
      expect(without.stdout + without.stderr).toContain("ERR_PNPM_FETCH_401");
      forgetDownloads(user);

      const install = await user.cli(["exec", "--", ...clientCommand("pnpm10"), ...INSTALL.pnpm10]);
      expect(install.status, install.stdout + install.stderr).toBe(0);
      expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      const token = setup.issued.at(-1)?.token ?? "";
      expect(filesContaining([user.home, user.project], token)).toEqual([]);
    } finally {
      await setup.stop();
    }
  });

  it.skipIf(!dash)(
    "through /bin/sh (dash, as lifecycle scripts run), `npm_config_//…` is dropped; `${CODEARTIFACT_AUTH_TOKEN}` in the project .npmrc survives",
    async () => {
      const setup = e2e();
      const user = newUser(setup, await keychain());
      user.writeConfig();
      user.writeProject();
      const viaShell = ["exec", "--", "sh", "-c", "npm install --no-audit --no-fund"];

      const dropped = await user.cli(viaShell);
      expect(dropped.status).not.toBe(0);
      expect(dropped.stderr).toContain("E401");
      forgetDownloads(user);
      rmSync(join(user.project, "package-lock.json"), { force: true });

      const nerf = setup.registryUrl.replace(/^http:/, "");
      user.writeProject({ npmrc: [`${nerf}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}`] });
      const referenced = await user.cli(viaShell);
      expect(referenced.status, referenced.stderr).toBe(0);
      expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      writeFileSync(join(user.project, ".npmrc"), "");
    },
  );
});

// pnpm 11.10+ read `pnpm_config__auth`, one JSON variable with a plain name, which survives dash.
describe("`exec --` through dash with pnpm 11: pnpm_config__auth", () => {
  const missing = clientMissing("pnpm 11") ?? (dash ? undefined : "/bin/sh is not dash");

  it.skipIf(missing !== undefined)(
    `\`exec -- sh -c 'pnpm install'\` with pnpm 11 installs; with the user's own (empty) pnpm_config__auth, which exec leaves alone, it gets a 401${missing ? ` (skipped: ${missing})` : ""}`,
    async () => {
      const setup = e2e();
      const user = newUser(setup, { CODEARTIFACT_KEYRING_CACHE: "none" });
      user.writeConfig();
      user.writeProject();
      const pnpm = [...clientCommand("pnpm 11"), ...INSTALL["pnpm 11"]].map((part) => `'${part}'`).join(" ");
      const viaShell = ["exec", "--", "sh", "-c", pnpm];

      const dropped = await user.cli(viaShell, { env: { PNPM_CONFIG__AUTH: "{}" } });
      expect(dropped.status, dropped.stdout + dropped.stderr).not.toBe(0);
      expect(dropped.stdout + dropped.stderr).toContain("ERR_PNPM_FETCH_401");
      expect(dropped.stderr).toContain("`pnpm_config__auth` not set: `PNPM_CONFIG__AUTH` is already set");
      forgetDownloads(user);

      const install = await user.cli(viaShell);
      expect(install.status, install.stdout + install.stderr).toBe(0);
      expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      const token = setup.issued.at(-1)?.token ?? "";
      expect(install.stdout + install.stderr).not.toContain(token);
      expect(filesContaining([user.home, user.project], token)).toEqual([]);
    },
  );
});
