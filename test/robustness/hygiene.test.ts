// Secret hygiene across the whole tool: every command and error path runs with a known token (and a
// known AWS secret key and user secret), and the scan fails if any of them shows up where it must not:
// stdout (except `token`, `secrets get`, and the pnpm helper, whose job it is), stderr (except GitHub
// Actions' `::add-mask::` lines), --json documents, --verbose traces, file and directory names, the
// arguments of every process the tool starts (git, the exec'd command, shells: logged by PATH shims),
// or any file outside the intended stores. Every file and directory the tool creates is checked for
// 0600 / 0700. A last `logout --all` must leave the token nowhere but the GitHub env file.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeAws, startFakeAws, TEST_CREDENTIALS } from "../support/aws/index.js";
import { type RunResult, stderrLines } from "../support/run.js";
import {
  canaryToken,
  gitRepo,
  hasGit,
  hasStackTrace,
  makeWorld,
  messages,
  nerf,
  reg,
  snapshot,
  URL,
} from "./support.js";

const TOKEN = canaryToken("hygiene");
const TOKEN_WITH_SPACE = `${canaryToken("env-token")} trailing`;
const USER_SECRET = `user-secret-${createHash("sha256").update("user").digest("hex")}`;
const SECRET_KEY = TEST_CREDENTIALS.secretAccessKey;
const OTHER = reg("corp", "other-repo");

/** What must never leak (every token the endpoint issued counts as the token), with a fragment of each. */
const SECRETS = [
  ["token", TOKEN],
  ["token given in the environment", TOKEN_WITH_SPACE.split(" ")[0] as string],
  ["AWS secret key", SECRET_KEY],
  ["user secret", USER_SECRET],
] as const;
const fragments = (value: string) => [value, value.slice(20, 44)];
const leaks = (text: string) => [
  ...new Set(
    [...SECRETS, ...(aws?.codeartifact.issued ?? []).map((t) => ["token", t.token] as const)]
      .filter(([, value]) => fragments(value).some((f) => text.includes(f)))
      .map(([name]) => name),
  ),
];

let aws: FakeAws;
/** The endpoint back to how it started, still issuing the known token. */
function resetAws(): void {
  aws.reset();
  aws.codeartifact.denied.clear();
  aws.codeartifact.makeToken = () => TOKEN;
}
beforeAll(async () => {
  aws = await startFakeAws();
  resetAws();
});
afterEach(resetAws);
afterAll(() => aws.close());

interface Step {
  label: string;
  args: string[];
  env?: Record<string, string>;
  input?: string;
  /** Where the token may appear on stdout, because printing it is the command's job. */
  stdoutMayHold?: "token" | "user secret";
  /** Expected exit code (default 0). */
  status?: number;
  /** Runs before the step (arranges a fault, a file). */
  before?: () => void;
}

describe("secret hygiene: every command and error path with a known token", () => {
  it("the token, the AWS secret key and a user secret appear only where they belong", {
    timeout: 10 * 60_000,
  }, async () => {
    const w = makeWorld(aws, { CODEARTIFACT_KEYRING_CACHE: "auto" });
    const tmp = w.path("tmp");
    const githubEnv = w.path("github-env");
    const shimLog = w.path("shim-argv.log");
    const alt = w.path("alt", ".npmrc");
    w.write(join(tmp, ".keep"), "");
    w.write(githubEnv, "");
    w.write(shimLog, "");
    // PATH shims log the arguments of every git, node and sh the tool starts, then run the real one.
    // Bash, not sh: dash would drop the `npm_config_//…` variables on the way (see the sh test below).
    const shims = w.path("shims");
    for (const program of ["git", "node", "sh"]) {
      const real = execFileSync("bash", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
      w.write(
        join(shims, program),
        `#!/bin/bash\nprintf '%s\\0' "$@" >> '${shimLog}'\nprintf '\\n' >> '${shimLog}'\nexec '${real}' "$@"\n`,
      );
      chmodSync(join(shims, program), 0o755);
    }
    Object.assign(w.env, { PATH: `${shims}:${w.env.PATH}`, TMPDIR: tmp, GITHUB_ENV: githubEnv });
    if (hasGit()) gitRepo(w, w.path("project", "tracked"), { ".npmrc": "fund=false\n" });
    w.write(w.path("project", "readonly", ".npmrc"), "fund=false\n", 0o444);
    w.write(w.path(".npmrc"), "fund=false\n", 0o644);
    w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\n");
    const written = new Set(snapshot(w.home).keys());

    const node = `console.log(JSON.stringify({ argv: process.argv.slice(1), names: Object.keys(process.env).filter((n) => /_authToken$|^CODEARTIFACT_AUTH_TOKEN$|^YARN_NPM_AUTH_TOKEN$/.test(n)).sort(), sha: require("crypto").createHash("sha256").update(process.env.CODEARTIFACT_AUTH_TOKEN ?? "").digest("hex") }))`;
    const steps: Step[] = [
      { label: "login", args: ["login", "-r", URL] },
      { label: "login --json", args: ["login", "-r", URL, "-r", OTHER, "--json"] },
      { label: "login --verbose --refresh", args: ["login", "-r", URL, "--verbose", "--refresh"] },
      { label: "login --yarn", args: ["login", "-r", URL, "--yarn"] },
      {
        label: "login --dry-run --yarn --verbose",
        args: ["login", "-r", URL, "--dry-run", "--yarn", "--verbose"],
      },
      {
        label: "login --scope --default-registry --npmrc",
        args: ["login", "-r", URL, "--scope", "@corp", "--default-registry", "--npmrc", alt],
      },
      { label: "login --github-env", args: ["login", "-r", URL, "--github-env"] },
      { label: "login in GitHub Actions", args: ["login", "-r", URL], env: { GITHUB_ACTIONS: "true" } },
      { label: "token", args: ["token", "-r", URL], stdoutMayHold: "token" },
      {
        label: "token --format header",
        args: ["token", "-r", URL, "--format", "header"],
        stdoutMayHold: "token",
      },
      {
        label: "token --format json",
        args: ["token", "-r", URL, "--format", "json"],
        stdoutMayHold: "token",
      },
      {
        label: "token --format env --verbose",
        args: ["token", "-r", URL, "--format", "env", "--verbose"],
        stdoutMayHold: "token",
      },
      { label: "token --github-env", args: ["token", "-r", URL, "--github-env"], stdoutMayHold: "token" },
      { label: "exec -- node", args: ["exec", "-r", URL, "--", "node", "-e", node] },
      {
        label: "exec --verbose -- node",
        args: ["exec", "-r", URL, "-r", OTHER, "--verbose", "--", "node", "-e", node],
      },
      { label: "exec -- sh -c", args: ["exec", "-r", URL, "--", "sh", "-c", "env | cut -d= -f1 | sort"] },
      { label: "setup pnpm", args: ["setup", "pnpm", "-r", URL, "--pnpm-version", "10.34.9"] },
      {
        label: "setup pnpm --json",
        args: ["setup", "pnpm", "-r", URL, "--json", "--pnpm-version", "10.34.9"],
      },
      { label: "status", args: ["status", "-r", URL] },
      { label: "status --json --verbose", args: ["status", "-r", URL, "--json", "--verbose"] },
      { label: "diagnose", args: ["diagnose", "-r", URL] },
      { label: "diagnose --json --verbose", args: ["diagnose", "-r", URL, "--json", "--verbose"] },
      { label: "secrets init", args: ["secrets", "init"] },
      { label: "secrets set", args: ["secrets", "set", "API_KEY"], input: `${USER_SECRET}\n` },
      { label: "secrets list", args: ["secrets", "list"] },
      { label: "secrets list --json", args: ["secrets", "list", "--json"] },
      { label: "secrets info --verbose", args: ["secrets", "info", "--verbose"] },
      { label: "secrets get", args: ["secrets", "get", "API_KEY"], stdoutMayHold: "user secret" },
      // Error paths, with the token cached and known.
      {
        label: "503 bridged by the cached token (--refresh --verbose)",
        args: ["login", "-r", URL, "--refresh", "--verbose"],
        before: () =>
          aws.inject(
            "GetAuthorizationToken",
            { type: "error", status: 503, code: "ServiceUnavailableException" },
            Number.POSITIVE_INFINITY,
          ),
      },
      {
        label: "AccessDenied (--refresh --verbose)",
        args: ["login", "-r", URL, "--refresh", "--verbose"],
        status: 1,
        before: () => {
          resetAws();
          aws.codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId);
        },
      },
      {
        label: "diagnose --json with a failing fetch",
        args: ["diagnose", "-r", URL, "--json"],
        env: { CODEARTIFACT_KEYRING_CACHE: "none" },
        status: 1,
      },
      {
        label: "a read-only --npmrc after the token is fetched (--verbose)",
        args: ["login", "-r", URL, "--npmrc", w.path("project", "readonly", ".npmrc"), "--verbose"],
        status: 1,
        before: resetAws,
      },
      ...(hasGit()
        ? [
            {
              label: "a git-tracked --npmrc (--verbose)",
              args: ["login", "-r", URL, "--npmrc", "tracked/.npmrc", "--verbose"],
              status: 1,
            },
          ]
        : []),
      {
        label: "CODEARTIFACT_AUTH_TOKEN that cannot be written (--verbose)",
        args: ["login", "-r", URL, "--verbose"],
        env: { CODEARTIFACT_AUTH_TOKEN: TOKEN_WITH_SPACE },
        status: 1,
      },
      {
        label: "exec with a CODEARTIFACT_AUTH_TOKEN that cannot be passed (--verbose)",
        args: ["exec", "-r", URL, "--verbose", "--", "node", "-e", "0"],
        env: { CODEARTIFACT_AUTH_TOKEN: TOKEN_WITH_SPACE },
        status: 1,
      },
      {
        label: "a wrong secret key in the config (--verbose)",
        args: ["token", "-r", URL, "--verbose"],
        env: { CODEARTIFACT_KEYRING_CACHE: "none", WRONG_SECRET: `${SECRET_KEY}x` },
        status: 1,
        before: () =>
          w.write(
            w.path(".config/codeartifact-keyring/config.ini"),
            `[codeartifact]\naws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = \${WRONG_SECRET}\n`,
          ),
      },
      {
        label: "logout",
        args: ["logout", "-r", URL, "--yarn"],
        before: () => w.write(w.path(".config/codeartifact-keyring/config.ini"), "[codeartifact]\n"),
      },
      { label: "logout --npmrc (the alternative file)", args: ["logout", "--all", "--npmrc", alt] },
      { label: "setup pnpm --remove", args: ["setup", "pnpm", "--remove"] },
      { label: "secrets clear", args: ["secrets", "clear"] },
      { label: "logout --all --yarn", args: ["logout", "--all", "--yarn"] },
    ];

    const violations: string[] = [];
    const check = (where: string, text: string, allowed: readonly string[] = []) => {
      for (const name of leaks(text))
        if (!allowed.includes(name)) violations.push(`${where}: holds the ${name}`);
    };
    /** What a file may hold while the tool runs: the stores the tool writes on purpose. */
    const stores = (path: string): string[] =>
      path === w.path(".npmrc") ||
      path === w.path(".yarnrc.yml") ||
      path === alt ||
      path === githubEnv ||
      /\/\.cache\/codeartifact-keyring\/tokens\/[0-9a-f]{16}\.json$/.test(path)
        ? ["token"]
        : /\/\.config\/codeartifact-keyring\/user-secrets\/[0-9a-f-]{36}\/secrets\.json$/.test(path)
          ? ["user secret"]
          : [];
    const results: Record<string, RunResult> = {};
    const created = new Set<string>();
    const modes = new Set<string>();
    let filesScanned = 0;
    let commands = 0;

    for (const step of steps) {
      step.before?.();
      const result = await w.cli(step.args, {
        ...(step.env ? { env: step.env } : {}),
        ...(step.input !== undefined ? { input: step.input } : {}),
      });
      commands += 1;
      results[step.label] = result;
      if (result.status !== (step.status ?? 0))
        violations.push(`${step.label}: exit ${result.status}: ${messages(result).join(" | ")}`);
      const tokenAllowed =
        step.stdoutMayHold === "token"
          ? ["token"]
          : step.stdoutMayHold === "user secret"
            ? ["user secret"]
            : [];
      check(`${step.label}: stdout`, result.stdout, tokenAllowed);
      const masked =
        step.env?.GITHUB_ACTIONS === "true" ? result.stderr.replace(/^::add-mask::.*$/gm, "") : result.stderr;
      check(`${step.label}: stderr`, masked);
      if (!step.args.includes("--verbose") && hasStackTrace(result.stderr))
        violations.push(`${step.label}: a stack trace without --verbose`);
      // Every file and name in HOME (project, config, cache, data, temp dir included).
      for (const [path, entry] of snapshot(w.home)) {
        const full = join(w.home, "..", path);
        check(`${step.label}: the name ${relative(w.home, full)}`, path);
        // The tool's own files: 0600 (its pnpm helpers 0700, they run), in 0700 directories. The
        // project's .env is the user's file and holds only an id.
        if (!written.has(path) && !path.endsWith("/project/.env") && entry.type !== "link") {
          const want = entry.type === "dir" || path.includes("/pnpm-helpers/") ? 0o700 : 0o600;
          created.add(relative(w.home, full));
          if (entry.mode !== want) {
            modes.add(
              `${relative(w.home, full)} is ${entry.mode.toString(8)}, not ${want.toString(8)} (after ${step.label})`,
            );
          }
        }
        if (entry.type !== "file" || full === shimLog) continue;
        filesScanned += 1;
        const text = readFileSync(full, "latin1");
        check(`${step.label}: ${relative(w.home, full)}`, text, stores(full));
        // A file that holds a secret is 0600, whoever created it (the user's 0644 ~/.npmrc is tightened).
        if (full !== githubEnv && leaks(text).length > 0 && entry.mode !== 0o600) {
          modes.add(
            `${relative(w.home, full)} holds a secret at mode ${entry.mode.toString(8)} (after ${step.label})`,
          );
        }
      }
      check(`${step.label}: arguments of the processes it started`, readFileSync(shimLog, "utf8"));
    }

    // The pnpm helper is a program of its own: its stdout is `Bearer <token>` (its job), nothing else.
    const helper = JSON.parse(results["setup pnpm --json"]?.stdout ?? "{}").helpers?.[0]?.helperPath as
      | string
      | undefined;
    expect(helper).toBeDefined();

    // After logout --all nothing holds the token but the GitHub env file the runner owns.
    const left = [...snapshot(w.home)]
      .filter(([, e]) => e.type === "file")
      .map(([p]) => join(w.home, "..", p))
      .filter((p) => p !== githubEnv && p !== shimLog && leaks(readFileSync(p, "latin1")).includes("token"));

    console.log(
      `hygiene scan: ${commands} commands, ${filesScanned} file reads, ${readFileSync(shimLog, "utf8").split("\n").length - 1} child processes' arguments, ${created.size} paths the tool created checked for their mode: ${[...created].sort().join(", ")}`,
    );
    expect(violations).toEqual([]);
    expect([...modes]).toEqual([]);
    expect(left.map((p) => relative(w.home, p))).toEqual([]);
    expect(readFileSync(githubEnv, "utf8")).toContain(TOKEN);

    // What the commands did with the token, besides not leaking it.
    const execOut = JSON.parse(results["exec -- node"]?.stdout ?? "{}");
    // No YARN_NPM_AUTH_TOKEN: without a .yarnrc.yml naming URL, yarn's default is its own registry,
    // which would get the token (test/security/token-hosts.test.ts).
    expect(execOut.names).toEqual(["CODEARTIFACT_AUTH_TOKEN", `npm_config_${nerf(URL)}:_authToken`].sort());
    expect(execOut.sha).toBe(createHash("sha256").update(TOKEN).digest("hex"));
    const masks = (results["login in GitHub Actions"]?.stderr ?? "").match(/^::add-mask::.*$/gm);
    expect(masks).toEqual([`::add-mask::${TOKEN}`]);
    expect(results.token?.stdout).toBe(`${TOKEN}\n`);
    expect(existsSync(helper as string)).toBe(false); // removed by setup pnpm --remove
  });
});

describe("the pnpm token helper and exec through sh", () => {
  it("the helper prints `Bearer <token>` on stdout and nothing else anywhere", async () => {
    const w = makeWorld(aws);
    const setup = await w.cli(["setup", "pnpm", "-r", URL, "--json", "--pnpm-version", "10.34.9"]);
    expect(setup.status, setup.stderr).toBe(0);
    const helper = JSON.parse(setup.stdout).helpers[0].helperPath as string;
    expect(lstatSync(helper).mode & 0o777).toBe(0o700);
    expect(leaks(readFileSync(helper, "utf8"))).toEqual([]);
    // Asynchronously: the loopback endpoint answers from this process.
    const { stdout, stderr } = await promisify(execFile)(helper, [], { env: w.env, cwd: w.project });
    expect({ stdout, stderr: stderrLines(stderr) }).toEqual({ stdout: `Bearer ${TOKEN}\n`, stderr: [] });
  });

  it("a known caveat: Debian's /bin/sh (dash) drops `npm_config_//…` names, so `exec -- sh -c` keeps only CODEARTIFACT_AUTH_TOKEN", async () => {
    const w = makeWorld(aws);
    const result = await w.cli(["exec", "-r", URL, "--", "sh", "-c", "env | cut -d= -f1"]);
    expect(result.status, result.stderr).toBe(0);
    const names = result.stdout.split("\n");
    expect(names).toContain("CODEARTIFACT_AUTH_TOKEN");
    const dash = /dash/.test(execFileSync("readlink", ["-f", "/bin/sh"], { encoding: "utf8" }));
    const kept = names.includes(`npm_config_${nerf(URL)}:_authToken`);
    if (dash) expect(kept).toBe(false);
    console.log(
      `/bin/sh is ${dash ? "dash: it drops" : "not dash: it keeps"} npm_config_//…:_authToken; CODEARTIFACT_AUTH_TOKEN always survives`,
    );
    // Directly, without a shell, the command gets every variable.
    const direct = await w.cli([
      "exec",
      "-r",
      URL,
      "--",
      "node",
      "-e",
      "console.log(Object.keys(process.env).join('\\n'))",
    ]);
    expect(direct.stdout.split("\n")).toContain(`npm_config_${nerf(URL)}:_authToken`);
  });

  it("writes nothing when the target is tracked by git, and says how to proceed", async () => {
    if (!hasGit()) {
      console.log("skipping: git is not installed (.ci/run installs it)");
      return;
    }
    const w = makeWorld(aws);
    gitRepo(w, w.path("project", "app"), { ".npmrc": "fund=false\n" });
    const before = readFileSync(w.path("project", "app", ".npmrc"), "utf8");
    const result = await w.cli(["setup", "pnpm", "-r", URL, "--pnpm-version", "10.34.9"], {
      env: { NPM_CONFIG_USERCONFIG: w.path("project", "app", ".npmrc") },
    });
    expect(result.status).toBe(1);
    expect(messages(result)).toEqual([
      `error: \`${w.path("project", "app", ".npmrc")}\` is tracked by git, so a token (or token helper) written there would be committed: write tokens to your user .npmrc (the default), or pass \`--force\` if you really mean this file`,
    ]);
    expect(readFileSync(w.path("project", "app", ".npmrc"), "utf8")).toBe(before);
  });
});
