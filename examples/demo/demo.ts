// `npm run demo`: the main job of codeartifact-keyring on a local setup, in a few readable steps.
// It starts what the e2e tests use (test/e2e/harness): a real Verdaccio that requires a token, served
// under `/npm/private/` as a CodeArtifact repository is, and a loopback CodeArtifact endpoint whose
// GetAuthorizationToken hands out that registry's tokens. Then, as a user in a fresh HOME: the config,
// `codeartifact-login` discovering the project's registry, the line it wrote, a real `npm install`
// of a private package, and `status`. Everything it starts or writes is gone when it ends.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type E2eSetup, SCOPED, startE2e, UNSCOPED } from "../../test/e2e/harness/index.js";
import { INSTALL, newUser } from "../../test/e2e/harness/user.js";
import type { RunResult } from "../../test/support/run.js";

const tty = Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const paint = (code: number) => (text: string) => (tty ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint(1);
const dim = paint(2);
const green = paint(32);

let step = 0;
const heading = (title: string) => console.log(`\n${bold(`${++step}. ${title}`)}`);
const say = (text: string) => console.log(text);
const show = (text: string) => {
  for (const line of text.trimEnd().split("\n")) console.log(`   ${line}`);
};

/** Prints a command as typed, then what it printed (stderr included: that is where people read). */
function transcript(command: string, result: RunResult, home: string, only?: RegExp): void {
  say(`   ${dim("$")} ${command}`);
  const output = `${result.stdout}${result.stderr}`
    .split("\n")
    .filter((line) => line.trim() !== "" && (!only || only.test(line)))
    .map((line) => line.replaceAll(home, "~"))
    .join("\n");
  if (output) show(output);
}

function fail(what: string, result: RunResult): never {
  throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
}

async function demo(setup: E2eSetup): Promise<void> {
  const user = newUser(setup, {}, { projectInHome: "my-app" });
  const tilde = (path: string) => path.replace(user.home, "~");
  user.writeProject({ packages: [SCOPED, UNSCOPED] });

  heading("The setup: a private registry that wants a token, and AWS to get one from");
  say(`   registry      ${setup.registryUrl}  (Verdaccio: every package needs a token)`);
  say(`   CodeArtifact  ${setup.aws.url}  (loopback: GetAuthorizationToken hands out registry tokens)`);
  say(`   user's HOME   ${user.home}  (fresh: no .npmrc, no cached token)`);

  heading("The project names its registry, as it would a CodeArtifact one");
  say(`   ${tilde(join(user.project, ".npmrc"))}:`);
  show(readFileSync(join(user.project, ".npmrc"), "utf8"));
  say(`   it depends on ${SCOPED.name} and ${UNSCOPED.name}, which only that registry has.`);
  const without = await user.client("npm", INSTALL.npm);
  transcript("npm install", without, user.home, /code E401|Unable to authenticate/);
  say(`   ${dim("(no token yet: npm gets 401)")}`);

  heading("The config: this registry URL is not a CodeArtifact hostname, so the user maps it");
  const config = user.writeConfig();
  say(`   ${tilde(config)}:`);
  show(readFileSync(config, "utf8"));
  say(
    `   ${dim("(a real CodeArtifact URL needs no config: its hostname names domain, account and region)")}`,
  );

  heading("`codeartifact-login` in the project: it discovers the registry and writes the token");
  const login = await user.cli([]);
  transcript("codeartifact-login", login, user.home);
  if (login.status !== 0) fail("codeartifact-login", login);
  say(`   ${dim("(it read the registry from ~/my-app/.npmrc and its coordinates from config.ini)")}`);

  heading("The line it wrote in ~/.npmrc (token redacted here)");
  const npmrc = readFileSync(join(user.home, ".npmrc"), "utf8");
  show(
    npmrc.replace(
      /(:_authToken=)(\S+)/g,
      (_match, key: string, token: string) => `${key}[redacted] (${token.length} characters)`,
    ),
  );

  heading("A real `npm install` of the private packages now succeeds");
  const install = await user.client("npm", INSTALL.npm);
  transcript("npm install", install, user.home, /added|up to date/);
  if (install.status !== 0) fail("npm install", install);
  const loaded = await user.loadPackages();
  transcript(`node -e 'require("${SCOPED.name}")' …`, loaded, user.home);

  heading("`codeartifact-login status`: where the credentials come from, what is cached");
  const status = await user.cli(["status"]);
  transcript("codeartifact-login status", status, user.home);
  if (status.status !== 0) fail("codeartifact-login status", status);

  say(
    `\n${green("✔")} ${bold("done.")} GetAuthorizationToken was called ${setup.aws.count("GetAuthorizationToken")} time(s); the next runs are served from the cache until the token nears expiry.`,
  );
  say(
    "  Other ways in: `codeartifact-login setup pnpm` (pnpm asks for the token itself), `codeartifact-login exec -- npm ci`.",
  );
}

const started = Date.now();
// Ctrl-C: exit normally, so the temp dirs are removed and the servers stopped.
process.once("SIGINT", () => process.exit(130));
let setup: E2eSetup | undefined;
try {
  setup = await startE2e();
  await demo(setup);
  say(
    dim(`  (${((Date.now() - started) / 1000).toFixed(1)} s; everything it started or wrote is removed now)`),
  );
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await setup?.stop();
}
