// Locks after a crash and a clock that stepped back: a lock whose mtime is implausibly far ahead has
// no live holder (a live one touches it with the current time every few seconds), so it is stale.
// The user-secrets lock waits longer than a dead holder's lock takes to go stale, and a lock that is
// really held is named, with the fix.
import { mkdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { describe, expect, it } from "vitest";
import { lockPathFor, withKeyLock } from "../../src/cache/lock.js";
import { fromUserSecrets, initUserSecrets } from "../../src/configstore/backends/user-secrets.js";
import { BackendError } from "../../src/configstore/errors.js";
import { makeTempDir } from "../support/tmp.js";

const HOUR_AHEAD = () => new Date(Date.now() + 3600_000);

/** A lock directory as proper-lockfile leaves it, with its mtime set. */
function plantLock(file: string, mtime: Date): string {
  const lock = `${file}.lock`;
  mkdirSync(lock, { recursive: true });
  utimesSync(lock, mtime, mtime);
  return lock;
}

async function userSecrets() {
  const base = makeTempDir("cak-locks-");
  const projectDir = join(base, "project");
  mkdirSync(projectDir);
  const options = { projectDir, root: join(base, "user-secrets") };
  const { secretsFile } = await initUserSecrets(options);
  return { secrets: fromUserSecrets(options), secretsFile };
}

describe("a lock with an mtime an hour ahead (the clock stepped back after a crash)", () => {
  it.concurrent("the token cache's lock is taken, not waited out", async () => {
    const dir = makeTempDir("cak-locks-");
    const key = "v1|corp|111122223333|us-east-1|default";
    mkdirSync(join(dir, "locks"), { recursive: true });
    plantLock(lockPathFor(dir, key), HOUR_AHEAD());
    // A wait of 3 s: without the rule, the wait runs out and fn runs without the lock.
    const outcome = await withKeyLock(dir, key, async () => "fetched", { waitMs: 3000 });
    expect(outcome).toEqual({ value: "fetched", locked: true });
  });

  it.concurrent("the user-secrets lock is taken, and the write lands", async () => {
    const { secrets, secretsFile } = await userSecrets();
    plantLock(secretsFile, HOUR_AHEAD());
    await secrets.set("A", "1");
    expect((await secrets.list()).A?.reveal()).toBe("1");
  });
});

describe("the user-secrets lock", () => {
  it.concurrent("a dead holder's lock (mtime now, never refreshed) goes stale within the wait: the write lands", async () => {
    const { secrets, secretsFile } = await userSecrets();
    plantLock(secretsFile, new Date());
    await secrets.set("B", "2");
    expect((await secrets.list()).B?.reveal()).toBe("2");
  }, 30_000);

  it.concurrent("a lock really held names the file and the fix", async () => {
    const { secrets, secretsFile } = await userSecrets();
    const release = await lockfile.lock(secretsFile, { realpath: false, update: 1000, stale: 10_000 });
    try {
      const error = await secrets.set("C", "3").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toBe(
        `user-secrets: cannot write \`C\`: \`${secretsFile}\` is locked by another process (\`${secretsFile}.lock\`, held for over 15 s). Try again, or remove \`${secretsFile}.lock\` if no other codeartifact-login is running.`,
      );
    } finally {
      await release();
    }
  }, 30_000);
});
