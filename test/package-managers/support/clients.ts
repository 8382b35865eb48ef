// The real package managers the project's devDependencies bring (npm is the machine's), run in a
// throwaway project with an isolated HOME against a loopback registry.
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Client, clientCommand } from "../../support/clients.js";
import { type RunResult, run } from "../../support/run.js";

export type ClientName = Client;

/** Runs a client with `args` in `cwd`. */
export function runClient(
  client: ClientName,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<RunResult> {
  const [command, ...prefix] = clientCommand(client);
  return run(command as string, [...prefix, ...args], {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: 120_000,
  });
}

/** A project that depends on `name@1.0.0`; the registry goes into its .npmrc (npm, pnpm) or .yarnrc.yml. */
export function writeProject(
  dir: string,
  registryUrl: string,
  name = "cak-demo",
  client: ClientName = "npm",
): void {
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "p", version: "1.0.0", dependencies: { [name]: "1.0.0" } }),
  );
  if (client === "yarn") {
    writeFileSync(join(dir, "yarn.lock"), "");
    writeFileSync(join(dir, ".yarnrc.yml"), `npmRegistryServer: "${registryUrl}"\n`);
  } else {
    writeFileSync(join(dir, ".npmrc"), `registry=${registryUrl}\n`);
  }
}

/** Settings yarn berry needs to install from a loopback http registry without network or telemetry. */
export const YARN_ENV: Record<string, string> = {
  YARN_UNSAFE_HTTP_WHITELIST: "127.0.0.1",
  YARN_ENABLE_TELEMETRY: "0",
  YARN_NODE_LINKER: "node-modules",
  YARN_ENABLE_GLOBAL_CACHE: "0",
  YARN_ENABLE_IMMUTABLE_INSTALLS: "0",
};

/** Arguments for `install` that keep each client offline from the public registry's checks. */
export function installArgs(client: ClientName): string[] {
  if (client === "npm") return ["install", "--no-audit", "--no-fund", "--no-update-notifier"];
  if (client === "yarn") return ["install"];
  return ["install", "--config.minimum-release-age=0"];
}

/** Whether this process may listen on `port` of 127.0.0.1 (80 needs root: CodeArtifact URLs carry no port). */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
