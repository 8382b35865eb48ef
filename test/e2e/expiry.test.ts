// Flow 7: the endpoint hands out a short-lived token (the gateway rejects it after its expiry, as
// CodeArtifact does). Inside the refresh margin the next `login`, or the next pnpm helper call, fetches a
// new token, so installs keep working after the first token has expired.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGES } from "./harness/index.js";
import { INSTALL, newUser } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");
/** Seconds the first token lives. With the default 900 s margin, a token this short is refreshed at half-life. */
const SHORT = 12;

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Whether the registry accepts `token` right now (a metadata request through the gateway). */
async function accepts(registryUrl: string, token: string): Promise<boolean> {
  const response = await fetch(`${registryUrl}${PACKAGES[0].name.replace("/", "%2f")}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.ok;
}

describe("token expiry (flow 7)", () => {
  it("`login` serves the cached token while fresh, fetches a new one at half-life, and npm installs after the first expired", async () => {
    const setup = e2e();
    const first = setup.issued.length;
    setup.tokenLifetime = (index) => (index === first ? SHORT : 43_200);
    const user = newUser(setup);
    user.writeConfig();
    user.writeProject();
    const nerf = setup.registryUrl.replace(/^http:/, "");
    const npmrcToken = () =>
      /:_authToken=(\S+)/.exec(readFileSync(join(user.home, ".npmrc"), "utf8"))?.[1] ?? "";

    const login = await user.cli([]);
    expect(login.status, login.stderr).toBe(0);
    const short = setup.issued[first];
    if (!short) throw new Error("the endpoint issued no token");
    expect(npmrcToken()).toBe(short.token);
    expect(readFileSync(join(user.home, ".npmrc"), "utf8")).toContain(`${nerf}:_authToken=`);
    const lifetimeMs = SHORT * 1000;
    const issuedAt = short.expiresAt.getTime() - lifetimeMs;

    // Still more than half its life left: the cache answers, no new fetch.
    const again = await user.cli([]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("cached token");
    expect(setup.issued.length).toBe(first + 1);
    expect(Date.now()).toBeLessThan(issuedAt + lifetimeMs / 2);

    // Inside the refresh margin (past half-life, not yet expired): the next login fetches.
    await sleepUntil(issuedAt + lifetimeMs / 2 + 500);
    const refresh = await user.cli([]);
    expect(refresh.status, refresh.stderr).toBe(0);
    expect(refresh.stderr).toContain("new token");
    expect(setup.issued.length).toBe(first + 2);
    const fresh = setup.issued[first + 1]?.token ?? "";
    expect(npmrcToken()).toBe(fresh);

    // Once the first token has expired, the registry refuses it; the install uses the new one.
    await sleepUntil(short.expiresAt.getTime() + 200);
    expect(await accepts(setup.registryUrl, short.token)).toBe(false);
    const mark = setup.gateway.requests.length;
    const install = await user.client("npm", INSTALL.npm);
    expect(install.status, install.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    const used = setup.gateway.requests.slice(mark).filter((r) => r.status === 200);
    expect(new Set(used.map((r) => r.bearer))).toEqual(new Set([fresh]));
  });

  it("the pnpm token helper fetches a new token inside the margin, and pnpm 12 installs after the first expired", async () => {
    const setup = e2e();
    const first = setup.issued.length;
    setup.tokenLifetime = (index) => (index === first ? SHORT : 43_200);
    const user = newUser(setup);
    user.writeConfig();
    user.writeProject();
    const helper = await user.cli(["setup", "pnpm", "--pnpm-version", "10.34.9"]);
    expect(helper.status, helper.stderr).toBe(0);

    const install = await user.client("pnpm12", INSTALL.pnpm12);
    expect(install.status, install.stdout + install.stderr).toBe(0);
    const short = setup.issued[first];
    if (!short) throw new Error("the helper fetched no token");
    expect(setup.issued.length).toBe(first + 1);
    const issuedAt = short.expiresAt.getTime() - SHORT * 1000;

    // Inside the refresh margin, before the expiry: the helper's next call fetches.
    await sleepUntil(issuedAt + (SHORT * 1000) / 2 + 500);
    forgetDownloads(user);
    let mark = setup.gateway.requests.length;
    const refreshed = await user.client("pnpm12", INSTALL.pnpm12);
    expect(refreshed.status, refreshed.stdout + refreshed.stderr).toBe(0);
    expect(Date.now()).toBeLessThan(short.expiresAt.getTime());
    expect(setup.issued.length).toBe(first + 2);
    const fresh = setup.issued[first + 1]?.token;
    const sent = setup.gateway.requests.slice(mark).filter((r) => r.status === 200);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((r) => r.bearer))).toEqual(new Set([fresh]));

    // After the first token expired, installs go on with the new one, served from the cache.
    await sleepUntil(short.expiresAt.getTime() + 200);
    expect(await accepts(setup.registryUrl, short.token)).toBe(false);
    forgetDownloads(user);
    mark = setup.gateway.requests.length;
    const after = await user.client("pnpm12", INSTALL.pnpm12);
    expect(after.status, after.stdout + after.stderr).toBe(0);
    expect((await user.loadPackages()).stdout).toBe(EXPECTED);
    expect(setup.issued.length).toBe(first + 2);
    const used = setup.gateway.requests.slice(mark).filter((r) => r.status === 200);
    expect(used.length).toBeGreaterThan(0);
    expect(new Set(used.map((r) => r.bearer))).toEqual(new Set([fresh]));
  });
});
