// `shell-init [bash|zsh|fish|powershell]`: functions named npm, pnpm, yarn, bun and npx that run a quiet
// login first, then the real command with its arguments and exit code. For people who prefer that to a
// background timer: the token is checked exactly when a package manager is about to need it. A cache hit
// costs one small process; a directory without a CodeArtifact registry costs the same and prints nothing
// (`--optional`); a failed login prints its one line and the command still runs (its token may be valid).
import { basename } from "node:path";
import type { CommandContext } from "../context.js";
import { UsageError } from "../errors.js";

export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = (typeof SHELLS)[number];
export const WRAPPED = ["npm", "pnpm", "yarn", "bun", "npx"] as const;

const LOGIN = "codeartifact-login --quiet --optional";
const HEADER = "# codeartifact-keyring: a quiet `codeartifact-login` before each package manager command.";

/** The functions for `shell`, as text to evaluate. */
export function shellInit(shell: Shell): string {
  switch (shell) {
    case "bash":
    case "zsh":
      return [
        HEADER,
        `# Add to ~/.${shell}rc: eval "$(codeartifact-login shell-init ${shell})"`,
        `__codeartifact_login() { command ${LOGIN}; }`,
        ...WRAPPED.map((name) => `${name}() { __codeartifact_login; command ${name} "$@"; }`),
        "",
      ].join("\n");
    case "fish":
      return [
        HEADER,
        "# Add to ~/.config/fish/config.fish: codeartifact-login shell-init fish | source",
        "function __codeartifact_login",
        `    command ${LOGIN}`,
        "end",
        ...WRAPPED.flatMap((name) => [
          `function ${name} --wraps ${name}`,
          "    __codeartifact_login",
          `    command ${name} $argv`,
          "end",
        ]),
        "",
      ].join("\n");
    case "powershell":
      return [
        HEADER,
        "# Add to $PROFILE: codeartifact-login shell-init powershell | Out-String | Invoke-Expression",
        `function global:Invoke-CodeArtifactLogin { & codeartifact-login --quiet --optional }`,
        ...WRAPPED.map(
          (name) =>
            `function global:${name} { Invoke-CodeArtifactLogin; & (Get-Command ${name} -CommandType Application, ExternalScript | Select-Object -First 1) @args }`,
        ),
        "",
      ].join("\r\n");
  }
}

/** The shell named by `$SHELL` (or PowerShell's own variable), else bash. */
export function defaultShell(env: NodeJS.ProcessEnv): Shell {
  const name = basename(env.SHELL ?? "").replace(/\.exe$/i, "");
  if ((SHELLS as readonly string[]).includes(name)) return name as Shell;
  if (name === "pwsh" || env.PSModulePath) return "powershell";
  return "bash";
}

export async function run(context: CommandContext, _flags: unknown, args: string[]): Promise<number> {
  const [asked] = args;
  const shell = asked === "pwsh" ? "powershell" : (asked ?? defaultShell(context.env));
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`shell-init knows ${SHELLS.join(", ")}, not \`${shell}\``);
  }
  context.out.stdout(shellInit(shell as Shell));
  return 0;
}
