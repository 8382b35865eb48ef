// A sandbox for CLI tests: the built bin as a child process, an isolated HOME, a project directory,
// and the loopback AWS endpoint handing out a known token (so tests can look for leaks).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";
import { type RunResult, runCli } from "../support/run.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";

export const REGISTRY = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
export const REGISTRY_2 = "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other-store/";
export const REGISTRY_OTHER_DOMAIN =
  "https://tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/";
export const NERF = "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";

/** A token shaped like CodeArtifact's that no test output may contain. */
export function knownToken(label: string): string {
  return `eyJ2ZXIiOjF9.KNOWN-${label}-${"x".repeat(40)}`;
}

export interface Sandbox {
  home: string;
  project: string;
  env: NodeJS.ProcessEnv;
  path(...parts: string[]): string;
  run(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string },
  ): Promise<RunResult>;
  /** Writes the project's .npmrc (and a package.json, so it is a project). */
  projectNpmrc(text: string): void;
  /** Writes the user config.ini of codeartifact-keyring. */
  config(text: string): string;
}

/** Starts one endpoint for the test file; each test makes its own sandbox. */
export function useFakeAws(): { aws(): FakeAws; sandbox(extraEnv?: NodeJS.ProcessEnv): Sandbox } {
  let aws: FakeAws | undefined;
  let tokens = 0;
  beforeAll(async () => {
    aws = await startFakeAws({ codeartifact: { makeToken: () => knownToken(`t${++tokens}`) } });
  });
  afterEach(() => aws?.reset());
  afterAll(() => aws?.close());
  const current = () => {
    if (!aws) throw new Error("the fake endpoint is not started");
    return aws;
  };
  return {
    aws: current,
    sandbox(extraEnv = {}) {
      const home = isolatedHome();
      const project = makeTempDir("cak-project-");
      const env: NodeJS.ProcessEnv = {
        ...home.env,
        AWS_ENDPOINT_URL_CODEARTIFACT: current().url,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
        AWS_CONFIG_FILE: join(home.home, ".aws", "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home.home, ".aws", "credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        // No D-Bus session here: the file store is what `auto` picks.
        DBUS_SESSION_BUS_ADDRESS: "",
        ...extraEnv,
      };
      return {
        home: home.home,
        project,
        env,
        path: home.path,
        run: (args, options = {}) =>
          runCli(args, {
            env: { ...env, ...options.env },
            cwd: options.cwd ?? project,
            ...(options.input !== undefined ? { input: options.input } : {}),
          }),
        projectNpmrc(text) {
          writeFileSync(join(project, "package.json"), '{ "name": "app", "version": "1.0.0" }\n');
          writeFileSync(join(project, ".npmrc"), text);
        },
        config(text) {
          const dir = home.path(".config", "codeartifact-keyring");
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, "config.ini"), text);
          return join(dir, "config.ini");
        },
      };
    },
  };
}
