// One user of the e2e registry: an isolated HOME (npm cache, pnpm store and state, XDG dirs inside
// it), a project directory, the codeartifact-keyring config that maps the registry URL to its
// coordinates, and helpers to run our CLI and the real package managers with that environment.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, clientCommand, clientPath } from "../../support/clients.js";
import { type RunResult, run, runCli } from "../../support/run.js";
import { isolatedHome, makeTempDir } from "../../support/tmp.js";
import { COORDINATES, type E2eSetup, PACKAGES, type SCOPED } from "./index.js";

export type { Client };

/** The arguments that make each client's install quiet and offline from public services. */
export const INSTALL: Record<Client, string[]> = {
  npm: ["install", "--no-audit", "--no-fund"],
  pnpm10: ["install"],
  // pnpm 11+ refuse packages published less than a day ago unless told otherwise.
  pnpm12: ["install", "--config.minimum-release-age=0"],
  yarn: ["install"],
  "npm 10": ["install", "--no-audit", "--no-fund"],
  "npm 11": ["install", "--no-audit", "--no-fund"],
  "npm 12": ["install", "--no-audit", "--no-fund"],
  "pnpm 9": ["install"],
  "pnpm 10": ["install"],
  "pnpm 11": ["install", "--config.minimum-release-age=0"],
  "pnpm 12": ["install", "--config.minimum-release-age=0"],
  "yarn 1": ["install", "--non-interactive", "--no-progress"],
  "yarn 4": ["install"],
  bun: ["install"],
};

export interface User {
  home: string;
  project: string;
  /** The environment every process of this user gets (no AWS or npm settings of this machine). */
  env: Record<string, string>;
  /** Writes the project: package.json depending on `packages`, and the .npmrc (or .yarnrc.yml) naming the registry. */
  writeProject(options?: ProjectOptions): void;
  /** Writes `$XDG_CONFIG_HOME/codeartifact-keyring/config.ini` mapping the registry to its coordinates. */
  writeConfig(extra?: string): string;
  /** Runs the built `codeartifact-login` in the project. */
  cli(args: string[], options?: RunMore): Promise<RunResult>;
  /** Runs a real package manager in the project. */
  client(client: Client, args: string[], options?: RunMore): Promise<RunResult>;
  /** `require()`s each package from the project and returns what they export, or the error text. */
  loadPackages(): Promise<RunResult>;
}

export interface ProjectOptions {
  packages?: readonly (typeof SCOPED)[];
  /** Which file names the registry: npm's .npmrc (npm and pnpm) or yarn berry's .yarnrc.yml. */
  rc?: "npmrc" | "yarnrc";
  scripts?: Record<string, string>;
  /** Extra .npmrc lines. */
  npmrc?: string[];
}

export interface RunMore {
  env?: Record<string, string>;
  /** The Node that runs our CLI (cli() only). */
  node?: string;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * A user of `setup` with a fresh HOME and project; `extraEnv` is merged into `env` (e.g. a D-Bus
 * address). The project is a temp dir of its own, or `~/<projectInHome>` when given (the demo's paths
 * then print as `~/…`).
 */
export function newUser(
  setup: E2eSetup,
  extraEnv: Record<string, string> = {},
  options: { projectInHome?: string } = {},
): User {
  const home = isolatedHome();
  const project = options.projectInHome
    ? join(home.home, options.projectInHome)
    : makeTempDir("cak-project-");
  mkdirSync(project, { recursive: true });
  const env: Record<string, string> = {
    ...home.env,
    ...setup.aws.env(),
    XDG_STATE_HOME: join(home.home, ".local", "state"),
    // No D-Bus session unless the test brings one: the token cache then uses files (`auto`).
    DBUS_SESSION_BUS_ADDRESS: "",
    npm_config_update_notifier: "false",
    YARN_ENABLE_TELEMETRY: "0",
    ...extraEnv,
  };
  const registry = setup.registryUrl;
  const user: User = {
    home: home.home,
    project,
    env,
    writeProject(options = {}) {
      const packages = options.packages ?? PACKAGES;
      writeFileSync(
        join(project, "package.json"),
        `${JSON.stringify(
          {
            name: "e2e-app",
            version: "1.0.0",
            private: true,
            ...(options.scripts ? { scripts: options.scripts } : {}),
            dependencies: Object.fromEntries(packages.map((p) => [p.name, p.version])),
          },
          null,
          2,
        )}\n`,
      );
      if (options.rc === "yarnrc") {
        writeFileSync(join(project, "yarn.lock"), "");
        writeFileSync(
          join(project, ".yarnrc.yml"),
          [
            `npmRegistryServer: "${registry}"`,
            "npmScopes:",
            "  corp:",
            `    npmRegistryServer: "${registry}"`,
            "    npmMinimalAgeGate: 0",
            `unsafeHttpWhitelist: ["${new URL(registry).hostname}"]`,
            "nodeLinker: node-modules",
            "enableGlobalCache: false",
            "enableTelemetry: false",
            // yarn 4.10+ quarantines packages younger than a day; ours are seconds old.
            "npmMinimalAgeGate: 0",
            "",
          ].join("\n"),
        );
      } else {
        writeFileSync(
          join(project, ".npmrc"),
          [`registry=${registry}`, `@corp:registry=${registry}`, ...(options.npmrc ?? []), ""].join("\n"),
        );
      }
    },
    writeConfig(extra = "") {
      const dir = join(env.XDG_CONFIG_HOME as string, "codeartifact-keyring");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "config.ini");
      writeFileSync(
        file,
        [
          `[codeartifact domain="${COORDINATES.domain}" account="${COORDINATES.domainOwner}" region="${COORDINATES.region}" name="${COORDINATES.repository}"]`,
          `registry_url = ${registry}`,
          extra,
          "",
        ].join("\n"),
      );
      return file;
    },
    cli: (args, options = {}) =>
      runCli(args, {
        env: { ...env, ...options.env },
        cwd: options.cwd ?? project,
        timeoutMs: options.timeoutMs ?? 60_000,
        ...(options.node ? { node: options.node } : {}),
      }),
    client(client, args, options = {}) {
      const [command, ...prefix] = clientCommand(client);
      const merged = { ...env, ...options.env };
      return run(command as string, [...prefix, ...args], {
        env: { ...merged, PATH: clientPath(client, merged.PATH ?? "") },
        cwd: options.cwd ?? project,
        timeoutMs: options.timeoutMs ?? 180_000,
      });
    },
    loadPackages: () =>
      run(
        process.execPath,
        [
          "-e",
          `for (const name of ${JSON.stringify(PACKAGES.map((p) => p.name))}) { try { console.log(name + ": " + require(name)); } catch (e) { console.log(name + ": " + e.code); } }`,
        ],
        { env, cwd: project },
      ),
  };
  return user;
}

/** The command line that runs a client, to put after `codeartifact-login exec --`. */
export { clientCommand };
