// `exec -- COMMAND ARGS…`: the command gets the tokens in its environment only (no file is written),
// our stdin/stdout/stderr, the signals we receive, and we exit with its exit code.
import { spawn } from "node:child_process";
import { basename } from "node:path";
import { execEnvironment } from "../../package-managers/exec-env.js";
import { scriptRunnerOf } from "../../package-managers/script-runner.js";
import type { CommandContext } from "../context.js";
import { chooseRegistries, type RegistryFlags, resolveAll } from "../registries.js";
import { EXEC_MARK, fetchTokens } from "../tokens.js";

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export async function run(context: CommandContext, flags: RegistryFlags, command: string[]): Promise<number> {
  const { out } = context;
  const [program, ...args] = command;
  if (!program) throw new Error("exec needs a command: codeartifact-login exec -- npm ci");
  // Refused before any token is fetched: the command would only fail with a 401.
  const { assertExecServes } = await import("../../package-managers/exec-client.js");
  assertExecServes(command, { cwd: context.cwd, env: context.env });
  const runner = scriptRunnerOf(program, args);
  if (runner) {
    out.warn(
      `${runner} starts its commands through /bin/sh, and Debian's /bin/sh drops the \`npm_config_//…:_authToken\` variables exec passes: a package manager started there may get no token (E401). Run the package manager itself under exec (\`codeartifact-login exec -- npm ci\`), or run \`codeartifact-login\` first to write the token to ~/.npmrc`,
    );
  }
  const selection = await chooseRegistries(context, flags, { required: true });
  const resolved = await resolveAll(context, selection, flags);
  const outcomes = await fetchTokens(context, resolved);
  // The command would only fail later with a 401: stop at the first registry without a token.
  const failed = outcomes.find((o) => o.error !== undefined);
  if (failed) throw failed.error;
  const tokens = outcomes.flatMap(({ resolved: r, token }) => (token ? [{ resolved: r, token }] : []));
  const planned = await execEnvironment(
    tokens.map((t) => ({ target: t.resolved.target, token: t.token.token })),
    { cwd: context.cwd, env: context.env },
  );
  // Say why a variable the command may need was left out; yarn's only where yarn is in play.
  const yarnInPlay = /yarn/i.test(basename(program)) || args.some((a) => /(^|[/\\])yarn/i.test(a));
  for (const withheld of planned.withheld) {
    if (withheld.variable !== "YARN_NPM_AUTH_TOKEN" || yarnInPlay || withheld.file) out.warn(withheld.reason);
  }
  const childEnv: NodeJS.ProcessEnv = {
    ...context.env,
    ...planned.env,
    // A nested `codeartifact-login` (a preinstall hook) then checks without writing the token to disk.
    [EXEC_MARK]: "1",
  };
  // A withheld variable must not reach the command from our own environment either (when it holds
  // the token, for yarn's, which the user may have set for a registry of their own).
  const fetched = new Set(tokens.map((t) => t.token.token.reveal()));
  for (const { variable } of planned.withheld) {
    if (variable === "CODEARTIFACT_AUTH_TOKEN" || fetched.has(childEnv[variable] ?? ""))
      delete childEnv[variable];
  }
  out.debug(
    `running ${program} with tokens for ${tokens.map((t) => t.resolved.target.registryUrl).join(", ")}`,
  );

  return new Promise<number>((resolve) => {
    const child = spawn(program, args, { stdio: "inherit", env: childEnv, cwd: context.cwd });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const detach = () => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    child.on("error", (error) => {
      detach();
      out.error(
        `cannot run \`${program}\`: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "command not found (check PATH)" : error.message}`,
      );
      resolve(127);
    });
    child.on("exit", (code, signal) => {
      detach();
      if (signal) {
        // Die the same way, so a caller (a shell, CI) sees what happened to the command.
        process.kill(process.pid, signal);
        resolve(128 + (signalNumber(signal) ?? 1));
        return;
      }
      resolve(code ?? 1);
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (
    { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 } as Record<
      string,
      number
    >
  )[signal];
}
