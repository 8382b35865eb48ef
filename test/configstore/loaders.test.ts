import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import { ConfigFileError, InterpolationError } from "../../src/configstore/errors.js";
import {
  type ConfigFormat,
  formatOf,
  loadConfigFile,
  parseConfigText,
} from "../../src/configstore/loaders.js";
import { Secret } from "../../src/configstore/secret.js";
import { ConfigStore } from "../../src/configstore/store.js";
import { MAX_CONFIG_BYTES } from "../../src/configstore/text-file.js";
import { makeTempDir } from "../support/tmp.js";
import { revealAll, subdir } from "./helpers.js";

const base = makeTempDir("cak-loaders-");
const isRoot = process.getuid?.() === 0;

function write(name: string, content: string | Buffer): string {
  const path = join(subdir(base, "cfg"), name);
  writeFileSync(path, content);
  return path;
}

/** Same meaning, three formats: each row must load to deep-equal results (CFG-013). */
const EQUIVALENT: [string, { ini: string; toml: string; yaml: string }, unknown][] = [
  [
    "strings, numbers and booleans",
    {
      ini: "[server]\nhost = example.com\nport = 8080\nratio = 1.5\ndebug = true\nname = \n",
      toml: '[server]\nhost = "example.com"\nport = 8080\nratio = 1.5\ndebug = true\nname = ""\n',
      yaml: 'server:\n  host: example.com\n  port: 8080\n  ratio: 1.5\n  debug: true\n  name: ""\n',
    },
    { server: { host: "example.com", port: "8080", ratio: "1.5", debug: "true", name: "" } },
  ],
  [
    "sensitive keys become Secrets",
    {
      ini: "[codeartifact]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJalr/EXAMPLE\nprofile_name = dev\n",
      toml: '[codeartifact]\naws_access_key_id = "AKIAEXAMPLE"\naws_secret_access_key = "wJalr/EXAMPLE"\nprofile_name = "dev"\n',
      yaml: "codeartifact:\n  aws_access_key_id: AKIAEXAMPLE\n  aws_secret_access_key: wJalr/EXAMPLE\n  profile_name: dev\n",
    },
    {
      codeartifact: {
        // `_key_` marks it sensitive too: isSensitiveKey errs on the side of wrapping.
        aws_access_key_id: { secret: "AKIAEXAMPLE" },
        aws_secret_access_key: { secret: "wJalr/EXAMPLE" },
        profile_name: "dev",
      },
    },
  ],
  [
    "section names with quotes, spaces and dots",
    {
      ini: '[codeartifact account="111122223333" name="my.repo"]\nprofile_name = prod\n',
      toml: '["codeartifact account=\\"111122223333\\" name=\\"my.repo\\""]\nprofile_name = "prod"\n',
      yaml: '\'codeartifact account="111122223333" name="my.repo"\':\n  profile_name: prod\n',
    },
    { 'codeartifact account="111122223333" name="my.repo"': { profile_name: "prod" } },
  ],
  [
    "several sections, unicode and odd characters",
    {
      // In INI, `#` and `;` after whitespace start a comment; glued to text they are text.
      ini: "[a]\nk = värde 🔑 $x a#b c;d = e  # comment\n[b]\nk = 'quoted'\n",
      toml: '[a]\nk = "värde 🔑 $x a#b c;d = e" # comment\n[b]\nk = "\'quoted\'"\n',
      yaml: 'a:\n  k: "värde 🔑 $x a#b c;d = e" # comment\nb:\n  k: "\'quoted\'"\n',
    },
    { a: { k: "värde 🔑 $x a#b c;d = e" }, b: { k: "'quoted'" } },
  ],
  [
    "multi-line values",
    {
      ini: "[s]\nk = line one\n  line two\n",
      toml: '[s]\nk = """line one\nline two"""\n',
      yaml: "s:\n  k: |-\n    line one\n    line two\n",
    },
    { s: { k: "line one\nline two" } },
  ],
  ["an empty file", { ini: "", toml: "", yaml: "" }, {}],
  [
    "comments only, and an empty section",
    { ini: "# c\n[s]\n", toml: "# c\n[s]\n", yaml: "# c\ns: {}\n" },
    { s: {} },
  ],
];

describe("loaders: the same meaning in any format is deep-equal", () => {
  it.each(EQUIVALENT)("%s", async (_name, sources, expected) => {
    const results = await Promise.all(
      (Object.entries(sources) as [ConfigFormat, string][]).map(async ([format, text]) =>
        revealAll(await parseConfigText(text, format)),
      ),
    );
    for (const result of results) expect(result).toEqual(expected);
  });

  it("loads files by extension, all to the same result", async () => {
    const [, sources, expected] = EQUIVALENT[0] as (typeof EQUIVALENT)[number];
    for (const [name, text] of [
      ["app.ini", sources.ini],
      ["keyringrc.cfg", sources.ini],
      ["app.toml", sources.toml],
      ["app.yaml", sources.yaml],
      ["APP.YML", sources.yaml],
    ] as const) {
      expect(revealAll(await loadConfigFile(write(name, text))), name).toEqual(expected);
    }
  });
});

describe("loaders: the result", () => {
  it("is frozen all the way down, without prototypes", async () => {
    const config = await parseConfigText('[a]\nlist = ["x", "y"]\n[a.b]\nk = "v"\n', "toml");
    expect(Object.getPrototypeOf(config)).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
    const a = config.a as Record<string, unknown>;
    expect(Object.getPrototypeOf(a)).toBeNull();
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.list)).toBe(true);
    expect(revealAll(config)).toEqual({ a: { list: ["x", "y"], b: { k: "v" } } });
  });

  it("normalises TOML scalars: integers exactly, floats as JavaScript writes them, dates as ISO strings", async () => {
    const config = await parseConfigText(
      '[t]\nbig = 9007199254740993\nhex = 0x10\nf = 1.10\nlocal_date = 1979-05-27\noffset = 1979-05-27T00:32:00-07:00\nutc = 1979-05-27T07:32:00Z\nlist = [1, true, "s"]\n',
      "toml",
    );
    expect(revealAll(config)).toEqual({
      t: {
        big: "9007199254740993",
        hex: "16",
        f: "1.1",
        local_date: "1979-05-27",
        offset: "1979-05-27T00:32:00.000-07:00",
        utc: "1979-05-27T07:32:00.000Z",
        list: ["1", "true", "s"],
      },
    });
  });

  it("reads YAML 1.2: yes/on stay strings, non-string keys become text", async () => {
    const config = await parseConfigText("s:\n  a: yes\n  b: on\n  1: one\n  true: t\n", "yaml");
    expect(revealAll(config)).toEqual({ s: { a: "yes", b: "on", "1": "one", true: "t" } });
  });

  it("wraps every string under a sensitive key, lists included", async () => {
    const config = await parseConfigText("s:\n  tokens: [a, b]\n  api_key: k\n", "yaml");
    const s = config.s as Record<string, unknown>;
    expect(revealAll(s)).toEqual({ tokens: [{ secret: "a" }, { secret: "b" }], api_key: { secret: "k" } });
    expect(JSON.stringify(config)).not.toMatch(/"a"|"k"/);
  });
});

describe("loaders: interpolation with a store", () => {
  const store = new ConfigStore([
    fromMemory({ HOST: "db.internal", DB_PASSWORD: "hunter2", PLAIN: "p" }, { name: "defaults" }),
  ]);

  it("resolves ${} in every value, the same way in every format", async () => {
    const sources: [ConfigFormat, string][] = [
      ["ini", "[db]\nurl = postgres://${HOST}/app\nport = ${PORT:-5432}\nliteral = $${HOST}\n"],
      ["toml", '[db]\nurl = "postgres://${HOST}/app"\nport = "${PORT:-5432}"\nliteral = "$${HOST}"\n'],
      ["yaml", 'db:\n  url: postgres://${HOST}/app\n  port: "${PORT:-5432}"\n  literal: $${HOST}\n'],
    ];
    for (const [format, text] of sources) {
      expect(revealAll(await parseConfigText(text, format, { store })), format).toEqual({
        db: { url: "postgres://db.internal/app", port: "5432", literal: "${HOST}" },
      });
    }
  });

  it("keeps ${} as written without a store", async () => {
    expect(revealAll(await parseConfigText("[db]\nurl = ${HOST}\n", "ini"))).toEqual({
      db: { url: "${HOST}" },
    });
  });

  it("wraps a value that takes in a sensitive reference, whatever its own key", async () => {
    const config = await parseConfigText(
      "[db]\nurl = postgres://app:${DB_PASSWORD}@${HOST}/\nplain = ${PLAIN}\n",
      "ini",
      {
        store,
      },
    );
    const db = config.db as Record<string, unknown>;
    expect(db.url).toBeInstanceOf(Secret);
    expect((db.url as Secret).reveal()).toBe("postgres://app:hunter2@db.internal/");
    expect(db.plain).toBe("p");
  });

  it("names section.key of a missing reference", async () => {
    const error = await parseConfigText("[database]\npassword = ${MISSING_PW}\n", "ini", {
      store,
      file: "app.cfg",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterpolationError);
    expect(error).toMatchObject({
      code: "INTERPOLATION_MISSING",
      reference: "MISSING_PW",
      keyPath: "database.password",
    });
  });

  it("names nested paths and list indexes", async () => {
    const error = await parseConfigText("a:\n  b:\n    - ok\n    - ${NOPE}\n", "yaml", { store }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ keyPath: "a.b[1]" });
  });
});

async function fileError(promise: Promise<unknown>): Promise<ConfigFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return error as ConfigFileError;
}

describe("loaders: errors name the file and line", () => {
  it.each<[string, ConfigFormat, string, number | undefined, RegExp]>([
    ["INI syntax", "ini", "[s]\nok = 1\nbroken line\n", 3, /neither a \[section\] header/],
    [
      "TOML syntax",
      "toml",
      '[s]\na = "ok"\nb = "unterminated\n',
      3,
      /invalid TOML: control characters are not allowed/,
    ],
    ["TOML duplicate", "toml", "a = 1\na = 2\n", 2, /invalid TOML/],
    ["YAML syntax", "yaml", "s:\n  a: 1\n b: 2\n", 3, /invalid YAML/],
    ["YAML duplicate key", "yaml", "a: 1\na: 2\n", 2, /invalid YAML: Map keys must be unique/],
    ["YAML two documents", "yaml", "a: 1\n---\nb: 2\n", 2, /invalid YAML/],
    ["YAML top level not a mapping", "yaml", "- a\n- b\n", 1, /top level must be a mapping/],
    ["YAML scalar top level", "yaml", "just text\n", 1, /top level must be a mapping/],
    ["YAML null", "yaml", "s:\n  a: 1\n  password: ~\n", 3, /`s.password` is null/],
    ["YAML empty value", "yaml", "s:\n  key:\n", 2, /`s.key` is null/],
    ["YAML null in a list", "yaml", "s:\n  - a\n  - null\n", 3, /`s\[1\]` is null/],
    ["YAML complex key", "yaml", "? [a, b]\n: v\n", 1, /complex key/],
    ["YAML keys equal as text", "yaml", "s:\n  1: a\n  '1': b\n", 2, /`s.1` is defined twice/],
    ["INI __proto__ key", "ini", "[s]\n__proto__ = x\n", 2, /`__proto__` cannot be a key/],
    ["INI __proto__ section", "ini", "[__proto__]\nk = v\n", 1, /`__proto__` cannot be a key/],
    [
      "TOML __proto__",
      "toml",
      "[s]\n__proto__ = 1\n",
      undefined,
      /`s.__proto__`: `__proto__` cannot be a key/,
    ],
    ["YAML __proto__", "yaml", "s:\n  __proto__: 1\n", 2, /`__proto__` cannot be a key/],
  ])("%s", async (_name, format, text, line, message) => {
    const error = await fileError(parseConfigText(text, format, { file: `/etc/app.${format}` }));
    expect(error.code).toBe("CONFIG_PARSE");
    expect(error.file).toBe(`/etc/app.${format}`);
    expect(error.line).toBe(line);
    expect(error.message.startsWith(`/etc/app.${format}${line === undefined ? "" : `:${line}`}: `)).toBe(
      true,
    );
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });

  it.each<[ConfigFormat, string]>([
    ["toml", 'password = "hunter2-secret\n'],
    ["toml", 'password = "hunter2-secret" junk\n'],
    ["yaml", 'password: "hunter2-secret\n'],
    ["yaml", "password: [hunter2-secret\n"],
    ["yaml", "a: b: hunter2-secret\n"],
    ["ini", "[s]\npassword hunter2-secret\n"],
  ])("never quotes file content in a %s parse error", async (format, text) => {
    const error = await fileError(parseConfigText(text, format));
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses an unknown extension unless a format is given", async () => {
    const path = write("settings.conf", "[s]\nk = v\n");
    expect((await fileError(loadConfigFile(path))).code).toBe("CONFIG_UNKNOWN_FORMAT");
    expect(revealAll(await loadConfigFile(path, { format: "ini" }))).toEqual({ s: { k: "v" } });
    expect(formatOf("x.YAML")).toBe("yaml");
    expect(formatOf("x.json")).toBeUndefined();
  });
});

describe("loaders: reading files", () => {
  it("says CONFIG_NOT_FOUND for a missing file (callers decide whether that means empty)", async () => {
    const error = await fileError(loadConfigFile(join(base, "absent", "app.toml")));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toBe(
      `${join(base, "absent", "app.toml")}: does not exist. Create it or give another path.`,
    );
  });

  it("refuses a directory", async () => {
    const dir = join(subdir(base, "dir"), "app.ini");
    mkdirSync(dir);
    const error = await fileError(loadConfigFile(dir));
    expect(error.code).toBe("CONFIG_UNREADABLE");
    expect(error.message).toContain("is a directory");
  });

  it("refuses an unreadable file", async (context) => {
    if (isRoot) context.skip("running as root: file permissions do not stop reads");
    const path = write("locked.ini", "[s]\n");
    chmodSync(path, 0o000);
    const error = await fileError(loadConfigFile(path));
    expect(error.code).toBe("CONFIG_UNREADABLE");
    expect(error.message).toContain("permission denied");
  });

  it("refuses files over 1 MiB, and accepts exactly 1 MiB", async () => {
    const header = "[s]\nk = v\n";
    const exact = header + "#".repeat(MAX_CONFIG_BYTES - header.length);
    expect(revealAll(await loadConfigFile(write("exact.ini", exact)))).toEqual({ s: { k: "v" } });
    const error = await fileError(loadConfigFile(write("big.ini", `${exact}#`)));
    expect(error.code).toBe("CONFIG_TOO_LARGE");
    expect((await fileError(parseConfigText(`${exact}#`, "ini"))).code).toBe("CONFIG_TOO_LARGE");
  });

  it("refuses a NUL byte, naming its line", async () => {
    const error = await fileError(loadConfigFile(write("nul.toml", 'a = "x"\nb = "\0"\n')));
    expect(error).toMatchObject({ code: "CONFIG_PARSE", line: 2 });
    expect(error.message).toContain("not a text file");
  });

  it("refuses invalid UTF-8, naming its line", async () => {
    const bytes = Buffer.concat([
      Buffer.from("[s]\nk = v\nbad = "),
      Buffer.from([0xc3, 0x28]),
      Buffer.from("\n"),
    ]);
    const error = await fileError(loadConfigFile(write("latin.ini", bytes)));
    expect(error).toMatchObject({ code: "CONFIG_PARSE", line: 3 });
    expect(error.message).toContain("invalid UTF-8");
  });

  it("ignores a UTF-8 BOM in every format", async () => {
    expect(revealAll(await loadConfigFile(write("bom.ini", "\uFEFF[s]\nk = v\n")))).toEqual({
      s: { k: "v" },
    });
    expect(revealAll(await loadConfigFile(write("bom.toml", '\uFEFF[s]\nk = "v"\n')))).toEqual({
      s: { k: "v" },
    });
    expect(revealAll(await loadConfigFile(write("bom.yaml", "\uFEFFs:\n  k: v\n")))).toEqual({
      s: { k: "v" },
    });
  });
});
