// Flow 5: `"preinstall": "codeartifact-login --quiet"` in package.json, with codeartifact-login on PATH
// (a global install), measured with the real clients. What it achieves and what it cannot:
//
//   first install, no token yet:  npm, pnpm 10 and pnpm 12.4 fail with a 401 before the hook runs (it
//                                 never runs). (pnpm 12.21, measured outside CI, runs the root
//                                 preinstall before fetching; having read its config already, that
//                                 install fails and the NEXT one succeeds.)
//   token inside the refresh margin: the install succeeds with the old token and the hook writes a new
//                                 one, so the NEXT install works after the old token expired.
//   token already expired:        as with no token: stays broken until someone runs `codeartifact-login`.
import { mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";
import type { E2eSetup } from "./harness/index.js";
import { PACKAGES } from "./harness/index.js";
import { type Client, INSTALL, newUser, type User } from "./harness/user.js";
import { forgetDownloads, useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");
const CLIENTS = ["npm", "pnpm10", "pnpm12"] as const satisfies Client[];
/**
 * Whether the client runs the root preinstall before it fetches anything (measured with the pinned
 * versions: pnpm 12.4.2 is the newest whose platform packages this registry serves; 12.21 does run it
 * before fetching).
 */
const HOOK_BEFORE_FETCH: Record<(typeof CLIENTS)[number], boolean> = {
  npm: false,
  pnpm10: false,
  pnpm12: false,
};
const FAILURE: Record<(typeof CLIENTS)[number], string> = {
  npm: "E401",
  pnpm10: "ERR_PNPM_FETCH_401",
  pnpm12: "ERR_PNPM_FETCH_401",
};

/** `codeartifact-login` on PATH, as `npm i -g codeartifact-keyring` puts it there. */
const globalBin = (() => {
  const dir = join(makeTempDir("cak-global-"), "bin");
  mkdirSync(dir);
  symlinkSync(BIN, join(dir, "codeartifact-login"));
  return dir;
})();

function hookedUser(setup: E2eSetup): User {
  const user = newUser(setup, { PATH: `${globalBin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
  user.writeConfig();
  user.writeProject({ scripts: { preinstall: "codeartifact-login --quiet" } });
  return user;
}

function npmrcToken(user: User): string | undefined {
  try {
    return /:_authToken=(\S+)/.exec(readFileSync(join(user.home, ".npmrc"), "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe("a preinstall hook running `codeartifact-login` (flow 5)", () => {
  it.each(CLIENTS)("%s: the first install without a token", async (client) => {
    const setup = e2e();
    const user = hookedUser(setup);
    const before = setup.issued.length;

    const first = await user.client(client, INSTALL[client]);
    expect(first.status).not.toBe(0);
    expect(first.stdout + first.stderr).toContain(FAILURE[client]);
    // The hook ran (and wrote a token) only where the client runs it before fetching.
    const ran = setup.issued.length > before;
    expect(ran).toBe(HOOK_BEFORE_FETCH[client]);
    expect(npmrcToken(user) !== undefined).toBe(HOOK_BEFORE_FETCH[client]);

    forgetDownloads(user);
    const next = await user.client(client, INSTALL[client]);
    expect(next.status === 0, next.stdout + next.stderr).toBe(HOOK_BEFORE_FETCH[client]);
    if (next.status === 0) expect((await user.loadPackages()).stdout).toBe(EXPECTED);
  });

  it("inside the refresh margin, the install succeeds with the old token and the hook leaves a new one for the next install", async () => {
    const setup = e2e();
    // Refreshed at half-life: 10 s to wait, and 10 s in which the old token still serves the installs.
    const SHORT = 20;
    const first = setup.issued.length;
    setup.tokenLifetime = (index) => (index < first + CLIENTS.length ? SHORT : 43_200);
    const users = CLIENTS.map(() => hookedUser(setup));
    const old: string[] = [];
    for (const user of users) {
      const login = await user.cli(["--quiet"]);
      expect(login.status, login.stderr).toBe(0);
      old.push(npmrcToken(user) ?? "");
    }
    const oldest = setup.issued[first];
    if (!oldest) throw new Error("no token issued");
    const last = setup.issued[first + CLIENTS.length - 1];
    if (!last) throw new Error("no token issued");

    // Past half-life of every short token, before the first expires.
    await sleepUntil(last.expiresAt.getTime() - (SHORT * 1000) / 2 + 500);
    expect(Date.now()).toBeLessThan(oldest.expiresAt.getTime());
    await Promise.all(
      CLIENTS.map(async (client, i) => {
        const user = users[i] as User;
        const install = await user.client(client, INSTALL[client]);
        expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
        const refreshed = npmrcToken(user);
        expect(refreshed, `${client}: the hook wrote a new token`).not.toBe(old[i]);
        expect(setup.issued.map((t) => t.token)).toContain(refreshed);
      }),
    );

    // The old tokens have expired; the next installs work because the hook refreshed.
    await sleepUntil(last.expiresAt.getTime() + 200);
    await Promise.all(
      CLIENTS.map(async (client, i) => {
        const user = users[i] as User;
        forgetDownloads(user);
        const install = await user.client(client, INSTALL[client]);
        expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
        expect((await user.loadPackages()).stdout).toBe(EXPECTED);
      }),
    );
  });

  it("after the token expired, the install fails before the hook runs, and so does the next", async () => {
    const setup = e2e();
    const SHORT = 2;
    const first = setup.issued.length;
    setup.tokenLifetime = (index) => (index < first + CLIENTS.length ? SHORT : 43_200);
    const users = CLIENTS.map(() => hookedUser(setup));
    for (const user of users) {
      const login = await user.cli(["--quiet"]);
      expect(login.status, login.stderr).toBe(0);
    }
    const last = setup.issued[first + CLIENTS.length - 1];
    if (!last) throw new Error("no token issued");
    await sleepUntil(last.expiresAt.getTime() + 200);

    await Promise.all(
      CLIENTS.map(async (client, i) => {
        const user = users[i] as User;
        const expired = npmrcToken(user);
        const install = await user.client(client, INSTALL[client]);
        expect(install.status, client).not.toBe(0);
        expect(install.stdout + install.stderr).toContain(FAILURE[client]);
        expect(npmrcToken(user) !== expired, `${client}: the hook ran`).toBe(HOOK_BEFORE_FETCH[client]);
        forgetDownloads(user);
        const next = await user.client(client, INSTALL[client]);
        expect(next.status === 0, `${client}: ${next.stdout}${next.stderr}`).toBe(HOOK_BEFORE_FETCH[client]);
      }),
    );
  });
});

/**
 * The README's recipe for a hook in a shared package.json: run `codeartifact-login` when it is on PATH
 * (a global install, or the package as a devDependency: scripts see node_modules/.bin), skip it quietly
 * when it is not, instead of failing every install of a teammate or CI job without it. A failing
 * refresh prints its error but does not fail the install, which got this far with the token it had.
 * Plain sh and yarn berry's own shell both run it (yarn's has no `command -v`).
 */
const GUARDED_PREINSTALL =
  "codeartifact-login --version >/dev/null 2>&1 && codeartifact-login --quiet || true";
const GUARD_CLIENTS = ["npm", "pnpm10", "pnpm12", "yarn"] as const satisfies Client[];

describe("a preinstall hook that works with and without codeartifact-login on PATH", () => {
  /** A user logged in (token in ~/.npmrc, and ~/.yarnrc.yml for yarn) whose project has `preinstall`. */
  async function loggedIn(client: Client, preinstall: string, path?: string): Promise<User> {
    const setup = e2e();
    const user = newUser(setup, path ? { PATH: path } : {});
    user.writeConfig();
    user.writeProject({ scripts: { preinstall }, ...(client === "yarn" ? { rc: "yarnrc" as const } : {}) });
    const login = await user.cli(["--quiet", ...(client === "yarn" ? ["--yarn"] : [])]);
    expect(login.status, login.stderr).toBe(0);
    return user;
  }

  it.each(GUARD_CLIENTS)(
    "%s: without it on PATH, the bare hook fails the install (not found) and the guarded one skips",
    async (client) => {
      const bare = await loggedIn(client, "codeartifact-login --quiet");
      const broken = await bare.client(client, INSTALL[client]);
      expect(broken.status, `${client}: ${broken.stdout}${broken.stderr}`).not.toBe(0);
      expect(broken.stdout + broken.stderr).toMatch(
        /codeartifact-login: (command )?not found|command not found: codeartifact-login|exit code 127/,
      );

      const guarded = await loggedIn(client, GUARDED_PREINSTALL);
      const install = await guarded.client(client, INSTALL[client]);
      expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
      expect((await guarded.loadPackages()).stdout).toBe(EXPECTED);
    },
  );

  it.each(GUARD_CLIENTS)("%s: with it on PATH, the guarded hook runs it", async (client) => {
    const setup = e2e();
    const user = await loggedIn(
      client,
      GUARDED_PREINSTALL,
      `${globalBin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    );
    // Without its cache, the hook's login has to fetch: a new token issued proves it ran.
    rmSync(join(user.home, ".cache", "codeartifact-keyring"), { recursive: true, force: true });
    const before = setup.issued.length;
    const install = await user.client(client, INSTALL[client]);
    expect(install.status, `${client}: ${install.stdout}${install.stderr}`).toBe(0);
    expect(setup.issued.length, `${client}: the hook fetched a token`).toBe(before + 1);
  });
});
