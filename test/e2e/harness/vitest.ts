// One e2e setup per test file: started before its tests, stopped after them, also when they fail.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type E2eOptions, type E2eSetup, startE2e } from "./index.js";
import type { User } from "./user.js";

export function useE2e(options: E2eOptions = {}): () => E2eSetup {
  let setup: E2eSetup | undefined;
  beforeAll(async () => {
    setup = await startE2e(options);
  });
  afterAll(async () => {
    await setup?.stop();
  });
  return () => {
    if (!setup) throw new Error("the e2e setup did not start (see the beforeAll error)");
    return setup;
  };
}

/**
 * Forgets everything a user downloaded: node_modules, npm's cache, pnpm's store and metadata cache.
 * npm and pnpm install from their caches without asking the registry, so without this a second
 * install would prove nothing about credentials.
 */
export function forgetDownloads(user: User): void {
  for (const dir of [
    join(user.project, "node_modules"),
    join(user.project, ".yarn"),
    join(user.home, ".npm"),
    join(user.home, ".local", "share", "pnpm"),
    join(user.home, ".cache", "pnpm"),
    join(user.home, ".cache", "yarn"),
    join(user.home, ".bun"),
    join(user.home, ".cache", ".bun"),
  ]) {
    rmSync(dir, { recursive: true, force: true });
  }
}
