import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  loadKeyringConfig,
  parseSectionHeader,
  pythonKeyringConfigPath,
  readKeyringConfig,
} from "../../src/codeartifact/config.js";
import { ConfigError } from "../../src/codeartifact/errors.js";
import { selectSettings } from "../../src/codeartifact/select.js";
import { CREDENTIAL_KEYS } from "../../src/codeartifact/settings.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";

const REQUEST = { domain: "corp", account: "111122223333", region: "us-east-1", name: "npm-store" };

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("section headers", () => {
  it.each([
    ["codeartifact", {}],
    ['codeartifact account="111122223333"', { account: "111122223333" }],
    ["codeartifact account='111122223333'", { account: "111122223333" }],
    ["codeartifact account=111122223333", { account: "111122223333" }],
    ['codeartifact   name="npm-store"   domain="corp"', { name: "npm-store", domain: "corp" }],
    ['CodeArtifact Domain="Corp" REGION="US-EAST-1"', { domain: "corp", region: "us-east-1" }],
    ['codeartifact domain = "corp"', { domain: "corp" }],
    [
      'codeartifact domain="corp" account="111122223333" region="eu-west-1" name="Team_A.store"',
      { domain: "corp", account: "111122223333", region: "eu-west-1", name: "Team_A.store" },
    ],
  ])("[%s]", (header, qualifiers) => {
    expect(parseSectionHeader(header)).toEqual(qualifiers);
  });

  it.each(["backend", "keyring", "codeartifact.extra stuff is not ours"])(
    "[%s] belongs to another tool",
    (header) => {
      // A first word other than `codeartifact` (python keyring's own [backend] section, say) is ignored.
      if (header.startsWith("codeartifact.")) {
        expect(() => parseSectionHeader(header)).toThrow(ConfigError);
      } else {
        expect(parseSectionHeader(header)).toBeUndefined();
      }
    },
  );

  it.each([
    ['codeartifact acount="111122223333"', "unknown qualifier `acount`"],
    ['codeartifact subdomain="x"', "unknown qualifier `subdomain`"],
    ['codeartifact name="a1" name="b1"', "qualifier `name` is given twice"],
    ['codeartifact name="unterminated', "unterminated quote"],
    ["codeartifact name='x1\"", "unterminated quote"],
    ['codeartifact account="12345"', "domain owner `12345` is not valid"],
    ['codeartifact domain="Bad_Domain"', "domain `bad_domain` is not valid"],
    ['codeartifact region="mars"', "region `mars` is not valid"],
    ["codeartifact name", "cannot read `name`"],
    ["codeartifact-dev", "a section header is `codeartifact` followed by qualifiers"],
    ["codeartifacts", "a section header is `codeartifact` followed by qualifiers"],
  ])("[%s] → %s", (header, message) => {
    let error: unknown;
    try {
      parseSectionHeader(header, { file: "/x/config.ini", line: 7 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("/x/config.ini:7: ");
    expect((error as Error).message).toContain(message);
  });
});

describe("readKeyringConfig", () => {
  it("reads keyringrc.cfg as keyrings.codeartifact users have it, ignoring other tools' sections", async () => {
    const config = await readKeyringConfig({
      file: "keyringrc.cfg",
      text: [
        "[backend]",
        "default-keyring=keyrings.codeartifact.CodeArtifactBackend",
        "",
        "# These are the defaults for other sections.",
        "[codeartifact]",
        "token_duration=1800",
        "",
        "# Use for any repositories in account 000000000000.",
        '[codeartifact account="000000000000"]',
        "profile_name=special_profile",
        "",
        '[codeartifact account="999999999999" name="staging"]',
        "profile_name=staging_profile ; inline comment",
        "",
      ].join("\n"),
    });
    expect(config.defaults?.entries).toEqual([{ key: "token_duration", value: "1800", line: 6 }]);
    expect(config.sections.map((s) => [s.header, s.line, s.qualifiers])).toEqual([
      ['codeartifact account="000000000000"', 9, { account: "000000000000" }],
      [
        'codeartifact account="999999999999" name="staging"',
        12,
        { account: "999999999999", name: "staging" },
      ],
    ]);
    expect(config.sections[1]?.entries).toEqual([
      { key: "profile_name", value: "staging_profile", line: 13 },
    ]);
  });

  it("unquotes setting values like TOML and YAML would", async () => {
    const config = await readKeyringConfig({
      text: "[codeartifact]\nprofile_name = \"dev\"\nrole_session_name = 'me'\n",
    });
    expect(config.defaults?.entries.map((e) => e.value)).toEqual(["dev", "me"]);
  });

  it.each([
    [
      "two sections with the same qualifiers in another order",
      '[codeartifact account="111122223333" name="npm-store"]\nprofile=a\n[codeartifact name="npm-store" account=\'111122223333\']\nprofile=b\n',
      "c.ini:3: ",
      "has the same qualifiers as",
    ],
    [
      "a setting and its alias in one section",
      "[codeartifact]\nprofile=a\nprofile_name=b\n",
      "c.ini:3: ",
      "sets `profile_name` twice",
    ],
    [
      "registry_url without all four qualifiers",
      '[codeartifact domain="corp"]\nregistry_url = http://127.0.0.1:4873/npm/x/\n',
      "c.ini:2: ",
      '`registry_url` in [codeartifact domain="corp"] needs a section that names domain, account, region and name',
    ],
    [
      "a plain http registry_url to a host that is not loopback",
      '[codeartifact domain="corp" account="111122223333" region="us-east-1" name="npm-store"]\nregistry_url = http://npm-proxy.corp.example/npm/npm-store/\n',
      "c.ini:2: ",
      "`registry_url`: `http://npm-proxy.corp.example/npm/npm-store/` uses plain http, which would send the token unencrypted: use https://",
    ],
    ["a bad header", '[codeartifact acount="111122223333"]\n', "c.ini:1: ", "unknown qualifier `acount`"],
  ])("refuses %s, naming file and line", async (_name, text, where, message) => {
    const error = await errorOf(readKeyringConfig({ text, file: "c.ini" }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(where);
    expect(error.message).toContain(message);
    expect((error as ConfigError).code).toBe("CONFIG_INVALID");
  });

  it("maps a proxy registry URL to a fully qualified section", async () => {
    const config = await readKeyringConfig({
      text: '[codeartifact domain="corp" account="111122223333" region="us-east-1" name="npm-store"]\nregistry_url = HTTP://127.0.0.1:4873/npm/npm-store\n',
    });
    expect(config.sections[0]?.registryUrl).toBe("http://127.0.0.1:4873/npm/npm-store/");
    expect(config.sections[0]?.entries).toEqual([]);
  });
});

describe("selectSettings", () => {
  const text = [
    "[codeartifact]", // 1
    "token_duration = 1800", // 2
    "profile_name = base", // 3
    '[codeartifact account="111122223333"]', // 4
    "profile_name = account-wide", // 5
    "role_arn = arn:aws:iam::111122223333:role/Reader", // 6
    '[codeartifact account="999999999999" region="us-east-1" name="npm-store" domain="corp"]', // 7
    "profile_name = other-account", // 8
    '[codeartifact account="111122223333" name="npm-store"]', // 9
    "profile_name = store", // 10
    '[codeartifact region="us-east-1" domain="corp"]', // 11
    "profile_name = regional", // 12
    "external_id = from-regional", // 13
    '[codeartifact region="us-east-1"]', // 14
    "external_id = from-region-only", // 15
  ].join("\n");

  it("cascades from the defaults to the most specific applying section, excluding mismatches", async () => {
    const config = await readKeyringConfig({ text, file: "c.ini" });
    const selection = selectSettings(config, REQUEST);
    // The four-qualifier section names another account: it never applies, though three qualifiers match.
    expect(selection.applied).toEqual([
      "codeartifact",
      'codeartifact account="111122223333"',
      'codeartifact region="us-east-1"',
      'codeartifact account="111122223333" name="npm-store"',
      'codeartifact region="us-east-1" domain="corp"',
    ]);
    expect(selection.settings.token_duration).toMatchObject({
      value: "1800",
      section: "codeartifact",
      line: 2,
    });
    // Credentials are one group: two applying sections of specificity 2 set some; the earlier in the
    // file supplies all of them, with a warning, and no credential key of a less specific section leaks in.
    expect(selection.settings.profile_name).toMatchObject({ value: "store", line: 10 });
    expect(selection.settings.role_arn).toBeUndefined();
    expect(selection.settings.external_id).toBeUndefined();
    expect(selection.credentials).toEqual({
      section: 'codeartifact account="111122223333" name="npm-store"',
      file: "c.ini",
      line: 9,
      setAside: [
        {
          section: 'codeartifact region="us-east-1" domain="corp"',
          keys: ["profile_name", "external_id"],
          line: 11,
        },
        { section: 'codeartifact account="111122223333"', keys: ["profile_name", "role_arn"], line: 4 },
        { section: 'codeartifact region="us-east-1"', keys: ["external_id"], line: 14 },
        { section: "codeartifact", keys: ["profile_name"], line: 1 },
      ],
    });
    expect(selection.warnings).toEqual([
      'c.ini:11: [codeartifact account="111122223333" name="npm-store"] (line 9) and [codeartifact region="us-east-1" domain="corp"] both set credentials (profile_name, external_id), equally specific; using [codeartifact account="111122223333" name="npm-store"]\'s (the earlier one)',
    ]);
  });

  it("gives only the defaults to a registry no qualified section matches", async () => {
    const config = await readKeyringConfig({ text, file: "c.ini" });
    const selection = selectSettings(config, { ...REQUEST, account: "444455556666", region: "eu-west-1" });
    expect(selection.applied).toEqual(["codeartifact"]);
    expect(selection.settings.profile_name?.value).toBe("base");
  });

  it("keeps plain [codeartifact] defaults even when qualified sections exist (keyrings.codeartifact drops them)", async () => {
    const config = await readKeyringConfig({
      text: '[codeartifact]\ntoken_duration=1800\n[codeartifact account="000000000000"]\nprofile_name=special\n',
    });
    const selection = selectSettings(config, { ...REQUEST, account: "000000000000" });
    expect(selection.settings.token_duration?.value).toBe("1800");
    expect(selection.settings.profile_name?.value).toBe("special");
  });

  it("warns about unknown settings with the closest known key", async () => {
    const config = await readKeyringConfig({
      text: "[codeartifact]\nprofle_name = x\nbogus_thing = y\n",
      file: "c.ini",
    });
    expect(selectSettings(config, REQUEST).warnings).toEqual([
      "c.ini:2: unknown setting `profle_name` in [codeartifact]; did you mean `profile_name`?",
      "c.ini:3: unknown setting `bogus_thing` in [codeartifact] (ignored)",
    ]);
  });

  it("reports an alias under its canonical key", async () => {
    const config = await readKeyringConfig({ text: "[codeartifact]\nprofile = dev\n" });
    expect(selectSettings(config, REQUEST).settings.profile_name?.value).toBe("dev");
  });
});

describe("selectSettings: credentials are one group", () => {
  // Each row: a config, and which section supplies the credential keys chosen (key=value), while
  // other settings cascade key by key.
  const rows: {
    name: string;
    text: string;
    credentials: Record<string, string>;
    from?: string;
    setAside: string[];
    others?: Record<string, string>;
  }[] = [
    {
      name: "a profile in a specific section is not mixed with static keys of a broader one",
      text: '[codeartifact account="111122223333"]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n[codeartifact account="111122223333" name="npm-store"]\nprofile_name = dev\n',
      credentials: { profile_name: "dev" },
      from: 'codeartifact account="111122223333" name="npm-store"',
      setAside: ['codeartifact account="111122223333"'],
    },
    {
      name: "a role in a specific section does not assume on top of the defaults' profile",
      text: '[codeartifact]\nprofile_name = base\ntoken_duration = 1800\n[codeartifact name="npm-store"]\nrole_arn = arn:aws:iam::111122223333:role/R\n',
      credentials: { role_arn: "arn:aws:iam::111122223333:role/R" },
      from: 'codeartifact name="npm-store"',
      setAside: ["codeartifact"],
      others: { token_duration: "1800" },
    },
    {
      name: "a section with no credential key inherits the whole group from a broader one",
      text: '[codeartifact]\nprofile_name = base\nrole_arn = arn:aws:iam::111122223333:role/R\n[codeartifact name="npm-store"]\ntoken_duration = 900\n',
      credentials: { profile_name: "base", role_arn: "arn:aws:iam::111122223333:role/R" },
      from: "codeartifact",
      setAside: [],
      others: { token_duration: "900" },
    },
    {
      name: "auth_token is in the group: it hides a broader section's profile",
      text: '[codeartifact]\nprofile_name = base\n[codeartifact account="111122223333"]\nauth_token = ${CI_TOKEN}\n',
      credentials: { auth_token: "${CI_TOKEN}" },
      from: 'codeartifact account="111122223333"',
      setAside: ["codeartifact"],
    },
    {
      name: "a mismatching section's credentials are neither chosen nor set aside",
      text: '[codeartifact]\nprofile_name = base\n[codeartifact account="999999999999"]\nprofile_name = other\n',
      credentials: { profile_name: "base" },
      from: "codeartifact",
      setAside: [],
    },
    {
      name: "no section sets credentials: no group, the default chain applies",
      text: "[codeartifact]\ntoken_duration = 1800\n",
      credentials: {},
      setAside: [],
      others: { token_duration: "1800" },
    },
  ];
  it.each(rows)("$name", async (row) => {
    const config = await readKeyringConfig({ text: row.text });
    const selection = selectSettings(config, REQUEST);
    const chosen = Object.fromEntries(
      CREDENTIAL_KEYS.flatMap((key) => {
        const setting = selection.settings[key];
        return setting ? [[key, setting.value]] : [];
      }),
    );
    expect(chosen).toEqual(row.credentials);
    expect(selection.credentials?.section).toBe(row.from);
    expect(selection.credentials?.setAside.map((s) => s.section) ?? []).toEqual(row.setAside);
    for (const key of Object.keys(row.credentials)) expect(selection.settings[key]?.section).toBe(row.from);
    for (const [key, value] of Object.entries(row.others ?? {}))
      expect(selection.settings[key]?.value).toBe(value);
    expect(selection.warnings).toEqual([]);
  });

  it("names the eight credential keys", () => {
    expect([...CREDENTIAL_KEYS].sort()).toEqual(
      [
        "profile_name",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "role_arn",
        "role_session_name",
        "external_id",
        "auth_token",
      ].sort(),
    );
  });
});

describe("pythonKeyringConfigPath: python keyring's config_root()", () => {
  // keyring.util.platform_: Windows uses LOCALAPPDATA, else ProgramData, else "." (os.environ.get with
  // a default, so an empty value counts as set); elsewhere XDG_CONFIG_HOME or ~/.config.
  const rows: [string, NodeJS.Platform, NodeJS.ProcessEnv, string][] = [
    [
      "LOCALAPPDATA",
      "win32",
      { LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local", ProgramData: "C:\\ProgramData" },
      "C:\\Users\\u\\AppData\\Local\\Python Keyring\\keyringrc.cfg",
    ],
    [
      "ProgramData without LOCALAPPDATA",
      "win32",
      { ProgramData: "C:\\ProgramData", USERPROFILE: "C:\\Users\\u" },
      "C:\\ProgramData\\Python Keyring\\keyringrc.cfg",
    ],
    [
      "variable names are case-insensitive on Windows",
      "win32",
      { PROGRAMDATA: "D:\\PD" },
      "D:\\PD\\Python Keyring\\keyringrc.cfg",
    ],
    [
      "neither: the current directory",
      "win32",
      { USERPROFILE: "C:\\Users\\u" },
      "Python Keyring\\keyringrc.cfg",
    ],
    [
      "an empty LOCALAPPDATA counts as set, as in python",
      "win32",
      { LOCALAPPDATA: "", ProgramData: "C:\\PD" },
      "Python Keyring\\keyringrc.cfg",
    ],
    [
      "XDG_CONFIG_HOME",
      "linux",
      { HOME: "/home/u", XDG_CONFIG_HOME: "/x" },
      "/x/python_keyring/keyringrc.cfg",
    ],
    [
      "~/.config on macOS too",
      "darwin",
      { HOME: "/Users/u" },
      "/Users/u/.config/python_keyring/keyringrc.cfg",
    ],
    [
      "an empty XDG_CONFIG_HOME falls back",
      "linux",
      { HOME: "/home/u", XDG_CONFIG_HOME: "" },
      "/home/u/.config/python_keyring/keyringrc.cfg",
    ],
    [
      "a relative XDG_CONFIG_HOME is ignored (deliberately unlike python keyring)",
      "linux",
      { HOME: "/home/u", XDG_CONFIG_HOME: "conf" },
      "/home/u/.config/python_keyring/keyringrc.cfg",
    ],
  ];
  it.each(rows)("%s (%s)", (_name, platform, env, expected) => {
    expect(pythonKeyringConfigPath(env, platform)).toBe(expected);
  });
});

describe("loadKeyringConfig: where the config lives", () => {
  it("uses no file and defaults when there is no config", async () => {
    const home = isolatedHome();
    const loaded = await loadKeyringConfig({ env: home.env, platform: "linux" });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.sections).toEqual([]);
    expect(loaded.candidates.map((c) => c.path)).toEqual([
      home.path(".config/codeartifact-keyring/config.ini"),
      home.path(".config/codeartifact-keyring/config.toml"),
      home.path(".config/codeartifact-keyring/config.yaml"),
      home.path(".config/codeartifact-keyring/config.yml"),
      home.path(".config/python_keyring/keyringrc.cfg"),
    ]);
  });

  it("falls back to python keyring's keyringrc.cfg, then prefers our own config.ini", async () => {
    const home = isolatedHome();
    mkdirSync(home.path(".config/python_keyring"), { recursive: true });
    writeFileSync(
      home.path(".config/python_keyring/keyringrc.cfg"),
      "[codeartifact]\nprofile_name=from-python\n",
    );
    let loaded = await loadKeyringConfig({ env: home.env, platform: "linux" });
    expect(loaded.file).toBe(home.path(".config/python_keyring/keyringrc.cfg"));
    mkdirSync(home.path(".config/codeartifact-keyring"), { recursive: true });
    writeFileSync(
      home.path(".config/codeartifact-keyring/config.ini"),
      "[codeartifact]\nprofile_name=ours\n",
    );
    loaded = await loadKeyringConfig({ env: home.env, platform: "linux" });
    expect(loaded.file).toBe(home.path(".config/codeartifact-keyring/config.ini"));
    expect(loaded.config.defaults?.entries[0]?.value).toBe("ours");
  });

  it("does not read python keyring's config from the current directory (Windows, no LOCALAPPDATA or ProgramData)", async () => {
    const home = isolatedHome();
    const cwd = process.cwd();
    const project = makeTempDir();
    // On Linux this win32 relative path is one file name with a backslash, in the current directory.
    writeFileSync(
      join(project, "Python Keyring\\keyringrc.cfg"),
      "[codeartifact]\nendpoint_url = http://evil\n",
    );
    process.chdir(project);
    try {
      const loaded = await loadKeyringConfig({ env: { APPDATA: home.path("AppData") }, platform: "win32" });
      expect(loaded.file).toBeUndefined();
      expect(loaded.candidates.at(-1)).toEqual({
        path: "Python Keyring\\keyringrc.cfg",
        origin: "python-keyring",
        exists: false,
      });
      expect(loaded.warnings).toEqual([
        expect.stringMatching(
          /^not reading Python Keyring\\keyringrc\.cfg: .*set LOCALAPPDATA or pass --config$/,
        ),
      ]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("honours --config and CODEARTIFACT_KEYRING_CONFIG, and refuses a missing explicit file", async () => {
    const dir = makeTempDir();
    const file = join(dir, "team.ini");
    writeFileSync(file, "[codeartifact]\nprofile_name=team\n");
    const home = isolatedHome();
    expect((await loadKeyringConfig({ env: { ...home.env, CODEARTIFACT_KEYRING_CONFIG: file } })).file).toBe(
      file,
    );
    expect((await loadKeyringConfig({ env: home.env, configPath: file })).file).toBe(file);
    const error = await errorOf(loadKeyringConfig({ env: home.env, configPath: join(dir, "missing.ini") }));
    expect(error.message).toBe(
      `${join(dir, "missing.ini")}: config file not found (given by --config): check the path, or leave --config out to use the default location`,
    );
  });

  it("names the file for a directory where the config should be", async () => {
    const dir = makeTempDir();
    const error = await errorOf(loadKeyringConfig({ configPath: dir }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(dir);
    expect(error.message).toContain("is a directory");
  });
});
