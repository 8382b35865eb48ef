// Commands that run other commands through /bin/sh. `exec` hands tokens over as environment variables
// named like npm's (`npm_config_//host/path/:_authToken`), and Debian's /bin/sh (dash) drops
// variables whose names are not shell identifiers: a package manager started by such a shell, or by a
// script runner (`npm run`, which uses `sh -c`), gets no token and fails with E401.

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "fish", "busybox"]);
const PACKAGE_MANAGERS = new Set(["npm", "pnpm", "yarn", "bun"]);
/** Subcommands that run a package.json script or another program (npm's aliases included). */
const RUNNING = new Set([
  "run",
  "run-script",
  "rum",
  "urn",
  "test",
  "tst",
  "t",
  "start",
  "restart",
  "stop",
  "exec",
  "x",
  "dlx",
]);

/**
 * How `program args…` would start another command through a shell, in words (`a shell`, `` `npm run` ``),
 * or undefined when it runs directly.
 *
 * @example
 * scriptRunnerOf("/bin/sh", ["-c", "npm ci"]) // "a shell (`sh`)"
 * scriptRunnerOf("npm", ["run", "install-all"]) // "`npm run`"
 * scriptRunnerOf("npm", ["ci"]) // undefined
 */
export function scriptRunnerOf(program: string, args: readonly string[]): string | undefined {
  const name = (program.split(/[\\/]/).at(-1) ?? program).replace(/\.(exe|cmd)$/i, "");
  if (SHELLS.has(name)) return `a shell (\`${name}\`)`;
  const [sub] = args;
  if (PACKAGE_MANAGERS.has(name) && sub !== undefined && RUNNING.has(sub)) return `\`${name} ${sub}\``;
  return undefined;
}
