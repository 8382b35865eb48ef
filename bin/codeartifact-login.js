#!/usr/bin/env node
// Thin on purpose: everything lives in the built CLI, which loads each command only when it runs.
// `token`, which runs before every install, first tries a smaller build of the same command that
// leaves commander and the other commands out (src/cli/token-entry.ts); it declines what it cannot
// parse. This file is CommonJS (bin/package.json): Node 20 starts a CommonJS program ~10 ms faster.
const short = process.argv[2] === "token" ? require("../dist/token.cjs").main(process.argv) : undefined;
Promise.resolve(short).then(async (code) => {
  process.exitCode = code ?? (await (await import("../dist/cli.js")).main(process.argv));
});
