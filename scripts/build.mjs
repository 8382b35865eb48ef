#!/usr/bin/env node
// Builds dist/: esbuild bundles each entry point with code splitting (so commands and the AWS SDK
// path load only when used), then tsc emits the declaration files the `exports` map points at.
// `--js-only` skips the declarations (the test script uses it: tsc is slow and `npm run lint` types).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const jsOnly = process.argv.includes("--js-only");

rmSync(join(root, "dist"), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    index: "src/index.ts",
    configstore: "src/configstore/index.ts",
    cli: "src/cli/main.ts",
    "pnpm-token-helper": "src/cli/pnpm-token-helper.ts",
  },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: false,
  legalComments: "none",
  define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  logLevel: "warning",
});

if (!jsOnly) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
