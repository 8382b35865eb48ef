// Every other command, through the built bin: happy paths, --json shapes, exit codes.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, run, stderrLines } from "../support/run.js";
import { NERF, REGISTRY, REGISTRY_OTHER_DOMAIN, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();
const token = () => aws().codeartifact.issued.at(-1)?.token as string;

describe("help, version and usage errors", () => {
  it("--version prints the package's version", async () => {
    const result = await sandbox().run(["--version"]);
    const { version } = JSON.parse(readFileSync(join(BIN, "..", "..", "package.json"), "utf8"));
    expect(result).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it.each([
    "login",
    "token",
    "exec",
    "publish",
    "setup",
    "setup pnpm",
    "logout",
    "status",
    "diagnose",
    "refresh",
    "refresh install",
    "shell-init",
    "secrets",
    "secrets set",
    "secrets list",
  ])("`%s --help` describes the command with an example", async (command) => {
    const result = await sandbox().run([...command.split(" "), "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: codeartifact-login /);
    expect(result.stdout).toContain("Examples:\n  $ ");
  });

  it.each([
    [["--bogus"], "error: unknown option '--bogus'"],
    [
      ["token", "--format", "xml"],
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are raw, header, json, env.",
    ],
    [["secrets", "get"], "error: missing required argument 'key'"],
    [["exec"], "error: missing required argument 'command'"],
    [
      ["nope"],
      "error: unknown command 'nope': the commands are login, token, exec, publish, setup, logout, status, diagnose, refresh, shell-init, secrets",
    ],
    [["setup"], "error: `setup` needs what to set up: `codeartifact-login setup pnpm`"],
  ])("%j exits 2 with the usage hint on the error's line", async (args, message) => {
    const result = await sandbox().run(args);
    expect(result.status).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([`${message} (run with --help for usage)`]);
  });
});

describe("token", () => {
  it.each([
    ["raw", (t: string) => `${t}\n`],
    ["header", (t: string) => `Bearer ${t}\n`],
    ["env", (t: string) => `CODEARTIFACT_AUTH_TOKEN='${t}'\n`],
  ])("--format %s prints only the token on stdout", async (format, expected) => {
    const box = sandbox();
    const result = await box.run(["token", "--registry", REGISTRY, "--format", format]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected(token()));
  });

  it("--format json has the token, its expiry and the registry", async () => {
    const result = await sandbox().run(["token", "--registry", REGISTRY, "--format", "json"]);
    expect(JSON.parse(result.stdout)).toEqual({
      token: token(),
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      source: "aws",
      registryUrl: REGISTRY,
      domain: "corp",
      domainOwner: "111122223333",
      region: "us-east-1",
      repository: "npm-store",
    });
  });

  it("uses the project's registry, and asks to choose when it spans domains", async () => {
    const box = sandbox();
    box.projectNpmrc(`registry=${REGISTRY}\n`);
    expect((await box.run(["token"])).stdout).toBe(`${token()}\n`);
    box.projectNpmrc(`registry=${REGISTRY}\n@tools:registry=${REGISTRY_OTHER_DOMAIN}\n`);
    const ambiguous = await box.run(["token"]);
    expect(ambiguous.status).toBe(1);
    expect(stderrLines(ambiguous.stderr).at(-1)).toMatch(
      /^error: the project uses registries in 2 domains .*: pick one with --registry$/,
    );
  });

  it("explicit coordinates for a registry URL that is not CodeArtifact-shaped", async () => {
    const box = sandbox();
    const args = [
      "token",
      "--registry",
      "http://127.0.0.1:4873/npm/private",
      "--domain",
      "corp",
      "--domain-owner",
      "111122223333",
    ];
    const partial = await box.run(args);
    expect(partial.status).toBe(2);
    expect(stderrLines(partial.stderr)).toEqual([
      "error: explicit coordinates need exactly one --registry and all of --domain, --domain-owner, --region and --repository (run with --help for usage)",
    ]);
    const full = await box.run([...args, "--region", "us-east-1", "--repository", "private"]);
    expect(full.status, full.stderr).toBe(0);
    expect(aws().calls.at(-1)?.query).toMatchObject({ domain: "corp", "domain-owner": "111122223333" });
  });
});

describe("exec", () => {
  it("passes the tokens in the environment only, and the command's exit code", async () => {
    const box = sandbox();
    const script = `const e = process.env; process.stdout.write(JSON.stringify({ npm: e["npm_config_${NERF}:_authToken"], ca: e.CODEARTIFACT_AUTH_TOKEN })); process.exit(7)`;
    const result = await box.run(["exec", "--registry", REGISTRY, "--", process.execPath, "-e", script]);
    expect(result.status).toBe(7);
    expect(JSON.parse(result.stdout)).toEqual({ npm: token(), ca: token() });
    expect(existsSync(box.path(".npmrc"))).toBe(false);
  });

  it("passes stdin through", async () => {
    const box = sandbox();
    const result = await box.run(
      ["exec", "--registry", REGISTRY, "--", process.execPath, "-e", "process.stdin.pipe(process.stdout)"],
      {
        input: "piped through\n",
      },
    );
    expect(result).toMatchObject({ status: 0, stdout: "piped through\n" });
  });

  it("forwards SIGTERM to the command and exits as it does", async () => {
    const box = sandbox();
    const marker = join(box.project, "got-signal");
    const script = `process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); process.exit(3); }); process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;
    const child = spawn(
      process.execPath,
      [BIN, "exec", "--registry", REGISTRY, "--", process.execPath, "-e", script],
      {
        env: box.env,
        cwd: box.project,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(3);
    expect(existsSync(marker)).toBe(true);
  });

  it("a command that is not found exits 127 with one line", async () => {
    const result = await sandbox().run(["exec", "--registry", REGISTRY, "--", "no-such-command-here"]);
    expect(result.status).toBe(127);
    expect(stderrLines(result.stderr).at(-1)).toBe(
      "error: cannot run `no-such-command-here`: command not found (check PATH)",
    );
  });
});

describe("setup pnpm", () => {
  it("installs a helper that prints `Bearer <token>` from the cache, then removes it", async () => {
    const box = sandbox();
    const setup = await box.run(["setup", "pnpm", "--registry", REGISTRY, "--pnpm-version", "10.34.9"]);
    expect(setup.status, setup.stderr).toBe(0);
    const line = readFileSync(box.path(".npmrc"), "utf8").trim();
    expect(line).toMatch(
      new RegExp(
        `^${NERF.replace(/[.]/g, "\\.")}:tokenHelper=/.+/codeartifact-keyring/pnpm-helpers/token-[0-9a-f]{16}$`,
      ),
    );
    const helper = line.split("=")[1] as string;
    expect(statSync(helper).mode & 0o777).toBe(0o700);
    expect(readFileSync(box.path(".npmrc"), "utf8")).not.toContain("_authToken");

    // As pnpm runs it: the absolute path, no arguments.
    const fetched = await run(helper, [], { env: box.env, cwd: box.project });
    expect(fetched.status, fetched.stderr).toBe(0);
    expect(fetched.stdout).toBe(`Bearer ${token()}\n`);
    const cached = await run(helper, [], { env: box.env, cwd: box.project });
    expect(cached.stdout).toBe(`Bearer ${token()}\n`);
    expect(aws().count("GetAuthorizationToken")).toBe(1);

    const removed = await box.run(["setup", "pnpm", "--remove"]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe("");
    expect(existsSync(helper)).toBe(false);
  });

  it("for pnpm 11.13+ the lines go to pnpm's auth.ini ($XDG_CONFIG_HOME/pnpm), with no warning; for 11.12 to ~/.npmrc, with npm's", async () => {
    const box = sandbox();
    const modern = await box.run(["setup", "pnpm", "--registry", REGISTRY, "--pnpm-version", "11.13.0"]);
    expect(modern.status, modern.stderr).toBe(0);
    expect(stderrLines(modern.stderr).filter((l) => l.startsWith("warning:"))).toEqual([]);
    const authIni = box.path(".config", "pnpm", "auth.ini");
    expect(readFileSync(authIni, "utf8")).toMatch(/:tokenHelper=\/.+\/pnpm-helpers\/token-[0-9a-f]{16}\n$/);
    expect(existsSync(box.path(".npmrc"))).toBe(false);

    const older = await box.run(["setup", "pnpm", "--registry", REGISTRY, "--pnpm-version", "11.12.3"]);
    expect(older.status, older.stderr).toBe(0);
    expect(stderrLines(older.stderr).filter((l) => l.startsWith("warning:"))).toEqual([
      expect.stringContaining('npm 11 and 12 print `Unknown user config "tokenHelper"`'),
    ]);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toContain(":tokenHelper=");

    // --remove cleans both places.
    const removed = await box.run(["setup", "pnpm", "--remove"]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(readFileSync(authIni, "utf8")).toBe("");
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe("");
  });

  it("--npmrc puts the lines in another user config file, such as pnpm 11+'s auth.ini", async () => {
    const box = sandbox();
    const authIni = box.path(".config", "pnpm", "auth.ini");
    const setup = await box.run(["setup", "pnpm", "--registry", REGISTRY, "--npmrc", authIni]);
    expect(setup.status, setup.stderr).toBe(0);
    expect(readFileSync(authIni, "utf8")).toMatch(/:tokenHelper=\/.+\/pnpm-helpers\/token-[0-9a-f]{16}\n$/);
    expect(existsSync(box.path(".npmrc"))).toBe(false);
    const removed = await box.run(["setup", "pnpm", "--remove", "--npmrc", authIni]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(readFileSync(authIni, "utf8")).toBe("");
  });

  it("the helper fails with one line on stderr and nothing on stdout", async () => {
    const box = sandbox();
    await box.run(["setup", "pnpm", "--registry", REGISTRY, "--pnpm-version", "9.15.9"]);
    const helper = readFileSync(box.path(".npmrc"), "utf8").trim().split("=")[1] as string;
    aws().codeartifact.denied.add("AKIAIOSFODNN7EXAMPLE");
    const failed = await run(helper, [], { env: box.env, cwd: box.project });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe("");
    expect(stderrLines(failed.stderr)).toEqual([
      expect.stringMatching(
        /^codeartifact-keyring \(pnpm token helper\): https:\/\/corp-.*: access denied for /,
      ),
    ]);
  });
});

describe("logout", () => {
  it("removes the token line and the cached token, and nothing else", async () => {
    const box = sandbox();
    writeFileSync(box.path(".npmrc"), "fund=false\n");
    await box.run(["--registry", REGISTRY]);
    const result = await box.run(["logout", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe("fund=false\n");
    expect(stderrLines(result.stderr).at(-1)).toBe(
      "✔ logged out of 1 registry: ~/.npmrc updated, 0 pnpm helper(s) and 1 cached token(s) removed",
    );
    // The next login has to ask AWS again.
    await box.run(["--registry", REGISTRY]);
    expect(aws().count("GetAuthorizationToken")).toBe(2);
  });

  it("--all removes every CodeArtifact token line and cached token", async () => {
    const box = sandbox();
    writeFileSync(box.path(".npmrc"), "//registry.npmjs.org/:_authToken=npm-own-token\n");
    await box.run(["--registry", REGISTRY, "--registry", REGISTRY_OTHER_DOMAIN]);
    const result = await box.run(["logout", "--all", "--json"]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ cachedTokensRemoved: 2, npmrc: { changed: true } });
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe("//registry.npmjs.org/:_authToken=npm-own-token\n");
  });
});

describe("status and diagnose", () => {
  it("status --json lists registries, credential sources and cached tokens without values", async () => {
    const box = sandbox();
    box.projectNpmrc(`@corp:registry=${REGISTRY}\n`);
    await box.run([]);
    const result = await box.run(["status", "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.registries).toEqual([
      expect.objectContaining({
        registryUrl: REGISTRY,
        scope: "@corp",
        origin: `${join(box.project, ".npmrc")}:1`,
        credentials: [`${box.path(".npmrc")}:1 _authToken`],
      }),
    ]);
    expect(status.cachedTokens).toEqual([
      expect.objectContaining({
        domain: "corp",
        domainOwner: "111122223333",
        region: "us-east-1",
        store: "file",
        expired: false,
      }),
    ]);
    expect(result.stdout).not.toContain(token());
  });

  it("diagnose explains the sections, settings and sources, and finds the pnpm ${VAR} trap", async () => {
    const box = sandbox();
    const config = box.config(
      `[codeartifact]\ntoken_duration = 1800\nprofile_name = nowhere\n[codeartifact domain="corp"]\nrole_session_name = dev\n`,
    );
    box.projectNpmrc(`registry=${REGISTRY}\n${NERF}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`);
    const result = await box.run(["diagnose", "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.config.file).toBe(config);
    const [registry] = report.registries;
    expect(registry.sectionsApplied).toEqual(["codeartifact", 'codeartifact domain="corp"']);
    expect(registry.settings).toEqual([
      { key: "token_duration", value: "1800", section: "codeartifact", file: config, line: 2 },
      {
        key: "role_session_name",
        value: "dev",
        section: 'codeartifact domain="corp"',
        file: config,
        line: 5,
      },
    ]);
    // The credential group comes whole from [codeartifact domain="corp"]: the defaults' profile (which
    // does not exist, so using it would fail) is set aside, and the report says so.
    expect(registry.credentials).toEqual({
      section: 'codeartifact domain="corp"',
      file: config,
      line: 4,
      setAside: [{ section: "codeartifact", keys: ["profile_name"], line: 1 }],
    });
    expect(registry.identity).toBe("default credential chain (AWS_ACCESS_KEY_ID=AKIA…MPLE)");
    expect(registry.traps).toEqual([
      expect.stringContaining("pnpm >= 10.34.2 ignores ${VAR} auth in a project .npmrc"),
    ]);
    expect(registry.token).toMatchObject({ ok: true, source: "aws" });
    expect(result.stdout).not.toContain(token());

    const text = await box.run(["diagnose"]);
    expect(text.stdout).toContain("Registry npm-store (corp, 111122223333, us-east-1)");
    expect(text.stdout).toMatch(
      /token_duration = 1800 {4}\(\[codeartifact\] ~\/\.config\/codeartifact-keyring\/config\.ini:2\)/,
    );
    expect(text.stdout).toContain(
      '  credentials: [codeartifact domain="corp"] ~/.config/codeartifact-keyring/config.ini:4\n    set aside: profile_name of [codeartifact] (credentials come whole from one section)\n',
    );
  });
});

describe("secrets", () => {
  it("init, set from stdin, get, list (masked), delete, clear, info", async () => {
    const box = sandbox();
    const secrets = (...args: string[]) => box.run(["secrets", ...args]);
    expect((await secrets("init")).status).toBe(0);
    expect(readFileSync(join(box.project, ".env"), "utf8")).toMatch(/^USER_SECRETS_ID=[0-9a-f-]{36}\n$/);
    expect((await box.run(["secrets", "set", "CI_SECRET"], { input: "s3cr3t value\n" })).status).toBe(0);
    expect((await secrets("get", "CI_SECRET")).stdout).toBe("s3cr3t value\n");
    const list = await secrets("list");
    expect(list.stdout).toBe("CI_SECRET = ********\n");
    expect(list.stdout + list.stderr).not.toContain("s3cr3t");
    expect(JSON.parse((await secrets("info", "--json")).stdout)).toMatchObject({
      count: 1,
      projectDir: box.project,
    });
    expect((await secrets("delete", "CI_SECRET")).status).toBe(0);
    const missing = await secrets("get", "CI_SECRET");
    expect(missing.status).toBe(1);
    expect(stderrLines(missing.stderr)).toEqual([
      `error: no secret \`CI_SECRET\` for ${box.project}: list them with \`codeartifact-login secrets list\``,
    ]);
    await box.run(["secrets", "set", "A"], { input: "1" });
    expect(JSON.parse((await secrets("clear", "--json")).stdout)).toEqual({ removed: 1 });
  });

  it.each([
    ["python-env-secrets", "ENV_SECRETS_ID", ".python/envsecrets", ".secrets", 'CI_SECRET="s3cr3t value"\n'],
    ["dotnet", "USER_SECRETS_ID", ".microsoft/usersecrets", "secrets.json", '"CI_SECRET": "s3cr3t value"'],
  ])("--store %s reads and writes that tool's own files", async (store, idKey, folder, file, written) => {
    const box = sandbox();
    const secrets = (...args: string[]) => box.run(["secrets", ...args, "--store", store]);
    expect((await secrets("init")).status).toBe(0);
    const id = new RegExp(`^${idKey}=([0-9a-f-]{36})\n$`).exec(
      readFileSync(join(box.project, ".env"), "utf8"),
    )?.[1];
    expect(id).toBeDefined();
    expect(
      (await box.run(["secrets", "set", "CI_SECRET", "--store", store], { input: "s3cr3t value\n" })).status,
    ).toBe(0);
    const stored = box.path(join(folder, id as string, file));
    expect(readFileSync(stored, "utf8")).toContain(written);
    expect((await secrets("get", "CI_SECRET")).stdout).toBe("s3cr3t value\n");
    expect(JSON.parse((await secrets("info", "--json")).stdout)).toMatchObject({
      idKey,
      secretsFile: stored,
      count: 1,
    });
    // The native store does not see them.
    expect(JSON.parse((await box.run(["secrets", "list", "--json"])).stdout)).toEqual({ keys: [] });
    const bad = await box.run(["secrets", "list", "--store", "vault"]);
    expect(bad.status).not.toBe(0);
    expect(stderrLines(bad.stderr)).toEqual([
      "error: --store `vault` is not a secret store: use native, dotnet, python-env-secrets (run with --help for usage)",
    ]);
  });

  it("a config value resolves from python-env-secrets' store the project links to", async () => {
    const box = sandbox({ AWS_SECRET_ACCESS_KEY: "" });
    box.config(
      "[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
    );
    expect((await box.run(["secrets", "init", "--store", "python-env-secrets"])).status).toBe(0);
    const set = await box.run(["secrets", "set", "CA_SECRET", "--store", "python-env-secrets"], {
      input: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    });
    expect(set.status, set.stderr).toBe(0);
    const result = await box.run(["token", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${token()}\n`);
    const diagnose = JSON.parse((await box.run(["diagnose", "--registry", REGISTRY, "--json"])).stdout);
    expect(diagnose.registries[0].settings).toContainEqual(
      expect.objectContaining({ key: "aws_secret_access_key", via: ["user-secrets (python-env-secrets)"] }),
    );
  });

  it("a broken dotnet secrets.json the project links to is reported with the setting that needed it", async () => {
    const box = sandbox({ AWS_SECRET_ACCESS_KEY: "" });
    const config = box.config(
      "[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
    );
    expect((await box.run(["secrets", "init", "--store", "dotnet"])).status).toBe(0);
    const info = JSON.parse((await box.run(["secrets", "info", "--json", "--store", "dotnet"])).stdout);
    writeFileSync(info.secretsFile, '{"CA_SECRET": "hunter2",');
    const result = await box.run(["token", "--registry", REGISTRY]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `error: ${config}:3: ${info.secretsFile}: is not valid JSON, so its secrets cannot be read. Fix the file by hand.`,
    ]);
  });

  it("a config value resolves from SSM Parameter Store under ssm_prefix", async () => {
    const box = sandbox({ AWS_SECRET_ACCESS_KEY: "", AWS_ENDPOINT_URL_SSM: aws().url });
    // The SSM call signs with the environment's keys; the CodeArtifact call with the keys of the config.
    box.config(
      "[codeartifact]\nssm_prefix = /ci/codeartifact\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
    );
    aws().ssm.set("/ci/codeartifact/CA_SECRET", {
      value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      type: "SecureString",
      version: 1,
    });
    const result = await box.run(["token", "--registry", REGISTRY], {
      env: {
        AWS_ACCESS_KEY_ID: "AKIAI44QH8DHBEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
      },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${token()}\n`);
    expect(aws().calls.map((c) => c.operation)).toEqual(["GetParameter", "GetAuthorizationToken"]);
    const diagnose = JSON.parse(
      (
        await box.run(["diagnose", "--registry", REGISTRY, "--json"], {
          env: {
            AWS_ACCESS_KEY_ID: "AKIAI44QH8DHBEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
          },
        })
      ).stdout,
    );
    expect(diagnose.registries[0].settings).toContainEqual(
      expect.objectContaining({ key: "aws_secret_access_key", value: "[redacted]", via: ["ssm"] }),
    );
  });

  it("a config value resolves through the user secrets the project links to", async () => {
    const box = sandbox({ AWS_SECRET_ACCESS_KEY: "" });
    box.config(
      "[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${CA_SECRET}\n",
    );
    await box.run(["secrets", "init"]);
    await box.run(["secrets", "set", "CA_SECRET"], { input: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" });
    const result = await box.run(["token", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${token()}\n`);
  });
});
