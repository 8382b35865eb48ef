// `npm run sandbox`: the demo's local setup, kept up for trying the CLI by hand. It starts what
// `npm run demo` starts (a Verdaccio that wants a token, served as a CodeArtifact repository, and a
// loopback CodeArtifact endpoint), makes a fresh HOME with a project and a config, prints the lines to
// paste into a new terminal, and stays up until Ctrl-C (or SIGTERM), when it stops the servers and
// removes everything it wrote.
import { join } from "node:path";
import { type E2eSetup, SCOPED, startE2e, UNSCOPED } from "../../test/e2e/harness/index.js";
import { newUser } from "../../test/e2e/harness/user.js";
import { BIN } from "../../test/support/run.js";

/** The variables of the sandbox user's environment worth pasting (not PATH, TMPDIR and the like). */
const PASTED = /^(HOME|XDG_\w+|AWS_\w+|NPM_CONFIG_USERCONFIG|CODEARTIFACT_KEYRING_\w+|npm_config_cache)$/;

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

let setup: E2eSetup | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await setup?.stop();
  console.error("sandbox stopped: servers ended, temporary files removed");
  process.exit(code);
};
process.once("SIGINT", () => void stop(130));
process.once("SIGTERM", () => void stop(143));

try {
  setup = await startE2e();
  const user = newUser(setup, {}, { projectInHome: "my-app" });
  user.writeProject({ packages: [SCOPED, UNSCOPED] });
  const config = user.writeConfig();
  const env: Record<string, string> = {
    ...user.env,
    CODEARTIFACT_KEYRING_CONFIG: config,
    NPM_CONFIG_USERCONFIG: join(user.home, ".npmrc"),
    // The file cache in the sandbox HOME: your own keychain is never touched.
    CODEARTIFACT_KEYRING_CACHE: "file",
  };
  const exports = Object.entries(env)
    .filter(([name]) => PASTED.test(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `export ${name}=${quote(value)}`);
  console.log(
    [
      "codeartifact-keyring sandbox (everything on 127.0.0.1, in a throwaway HOME)",
      `  registry      ${setup.registryUrl}  (Verdaccio: every package needs a token)`,
      `  CodeArtifact  ${setup.aws.url}  (loopback endpoint; test keys below)`,
      `  project       ${user.project}  (its .npmrc names the registry; it depends on ${SCOPED.name} and ${UNSCOPED.name})`,
      `  config        ${config}  (maps the registry URL to its CodeArtifact coordinates)`,
      "",
      "Paste into a new terminal (it becomes the sandbox user; close it when done):",
      "",
      ...exports,
      `alias codeartifact-login=${quote(`${process.execPath} ${BIN}`)}`,
      `cd ${quote(user.project)}`,
      "",
      "Then try: codeartifact-login && npm install; codeartifact-login status; codeartifact-login diagnose",
      "",
      "Ready. Ctrl-C stops the sandbox.",
    ].join("\n"),
  );
  // Stay up: the servers keep the event loop alive until a signal stops them.
} catch (error) {
  console.error(`sandbox failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
