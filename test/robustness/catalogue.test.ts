// The bad-input catalogue: each case is an input (a file, a URL, a flag, a variable) → the exit code
// and the exact one-line message of the built CLI, run in an isolated HOME. Every case also proves
// that nothing was printed on stdout, that no stack trace was printed (no --verbose here), and that no
// file changed: the whole HOME (project included) is snapshotted before and after, content and mode.
// Only the token cache may change (a case that fails after fetching its token keeps it cached: that
// store is meant to be written). Rules of src/cli these suites once found broken: cli-rules.test.ts.
import { chmodSync, mkdirSync, symlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import {
  diffSnapshots,
  gitRepo,
  hasGit,
  hasStackTrace,
  makeWorld,
  messages,
  reg,
  runCliUnprivileged,
  snapshot,
  URL,
  type World,
} from "./support.js";

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
});
afterAll(() => aws.close());

type Category =
  | "config file"
  | "registry URL"
  | ".npmrc"
  | ".yarnrc.yml"
  | "flags"
  | "environment"
  | "interpolation";

interface Case {
  category: Category;
  name: string;
  setup?: (w: World) => void;
  args: (w: World) => string[];
  env?: (w: World) => Record<string, string>;
  status: number;
  /** The exact stderr lines (the SDK's Node 20 notice aside). */
  stderr: (w: World) => string[];
  /**
   * A usage error (exit 2): the line ends with ` (run with --help for usage)`, which `stderr` leaves out.
   */
  usage?: boolean;
  /** stdout is empty unless this says what it holds. */
  stdout?: RegExp;
  skip?: string;
  /** Needs permission bits to bite: run as `nobody` when the tests run as root. */
  unprivileged?: boolean;
}

const cfg =
  (text: string | Buffer, name = "config.ini") =>
  (w: World) =>
    void w.write(w.path(".config/codeartifact-keyring", name), text);
const cfgPath = (w: World, name = "config.ini") => w.path(".config/codeartifact-keyring", name);
const login =
  (...extra: string[]) =>
  () => ["login", "-r", URL, ...extra];
const loginWith = (url: string) => () => ["login", "-r", url];
const USAGE_HINT = "(run with --help for usage)";
/** A registry URL error names the flag it came from. */
const FLAG = "error: `--registry`:";
const NOT_CA = (url: string) =>
  `${FLAG} \`${url}\` is not a CodeArtifact URL and no config section maps it: give its coordinates with --domain, --domain-owner, --region and --repository, or add \`registry_url = ${url}\` to a [codeartifact domain="…" account="…" region="…" name="…"] section`;
/** The refusal of a CodeArtifact URL; `FLAG` names where it came from, the default being `--registry`. */
const CA = (url: string, problem: string, where = FLAG) =>
  `${where} CodeArtifact registry URL \`${url}\`: ${problem}`;
const ca = (host: string, path = "/npm/npm-store/") => `https://${host}${path}`;
const HOST = "corp-111122223333.d.codeartifact.us-east-1.amazonaws.com";
const DURATION_RULE = "use 0 (expire with the role session) or 900 to 43200 seconds";
const LOOKED = "looked in env, user-secrets, dotenv, docker-secrets";

const cases: Case[] = [
  // ── config files ────────────────────────────────────────────────────────────────────────────────
  {
    category: "config file",
    name: "a section header that is a typo of `codeartifact`",
    setup: cfg("[codeartifact-dev]\nprofile = dev\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact-dev]: a section header is \`codeartifact\` followed by qualifiers: [codeartifact name="repo"]`,
    ],
  },
  {
    category: "config file",
    name: "a qualifier without a value",
    setup: cfg("[codeartifact name]\nprofile = dev\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact name]: cannot read \`name\`: write qualifiers as key="value" (keys: domain, account, region, name)`,
    ],
  },
  {
    category: "config file",
    name: "an unknown qualifier",
    setup: cfg('[codeartifact acount="111122223333"]\nprofile = dev\n'),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact acount="111122223333"]: unknown qualifier \`acount\`: use domain, account, region, name`,
    ],
  },
  {
    category: "config file",
    name: "a qualifier given twice",
    setup: cfg('[codeartifact name="a1" name="b2"]\n'),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact name="a1" name="b2"]: qualifier \`name\` is given twice`,
    ],
  },
  {
    category: "config file",
    name: "a qualifier value that breaks the service's rules",
    setup: cfg('[codeartifact account="123"]\nprofile = dev\n'),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact account="123"]: account: domain owner \`123\` is not valid: it must be a 12-digit AWS account id`,
    ],
  },
  {
    category: "config file",
    name: "an unknown setting warns with the closest known one (and does not stop the run)",
    setup: cfg("[codeartifact]\nprofle_name = dev\n"),
    args: login("--dry-run", "--json"),
    status: 0,
    stdout: /"dryRun": true/,
    stderr: (w) => [
      `warning: ${cfgPath(w)}:2: unknown setting \`profle_name\` in [codeartifact]; did you mean \`profile_name\`?`,
    ],
  },
  {
    category: "config file",
    name: "two sections with the same qualifiers, spelled differently",
    setup: cfg(
      '[codeartifact name="npm-store"]\nprofile = a\n[codeartifact  name="npm-store"]\nprofile = b\n',
    ),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:3: section [codeartifact  name="npm-store"] has the same qualifiers as [codeartifact name="npm-store"] (line 1): merge them into one section`,
    ],
  },
  {
    category: "config file",
    name: "the same section twice",
    setup: cfg("[codeartifact]\nprofile = a\n[codeartifact]\nprofile = b\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:3: section [codeartifact] is already defined on line 1. Merge the two sections.`,
    ],
  },
  {
    category: "config file",
    name: "a setting and its alias in one section",
    setup: cfg("[codeartifact]\nprofile = a\nprofile_name = b\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:3: [codeartifact] sets \`profile_name\` twice (as \`profile\` on line 2 and \`profile_name\`): keep one`,
    ],
  },
  {
    category: "config file",
    name: "a duration with a unit",
    setup: cfg("[codeartifact]\ntoken_duration = 12h\n"),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}:2: token duration \`12h\` is not valid: ${DURATION_RULE}`],
  },
  {
    category: "config file",
    name: "a duration below the service's minimum",
    setup: cfg("[codeartifact]\ntoken_duration = 100\n"),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}:2: token duration \`100\` is not valid: ${DURATION_RULE}`],
  },
  {
    category: "config file",
    name: "an unterminated quote in a section header",
    setup: cfg('[codeartifact name="npm-store]\nprofile = dev\n'),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: section [codeartifact name="npm-store]: unterminated quote in \`name="npm-store\`: close the quote`,
    ],
  },
  {
    category: "config file",
    name: "an unterminated quote in a value",
    setup: cfg('[codeartifact]\nprofile_name = "dev\n'),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`profile_name\` in [codeartifact] has an unterminated quote: close it, or remove the quote`,
    ],
  },
  {
    category: "config file",
    name: "a directory where the config file should be",
    setup: (w) => mkdirSync(cfgPath(w), { recursive: true }),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}: is a directory, not a file. Give the file's path.`],
  },
  {
    category: "config file",
    name: "an unreadable config file (mode 000)",
    unprivileged: true,
    setup: (w) => {
      cfg("[codeartifact]\n")(w);
      chmodSync(cfgPath(w), 0);
    },
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}: cannot be read (permission denied). Check the file's owner and permissions.`,
    ],
  },
  {
    category: "config file",
    name: "a config file that is a loop of symbolic links",
    setup: (w) => {
      mkdirSync(w.path(".config/codeartifact-keyring"), { recursive: true });
      symlinkSync(cfgPath(w), cfgPath(w));
    },
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}: cannot be read (ELOOP). Check the path.`],
  },
  {
    category: "config file",
    name: "binary garbage",
    setup: cfg(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0xff])),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}:1: is not a text file (invalid UTF-8). Save it as UTF-8.`],
  },
  {
    category: "config file",
    name: "text with a NUL byte",
    setup: cfg("[codeartifact]\nprofile = a\u0000b\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: is not a text file (it contains a NUL byte). Check that this is the right file.`,
    ],
  },
  {
    category: "config file",
    name: "invalid UTF-8 (Latin-1 text)",
    setup: cfg(Buffer.from("[codeartifact]\nprofile = d\xe9v\n", "latin1")),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}:2: is not a text file (invalid UTF-8). Save it as UTF-8.`],
  },
  {
    category: "config file",
    name: "a huge file (over 1 MiB)",
    setup: cfg(`[codeartifact]\n${"# padding\n".repeat(120_000)}`),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}: is larger than 1048576 bytes, too large for a settings file. Check that this is the right file.`,
    ],
  },
  {
    category: "config file",
    name: "a setting before any section",
    setup: cfg("profile = dev\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:1: a setting before any [section] header. Add a section header such as [codeartifact] above it.`,
    ],
  },
  {
    category: "config file",
    name: "a line that is neither a header nor key = value",
    setup: cfg("[codeartifact]\nprofile dev\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: this line is neither a [section] header nor \`key = value\`. Add \`=\` or comment it out with \`#\`.`,
    ],
  },
  {
    category: "config file",
    name: "malformed TOML",
    setup: cfg("[codeartifact\nprofile = 'dev'\n", "config.toml"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w, "config.toml")}:1: invalid TOML: illegal character in key. Fix the syntax.`,
    ],
  },
  {
    category: "config file",
    name: "malformed YAML",
    setup: cfg("codeartifact: [\n", "config.yaml"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w, "config.yaml")}:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix the syntax.`,
    ],
  },
  {
    category: "config file",
    name: "a YAML section that is not a table",
    setup: cfg("codeartifact: 5\n", "config.yaml"),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w, "config.yaml")}:1: \`codeartifact\` must be a table of settings`],
  },
  {
    category: "config file",
    name: "`timeout = 0`",
    setup: cfg("[codeartifact]\ntimeout = 0\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`timeout = 0\` is not valid: use a number of seconds from 1 to 300`,
    ],
  },
  {
    category: "config file",
    name: "an unknown cache store",
    setup: cfg("[codeartifact]\ncache = disk\n"),
    env: () => ({ CODEARTIFACT_KEYRING_CACHE: "" }),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`cache = disk\` is not valid: use one of auto, keychain, file, none`,
    ],
  },
  {
    category: "config file",
    name: "a role that is not a role ARN",
    setup: cfg("[codeartifact]\nrole_arn = admin\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`role_arn = admin\` is not valid: expected a role ARN such as arn:aws:iam::123456789012:role/NAME`,
    ],
  },
  {
    category: "config file",
    name: "an endpoint that is not http(s)",
    setup: cfg("[codeartifact]\nendpoint_url = ftp://codeartifact.example\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`endpoint_url = ftp://codeartifact.example\` is not valid: expected an http(s) URL`,
    ],
  },
  {
    category: "config file",
    name: "half a static key pair",
    setup: cfg("[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: static credentials need both keys: \`aws_secret_access_key\` is missing in [codeartifact] (set it, or remove the other key to use a profile)`,
    ],
  },
  {
    category: "config file",
    name: "`registry_url` in a section without coordinates",
    setup: cfg("[codeartifact]\nregistry_url = https://npm.corp.example/\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`registry_url\` in [codeartifact] needs a section that names domain, account, region and name, so the registry's coordinates are known`,
    ],
  },
  {
    category: "config file",
    name: "a CA bundle that does not exist",
    setup: cfg("[codeartifact]\nverify = /nonexistent/ca.pem\n"),
    args: login(),
    status: 1,
    stderr: () => [
      "error: npm-store (corp, us-east-1): `verify = /nonexistent/ca.pem`: the CA bundle cannot be read (ENOENT): check the path, or set `verify = true` to use the system's CAs",
    ],
  },
  {
    category: "config file",
    name: "--config naming a file that does not exist",
    args: () => ["login", "-r", URL, "--config", "/nonexistent/codeartifact.ini"],
    status: 1,
    stderr: () => [
      "error: /nonexistent/codeartifact.ini: config file not found (given by --config): check the path, or leave --config out to use the default location",
    ],
  },
  {
    category: "config file",
    name: "--config naming a directory",
    setup: (w) => mkdirSync(w.path("project", "conf.d")),
    args: () => ["login", "-r", URL, "--config", "conf.d"],
    status: 1,
    stderr: () => ["error: conf.d: is a directory, not a file. Give the file's path."],
  },

  // ── registry URLs ───────────────────────────────────────────────────────────────────────────────
  {
    category: "registry URL",
    name: "near miss: `codeartifacts`",
    args: loginWith(ca("corp-111122223333.d.codeartifacts.us-east-1.amazonaws.com")),
    status: 1,
    stderr: () => [NOT_CA(ca("corp-111122223333.d.codeartifacts.us-east-1.amazonaws.com"))],
  },
  {
    category: "registry URL",
    name: "near miss: `.amazonaws.co`",
    args: loginWith(ca("corp-111122223333.d.codeartifact.us-east-1.amazonaws.co")),
    status: 1,
    stderr: () => [NOT_CA(ca("corp-111122223333.d.codeartifact.us-east-1.amazonaws.co"))],
  },
  {
    category: "registry URL",
    name: "near miss: the `.d.` left out",
    args: loginWith(ca("corp-111122223333.codeartifact.us-east-1.amazonaws.com")),
    status: 1,
    stderr: () => [
      CA(
        ca("corp-111122223333.codeartifact.us-east-1.amazonaws.com"),
        "the host must be DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com (or the on.aws / vpce forms)",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "a domain with an underscore",
    args: loginWith(ca("corp_x-111122223333.d.codeartifact.us-east-1.amazonaws.com")),
    status: 1,
    stderr: () => [
      CA(
        ca("corp_x-111122223333.d.codeartifact.us-east-1.amazonaws.com"),
        "domain `corp_x` is not valid: it must be 2-50 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "an 11-digit owner",
    args: loginWith(ca("corp-11112222333.d.codeartifact.us-east-1.amazonaws.com")),
    status: 1,
    stderr: () => [
      CA(
        ca("corp-11112222333.d.codeartifact.us-east-1.amazonaws.com"),
        "domain owner `11112222333` is not valid: it must be a 12-digit AWS account id",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "no owner in the host",
    args: loginWith(ca("corp.d.codeartifact.us-east-1.amazonaws.com")),
    status: 1,
    stderr: () => [
      `${FLAG} \`${ca("corp.d.codeartifact.us-east-1.amazonaws.com")}\` names no domain owner: the host must start with DOMAIN-OWNER (e.g. my-domain-111122223333)`,
    ],
  },
  {
    category: "registry URL",
    name: "a region without hyphens",
    args: loginWith(ca("corp-111122223333.d.codeartifact.useast1.amazonaws.com")),
    status: 1,
    stderr: () => [
      CA(
        ca("corp-111122223333.d.codeartifact.useast1.amazonaws.com"),
        "region `useast1` is not valid: it must be an AWS region such as us-east-1",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "a one-letter repository",
    args: loginWith(ca(HOST, "/npm/x/")),
    status: 1,
    stderr: () => [
      CA(
        ca(HOST, "/npm/x/"),
        "repository `x` is not valid: it must be 2-100 letters, digits, dots, underscores and hyphens, starting with a letter or digit",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "the PyPI format path",
    args: loginWith(ca(HOST, "/pypi/npm-store/simple/")),
    status: 1,
    stderr: () => [
      CA(
        ca(HOST, "/pypi/npm-store/simple/"),
        "the path must be /npm/REPOSITORY/ (`/pypi/` is not the npm format)",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "a path one segment too deep",
    args: loginWith(ca(HOST, "/npm/npm-store/extra/")),
    status: 1,
    stderr: () => [CA(ca(HOST, "/npm/npm-store/extra/"), "the path must be /npm/REPOSITORY/")],
  },
  {
    category: "registry URL",
    name: "a query string",
    args: loginWith(ca(HOST, "/npm/npm-store/?x=1")),
    status: 1,
    stderr: () => [
      CA(
        ca(HOST, "/npm/npm-store/?x=1"),
        "a registry URL has no query or fragment; remove the part after `?` or `#`",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "credentials in the URL",
    args: loginWith(`https://user:pass@${HOST}/npm/npm-store/`),
    status: 1,
    stderr: () => [
      CA(
        `https://user:pass@${HOST}/npm/npm-store/`,
        "credentials do not belong in the URL; remove `user:password@`",
      ),
    ],
  },
  {
    category: "registry URL",
    name: "a port",
    args: loginWith(`https://${HOST}:8443/npm/npm-store/`),
    status: 1,
    stderr: () => [
      CA(`https://${HOST}:8443/npm/npm-store/`, "port 8443 is not CodeArtifact's (use https without a port)"),
    ],
  },
  {
    category: "registry URL",
    name: "plain http (npm would also send the token in clear)",
    args: loginWith(`http://${HOST}/npm/npm-store/`),
    status: 1,
    stderr: () => [
      CA(`http://${HOST}/npm/npm-store/`, "plain http would send the token unencrypted: use https://"),
    ],
  },
  {
    category: "registry URL",
    name: "not a URL at all",
    args: loginWith("::::"),
    status: 1,
    stderr: () => [`${FLAG} \`::::\` is not a registry URL: expected https://host/path/`],
  },
  {
    category: "registry URL",
    name: "an ftp URL",
    args: loginWith("ftp://registry.example.com/"),
    status: 1,
    stderr: () => [
      `${FLAG} \`ftp://registry.example.com/\` is not a registry URL: expected https://host/path/`,
    ],
  },
  {
    category: "registry URL",
    name: "a broken CodeArtifact URL in the project's .npmrc names the file and line",
    setup: (w) =>
      void w.write(w.path("project/.npmrc"), `fund=false\nregistry=${ca(HOST, "/maven/libs/")}\n`),
    args: () => ["login"],
    status: 1,
    stderr: (w) => [
      `error: \`${w.path("project/.npmrc")}\`:2: \`registry\`: ${CA(ca(HOST, "/maven/libs/"), "the path must be /npm/REPOSITORY/ (`/maven/` is not the npm format)", "").trim()}`,
    ],
  },
  {
    category: "registry URL",
    name: "two domains for `token`, which prints one token",
    args: () => ["token", "-r", URL, "-r", reg("tools")],
    status: 2,
    stderr: () => [
      `error: the --registry flags name registries in 2 domains (${URL}, ${reg("tools")}), and \`token\` prints one token: pass one --registry`,
    ],
    usage: true,
  },

  // ── .npmrc ──────────────────────────────────────────────────────────────────────────────────────
  {
    category: ".npmrc",
    name: "the user .npmrc is binary garbage",
    setup: (w) => void w.write(w.path(".npmrc"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0])),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\`:1: holds a NUL byte, so it is not a text config file: fix or remove that line; nothing was written`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is not UTF-8",
    setup: (w) =>
      void w.write(w.path(".npmrc"), Buffer.from("fund=false\ninit-author-name=Ren\xe9\n", "latin1")),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\`: is not valid UTF-8 text: re-save it as UTF-8; nothing was written`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is read-only",
    setup: (w) => void w.write(w.path(".npmrc"), "fund=false\n", 0o444),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\`: is read-only (mode 0444), so it is not rewritten: make it writable (\`chmod u+w\`) or name another file`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is a directory",
    setup: (w) => mkdirSync(w.path(".npmrc")),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\` is a directory, not a regular file, so no secret is written into it: remove it, or name a file of your own`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is a symlink into a git-tracked dotfiles repository",
    skip: hasGit() ? undefined : "git is not installed (.ci/run installs it)",
    setup: (w) => {
      gitRepo(w, w.path("dotfiles"), { npmrc: "fund=false\n" });
      symlinkSync(w.path("dotfiles/npmrc"), w.path(".npmrc"));
    },
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\` (a link to \`${w.path("dotfiles/npmrc")}\`) is tracked by git, so a token (or token helper) written there would be committed: write tokens to your user .npmrc (the default), or pass \`--force\` if you really mean this file`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is a symlink to a directory",
    setup: (w) => {
      mkdirSync(w.path("elsewhere"));
      symlinkSync(w.path("elsewhere"), w.path(".npmrc"));
    },
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path("elsewhere")}\` is a directory, not a regular file, so no secret is written into it: remove it, or name a file of your own`,
    ],
  },
  {
    category: ".npmrc",
    name: "the user .npmrc is a loop of symbolic links",
    setup: (w) => symlinkSync(w.path(".npmrc"), w.path(".npmrc")),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".npmrc")}\`: is a loop of symbolic links: point the link at a real file, or name another file`,
    ],
  },
  {
    category: ".npmrc",
    name: '--npmrc names a file git tracks (a plain file: its real path, not "a link to")',
    skip: hasGit() ? undefined : "git is not installed (.ci/run installs it)",
    setup: (w) => gitRepo(w, w.path("project/app"), { ".npmrc": "fund=false\n" }),
    args: () => ["login", "-r", URL, "--npmrc", "app/.npmrc"],
    status: 1,
    stderr: (w) => [
      `error: \`app/.npmrc\` (\`${w.path("project/app/.npmrc")}\`) is tracked by git, so a token (or token helper) written there would be committed: write tokens to your user .npmrc (the default), or pass \`--force\` if you really mean this file`,
    ],
  },
  {
    category: ".npmrc",
    name: "the project .npmrc is binary garbage (read to find the registries)",
    setup: (w) => void w.write(w.path("project/.npmrc"), Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])),
    args: () => ["login"],
    status: 1,
    stderr: (w) => [
      `error: \`${w.path("project/.npmrc")}\`:1: holds a NUL byte, so it is not a text config file: fix or remove that line; nothing was written`,
    ],
  },
  {
    category: ".npmrc",
    name: "the project .npmrc is text garbage with no registry",
    setup: (w) => void w.write(w.path("project/.npmrc"), "}}}{{{\n[[[\n=\n registry = not a url\n"),
    args: () => ["login"],
    status: 1,
    stderr: (w) => [
      `error: no CodeArtifact registry found in ${w.path("project/.npmrc")}: pass --registry URL, or add \`registry=\` / \`@scope:registry=\` to the project's .npmrc`,
    ],
  },

  // ── .yarnrc.yml ─────────────────────────────────────────────────────────────────────────────────
  ...(
    [
      [
        "~/.yarnrc.yml is not YAML",
        "npmRegistries: [\n  - a\n :\n",
        (w: World) =>
          `\`${w.path(".yarnrc.yml")}\`:2: is not valid YAML (MULTILINE_IMPLICIT_KEY): fix that line; nothing was written`,
      ],
      [
        "~/.yarnrc.yml is a plain string",
        "just a string\n",
        (w: World) =>
          `\`${w.path(".yarnrc.yml")}\`:1: does not hold a mapping of settings at the top: fix the file; nothing was written`,
      ],
      [
        "~/.yarnrc.yml has npmRegistries as a list",
        "npmRegistries:\n  - a\n",
        (w: World) =>
          `\`${w.path(".yarnrc.yml")}\`:2: \`npmRegistries\` is not a mapping, so the file was not changed: make it \`npmRegistries: {}\` or remove it`,
      ],
      [
        "~/.yarnrc.yml is not UTF-8",
        Buffer.from("enableTelemetry: f\xe4lse\n", "latin1"),
        (w: World) =>
          `\`${w.path(".yarnrc.yml")}\`: is not valid UTF-8 text: re-save it as UTF-8; nothing was written`,
      ],
    ] as const
  ).map(
    ([name, text, message]): Case => ({
      category: ".yarnrc.yml",
      name: `${name} (--yarn)`,
      setup: (w) => void w.write(w.path(".yarnrc.yml"), text),
      args: login("--yarn"),
      status: 1,
      stderr: (w) => [`error: ${message(w)}`],
    }),
  ),
  {
    category: ".yarnrc.yml",
    name: "~/.yarnrc.yml is read-only (--yarn)",
    setup: (w) => void w.write(w.path(".yarnrc.yml"), "enableTelemetry: false\n", 0o444),
    args: login("--yarn"),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path(".yarnrc.yml")}\`: is read-only (mode 0444), so it is not rewritten: make it writable (\`chmod u+w\`) or name another file`,
    ],
  },
  {
    category: ".yarnrc.yml",
    name: "the project .yarnrc.yml is not YAML (read to find the registries)",
    setup: (w) => void w.write(w.path("project/.yarnrc.yml"), "npmRegistryServer: [\n"),
    args: () => ["login"],
    status: 1,
    stderr: (w) => [
      `error: \`${w.path("project/.yarnrc.yml")}\`:2: is not valid YAML (BAD_INDENT): fix that line; nothing was written`,
    ],
  },

  // ── flags ───────────────────────────────────────────────────────────────────────────────────────
  {
    category: "flags",
    name: "an unknown flag",
    args: () => ["login", "--bogus"],
    status: 2,
    stderr: () => ["error: unknown option '--bogus'"],
    usage: true,
  },
  {
    category: "flags",
    name: "a --format that is not a choice",
    args: () => ["token", "-r", URL, "--format", "xml"],
    status: 2,
    stderr: () => [
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are raw, header, json, env.",
    ],
    usage: true,
  },
  {
    category: "flags",
    name: "--registry without its URL",
    args: () => ["token", "--registry"],
    status: 2,
    stderr: () => ["error: option '-r, --registry <url>' argument missing"],
    usage: true,
  },
  {
    category: "flags",
    name: "exec without a command",
    args: () => ["exec", "-r", URL],
    status: 2,
    stderr: () => ["error: missing required argument 'command'"],
    usage: true,
  },
  {
    category: "flags",
    name: "--duration with a unit",
    args: login("--duration", "12h"),
    status: 2,
    stderr: () => [`error: option '--duration <seconds>' argument '12h' is invalid. ${DURATION_RULE}`],
    usage: true,
  },
  {
    category: "flags",
    name: "--duration above the service's maximum",
    args: login("--duration", "86400"),
    status: 2,
    stderr: () => [`error: option '--duration <seconds>' argument '86400' is invalid. ${DURATION_RULE}`],
    usage: true,
  },
  {
    category: "flags",
    name: "some but not all coordinates",
    args: () => ["login", "-r", "https://npm.corp.example/", "--domain", "corp"],
    status: 2,
    stderr: () => [
      "error: explicit coordinates need exactly one --registry and all of --domain, --domain-owner, --region and --repository",
    ],
    usage: true,
  },
  {
    category: "flags",
    name: "a coordinate that breaks the service's rules",
    args: () => [
      "login",
      "-r",
      "https://npm.corp.example/",
      "--domain",
      "corp",
      "--domain-owner",
      "1",
      "--region",
      "us-east-1",
      "--repository",
      "npm-store",
    ],
    status: 1,
    stderr: () => [
      "error: domain owner `1` is not valid: it must be a 12-digit AWS account id (for registry https://npm.corp.example/)",
    ],
  },
  {
    category: "flags",
    name: "--scope with two registries",
    args: () => ["login", "-r", URL, "-r", reg("corp", "other-repo"), "--scope", "@corp"],
    status: 2,
    stderr: () => [
      "error: --scope and --default-registry map one registry, and 2 were found: pass one --registry",
    ],
    usage: true,
  },
  {
    category: "flags",
    name: "--scope that is not an npm scope",
    args: login("--scope", "@Corp Name"),
    status: 1,
    stderr: () => [
      "error: scope `@Corp Name` is not a valid npm scope: use lowercase letters, digits, `-`, `.`, `_` or `~`, e.g. `@my-org`",
    ],
  },

  // ── environment ─────────────────────────────────────────────────────────────────────────────────
  {
    category: "environment",
    name: "CODEARTIFACT_KEYRING_CACHE=bogus",
    env: () => ({ CODEARTIFACT_KEYRING_CACHE: "bogus" }),
    args: login(),
    status: 1,
    stderr: () => [
      "error: CODEARTIFACT_KEYRING_CACHE: `cache = bogus` is not valid: use one of auto, keychain, file, none",
    ],
  },
  {
    category: "environment",
    name: "CODEARTIFACT_KEYRING_CACHE=keychain with no D-Bus session",
    env: () => ({ CODEARTIFACT_KEYRING_CACHE: "keychain" }),
    args: login(),
    status: 1,
    stderr: () => [
      "error: npm-store (corp, us-east-1): cache = keychain, but the OS keychain is unavailable: no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service. Unlock or start it (Linux: a Secret Service such as gnome-keyring in your D-Bus session), or set `cache = file` (or CODEARTIFACT_KEYRING_CACHE=file)",
    ],
  },
  {
    category: "environment",
    name: "CODEARTIFACT_KEYRING_CONFIG naming a missing file",
    env: () => ({ CODEARTIFACT_KEYRING_CONFIG: "/nonexistent/codeartifact.ini" }),
    args: login(),
    status: 1,
    stderr: () => [
      "error: /nonexistent/codeartifact.ini: config file not found (given by CODEARTIFACT_KEYRING_CONFIG): check the path, or leave CODEARTIFACT_KEYRING_CONFIG out to use the default location",
    ],
  },
  {
    category: "environment",
    name: "CODEARTIFACT_KEYRING_CACHE_DIR naming a file",
    setup: (w) => void w.write(w.path("not-a-dir"), "x"),
    env: (w) => ({ CODEARTIFACT_KEYRING_CACHE_DIR: w.path("not-a-dir") }),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: npm-store (corp, us-east-1): the token cache dir \`${w.path("not-a-dir")}\` cannot be used: \`${w.path("not-a-dir")}\` is a file, not a directory. Point CODEARTIFACT_KEYRING_CACHE_DIR at a directory you can write, or set \`cache = none\``,
    ],
  },
  {
    category: "environment",
    name: "NPM_CONFIG_USERCONFIG naming a directory",
    setup: (w) => mkdirSync(w.path("npmrc.d")),
    env: (w) => ({ NPM_CONFIG_USERCONFIG: w.path("npmrc.d") }),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: \`${w.path("npmrc.d")}\` is a directory, not a regular file, so no secret is written into it: remove it, or name a file of your own`,
    ],
  },
  {
    category: "environment",
    name: "npm_config_registry with a broken CodeArtifact URL",
    env: () => ({ npm_config_registry: ca(HOST, "/npm/x/") }),
    args: () => ["login"],
    status: 1,
    stderr: () => [
      `error: \`npm_config_registry\` in the environment: ${CA(ca(HOST, "/npm/x/"), "repository `x` is not valid: it must be 2-100 letters, digits, dots, underscores and hyphens, starting with a letter or digit", "").trim()}`,
    ],
  },
  {
    category: "environment",
    name: "AWS_PROFILE naming a profile that does not exist",
    env: () => ({ AWS_PROFILE: "ghost", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" }),
    args: login(),
    status: 1,
    stderr: () => [
      "error: npm-store (corp, us-east-1): no AWS credentials for corp (111122223333, us-east-1): tried the default chain (environment, ~/.aws files, SSO, web identity, container and instance metadata; AWS_PROFILE=ghost). Configure them (`aws configure`, `aws sso login`) or set `profile_name` in the config (Could not load credentials from any providers)",
    ],
  },
  {
    category: "environment",
    name: "CODEARTIFACT_AUTH_TOKEN with a space in it",
    env: () => ({ CODEARTIFACT_AUTH_TOKEN: "not a token" }),
    args: login(),
    status: 1,
    stderr: () => [
      // Refused where it enters (the token rule), before the .npmrc writer's own whitespace check.
      "error: npm-store (corp, us-east-1): CODEARTIFACT_AUTH_TOKEN is not a CodeArtifact token (it holds a space at position 4; tokens are letters, digits and `- . _ ~ + /` with `=` only at the end): set it to the token itself, or unset it to fetch one",
    ],
  },

  // ── interpolation ───────────────────────────────────────────────────────────────────────────────
  {
    category: "interpolation",
    name: "a missing reference",
    setup: cfg("[codeartifact]\nprofile = ${NOPE}\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: \`\${NOPE}\` in \`[codeartifact] profile_name\` is not set (${LOOKED}). Set \`NOPE\`, or give a default: \`\${NOPE:-default}\`.`,
    ],
  },
  {
    category: "interpolation",
    name: "a missing reference for a secret",
    setup: cfg(
      "[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${SECRET_KEY}\n",
    ),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:3: \`\${SECRET_KEY}\` in \`[codeartifact] aws_secret_access_key\` is not set (${LOOKED}). Set \`SECRET_KEY\`, or give a default: \`\${SECRET_KEY:-default}\`.`,
    ],
  },
  {
    category: "interpolation",
    name: "a cycle through the project's .env",
    setup: (w) => {
      cfg("[codeartifact]\nprofile = ${A}\n")(w);
      w.write(w.path("project/.env"), "A=${B}\nB=${A}\n");
    },
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: Interpolation cycle \`A > B > A\` in \`[codeartifact] profile_name\`. Change one of these values so they do not refer to each other.`,
    ],
  },
  {
    category: "interpolation",
    name: "a variable that refers to itself",
    setup: cfg("[codeartifact]\nprofile = ${SELF}\n"),
    env: () => ({ SELF: "x${SELF}" }),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: Interpolation cycle \`SELF > SELF\` in \`[codeartifact] profile_name\`. Change one of these values so they do not refer to each other.`,
    ],
  },
  {
    category: "interpolation",
    name: "an unterminated `${`",
    setup: cfg("[codeartifact]\nprofile = ${A\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: Interpolation syntax: an unterminated \`\${\` at character 1 in \`[codeartifact] profile_name\`. Close it with \`}\`, or write \`$\${\` for a literal \`\${\`.`,
    ],
  },
  {
    category: "interpolation",
    name: "a nested reference",
    setup: cfg("[codeartifact]\nprofile = ${A${B}}\n"),
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: Interpolation syntax: an invalid reference at character 1 in \`[codeartifact] profile_name\`: write \`\${NAME}\`, \`\${NAME:-default}\` or \`\${NAME-default}\` (NAME: letters, digits, \`_ . /\`; no nesting).`,
    ],
  },
  {
    category: "interpolation",
    name: "an empty default where a number is needed",
    setup: cfg("[codeartifact]\ntoken_duration = ${DURATION:-}\n"),
    args: login(),
    status: 1,
    stderr: (w) => [`error: ${cfgPath(w)}:2: token duration \`\` is not valid: ${DURATION_RULE}`],
  },
  {
    category: "interpolation",
    name: "a malformed line in the project's .env",
    setup: (w) => {
      cfg("[codeartifact]\nprofile = ${P}\n")(w);
      w.write(w.path("project/.env"), "P\n");
    },
    args: login(),
    status: 1,
    stderr: (w) => [
      `error: ${cfgPath(w)}:2: ${w.path("project/.env")}:1: expected \`KEY=VALUE\` (or a \`#\` comment). Fix the line or comment it out.`,
    ],
  },
];

/** The token cache is the one store a failing run may write (a token fetched before the failure). */
const inCache = (line: string) => /\.cache\/codeartifact-keyring(\/|$)/.test(line);

const counts = new Map<Category, number>();
for (const c of cases) if (!c.skip) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const skipped = cases.filter((c) => c.skip);
for (const c of skipped) console.log(`catalogue: skipping "${c.name}": ${c.skip}`);

describe(`bad-input catalogue: ${total} cases (${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")})`, () => {
  it("has at least 40 cases across every category", () => {
    expect(total).toBeGreaterThanOrEqual(40);
    expect(counts.size).toBe(7);
  });

  describe.each(cases.map((c) => [`${c.category}: ${c.name}`, c] as const))("%s", (_title, c) => {
    it.skipIf(c.skip !== undefined).concurrent(
      `exit ${c.status}, one line, no stack trace, no file changed`,
      async () => {
        const w = makeWorld(aws);
        Object.assign(w.env, c.env?.(w));
        c.setup?.(w);
        const before = snapshot(w.home);
        const result = c.unprivileged ? await runCliUnprivileged(w, c.args(w)) : await w.cli(c.args(w));
        const changed = diffSnapshots(before, snapshot(w.home)).filter((line) => !inCache(line));
        const lines = messages(result);
        const last = lines.length - 1;
        if (c.usage) {
          expect(lines[last]?.endsWith(` ${USAGE_HINT}`), lines[last]).toBe(true);
          lines[last] = (lines[last] ?? "").slice(0, -USAGE_HINT.length - 1);
        }
        expect({ status: result.status, stderr: lines }).toEqual({
          status: c.status,
          stderr: c.stderr(w),
        });
        expect(hasStackTrace(result.stderr)).toBe(false);
        if (c.stdout) expect(result.stdout).toMatch(c.stdout);
        else expect(result.stdout).toBe("");
        expect(changed).toEqual([]);
      },
    );
  });
});
