#!/usr/bin/env node
// Thin on purpose: everything lives in the built CLI, which loads each command only when it runs.
// `token`, which runs before every install, first tries a smaller build of the same command that
// leaves commander and the other commands out (src/cli/token-entry.ts); it declines what it cannot parse.
const token = process.argv[2] === "token" ? await import("../dist/token.js") : undefined;
const code = await token?.main(process.argv);
process.exitCode = code ?? (await (await import("../dist/cli.js")).main(process.argv));
