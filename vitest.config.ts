import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Child processes, real servers and a real Secret Service: isolate with forks, allow slow machines.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
