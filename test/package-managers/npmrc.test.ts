import { describe, expect, it } from "vitest";
import { Secret } from "../../src/configstore/secret.js";
import { PackageManagerError } from "../../src/package-managers/errors.js";
import {
  decodeIniValue,
  expandNpmEnv,
  iniValueProblem,
  splitLines,
} from "../../src/package-managers/ini-text.js";
import { registryNerfDart, toNerfDart } from "../../src/package-managers/nerf-dart.js";
import { type NpmrcEdit, npmrcHoldsSecret, planNpmrcEdits } from "../../src/package-managers/npmrc.js";
import { npmOracle, oracleMissingReason } from "./support/npm-oracle.js";
import { CA_NERF, CA_URL, CORPUS, OTHER_NERF, OTHER_URL } from "./support/npmrc-corpus.js";

const TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.bmV3LXRva2Vu-_=";
const oracle = npmOracle();

describe("toNerfDart", () => {
  it.each([
    ["https://h.example/npm/repo/", "//h.example/npm/repo/"],
    ["https://H.Example:443/npm/repo/", "//h.example/npm/repo/"],
    ["http://h.example:8080/npm/repo/?q=1#x", "//h.example:8080/npm/repo/"],
    ["https://h.example/npm/repo", "//h.example/npm/"],
    ["https://h.example", "//h.example/"],
  ])("%s → %s", (url, expected) => {
    expect(toNerfDart(url)).toBe(expected);
    if (oracle) expect(oracle.nerfDart(url)).toBe(expected);
  });

  it("registryNerfDart keeps the repository of a URL without its trailing slash", () => {
    expect(registryNerfDart("https://h.example/npm/repo")).toBe("//h.example/npm/repo/");
    expect(registryNerfDart("//h.example/npm/repo/")).toBe("//h.example/npm/repo/");
  });

  it("names a bad URL", () => {
    expect(() => toNerfDart("not a url")).toThrow(PackageManagerError);
    expect(() => toNerfDart("not a url")).toThrow(/`not a url` is not an absolute URL/);
  });
});

describe("reading .npmrc values as npm does", () => {
  it.skipIf(!oracle)(
    `decodeIniValue agrees with npm's ini (${oracle ? "npm found" : oracleMissingReason})`,
    () => {
      const values = [
        "plain",
        "  padded  ",
        '"quoted"',
        "'single'",
        "a;comment",
        "a#comment",
        "a\\;b",
        "a\\#b",
        "a\\\\b",
        "a\\b",
        "trailing\\",
        '"unterminated',
        '"{\\"json\\": 1}"',
        "x=y",
        "",
      ];
      for (const value of values) {
        expect(decodeIniValue(value), value).toBe(oracle?.decode(`k=${value}`).k ?? "");
      }
    },
  );

  it.skipIf(!oracle)("expandNpmEnv agrees with npm's env replacement", () => {
    const env = { SET: "value", EMPTY: "" };
    for (const text of [
      "${SET}",
      "${UNSET}",
      "${UNSET?}",
      "${SET?}",
      "\\${SET}",
      "\\\\${SET}",
      "\\\\\\${SET}",
      "a${SET}b${UNSET}c",
      "${EMPTY}",
    ]) {
      expect(expandNpmEnv(text, env), text).toBe(oracle?.envReplace(text, env));
    }
  });

  it.each([
    ["", "is empty"],
    [" lead", "whitespace"],
    ["a;b", "comment"],
    ["a#b", "comment"],
    ['"q"', "quote"],
    ["a\\\\b", "backslash"],
    ["a\nb", "line break"],
    ["${X}", "environment variable"],
    ["true", "boolean"],
  ])("iniValueProblem(%j) mentions %s", (value, words) => {
    expect(iniValueProblem(value)).toContain(words);
  });

  it("accepts CodeArtifact-shaped tokens", () => {
    expect(iniValueProblem(TOKEN)).toBeUndefined();
  });
});

describe("planNpmrcEdits: exact results", () => {
  const setToken: NpmrcEdit = { kind: "set-token", registryUrl: CA_URL, token: new Secret(TOKEN) };

  it("adds a token to an empty file", () => {
    const plan = planNpmrcEdits("", [setToken]);
    expect(plan.text).toBe(`${CA_NERF}:_authToken=${TOKEN}\n`);
    expect(plan.changes).toEqual([
      { action: "add", key: `${CA_NERF}:_authToken`, line: 1, text: `${CA_NERF}:_authToken=[redacted]` },
    ]);
  });

  it("replaces a token in place, keeping the spacing around `=` and the line ending", () => {
    const text = `# top\r\n${CA_NERF}:_authToken = old\r\nfund=false\r\n`;
    const plan = planNpmrcEdits(text, [setToken]);
    expect(plan.text).toBe(`# top\r\n${CA_NERF}:_authToken = ${TOKEN}\r\nfund=false\r\n`);
    expect(plan.changes.map((c) => [c.action, c.line])).toEqual([["replace", 2]]);
  });

  it("appends after a break in a file without a final newline, and removal gives the bytes back", () => {
    const text = "fund=false";
    const plan = planNpmrcEdits(text, [setToken]);
    expect(plan.text).toBe(`fund=false\n${CA_NERF}:_authToken=${TOKEN}`);
    expect(planNpmrcEdits(plan.text, [{ kind: "remove-token", registryUrl: CA_URL }]).text).toBe(text);
  });

  it("copies CRLF for new lines", () => {
    expect(planNpmrcEdits("a=1\r\n", [setToken]).text).toBe(`a=1\r\n${CA_NERF}:_authToken=${TOKEN}\r\n`);
  });

  it("updates the first duplicate and removes the rest", () => {
    const text = `${CA_NERF}:_authToken=one\nx=1\n${CA_NERF}:_authToken=two\n`;
    const plan = planNpmrcEdits(text, [setToken]);
    expect(plan.text).toBe(`${CA_NERF}:_authToken=${TOKEN}\nx=1\n`);
  });

  // What setting a token does to each line of the same nerf dart (and one of another), as npm 11's
  // setCredentialsByURI({ token }) does; the npm column is asked of the installed npm when there is one.
  const credentialLines: [string, "kept" | "removed"][] = [
    [`${CA_NERF}:username=aws`, "removed"],
    [`${CA_NERF}:_password=c2VjcmV0`, "removed"],
    [`${CA_NERF}:email=me@example.com`, "removed"],
    [`${CA_NERF}:always-auth=true`, "removed"],
    [`${CA_NERF}:_auth=YXdz`, "kept"],
    [`${CA_NERF}:certfile=/etc/c.pem`, "kept"],
    [`${CA_NERF}:keyfile=/etc/k.pem`, "kept"],
    [`${OTHER_NERF}:_auth=a2VlcA==`, "kept"],
    [`${OTHER_NERF}:always-auth=true`, "kept"],
    ["always-auth=true", "kept"],
  ];
  it.each(credentialLines)("setting a token: %s is %s", async (line, fate) => {
    const plan = planNpmrcEdits(`${line}\n`, [setToken]);
    expect(plan.text).toBe(`${fate === "kept" ? `${line}\n` : ""}${CA_NERF}:_authToken=${TOKEN}\n`);
    if (oracle) {
      const npm = await oracle.setToken(`${line}\n`, CA_URL, TOKEN);
      expect(npm).toEqual(oracle.decode(plan.text));
    }
  });

  it.skipIf(!oracle)(
    `agrees with npm's setCredentialsByURI on a file holding them all (${oracle ? "npm found" : oracleMissingReason})`,
    async () => {
      const text = credentialLines.map(([line]) => `${line}\n`).join("");
      const plan = planNpmrcEdits(text, [setToken]);
      expect(await oracle?.setToken(text, CA_URL, TOKEN)).toEqual(oracle?.decode(plan.text));
      expect(
        plan.changes
          .filter((c) => c.action === "remove")
          .map((c) => c.text)
          .sort(),
      ).toEqual(
        [
          `${CA_NERF}:_password=[redacted]`,
          `${CA_NERF}:username=aws`,
          `${CA_NERF}:email=me@example.com`,
          `${CA_NERF}:always-auth=true`,
        ].sort(),
      );
    },
  );

  it("inserts before a [section], where npm still reads it as top-level", () => {
    const text = "registry=https://registry.npmjs.org/\n[legacy]\nkey=value\n";
    const plan = planNpmrcEdits(text, [setToken]);
    expect(plan.text).toBe(
      `registry=https://registry.npmjs.org/\n${CA_NERF}:_authToken=${TOKEN}\n[legacy]\nkey=value\n`,
    );
    if (oracle) expect(oracle.decode(plan.text)[`${CA_NERF}:_authToken`]).toBe(TOKEN);
  });

  it("does not own a key inside a [section]", () => {
    const text = `[legacy]\n${CA_NERF}:_authToken=nested\n`;
    const plan = planNpmrcEdits(text, [setToken]);
    expect(plan.text).toBe(`${CA_NERF}:_authToken=${TOKEN}\n[legacy]\n${CA_NERF}:_authToken=nested\n`);
  });

  it("leaves a token read from ${VAR} alone, with a notice that names the line", () => {
    const text = `registry=${CA_URL}\n${CA_NERF}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n`;
    const plan = planNpmrcEdits(text, [setToken], { file: "/p/.npmrc" });
    expect(plan.changed).toBe(false);
    expect(plan.notices).toEqual([expect.stringMatching(/^`\/p\/\.npmrc`:2: .*environment variable/)]);
    expect(planNpmrcEdits(text, [{ kind: "remove-token", registryUrl: CA_URL }]).text).toBe(text);
  });

  it("writes scope and default-registry lines only when asked, and keeps an equivalent spelling", () => {
    const plan = planNpmrcEdits("", [
      { kind: "set-registry", registryUrl: CA_URL, scope: "corp" },
      { kind: "set-registry", registryUrl: CA_URL },
    ]);
    expect(plan.text).toBe(`@corp:registry=${CA_URL}\nregistry=${CA_URL}\n`);
    const spelled = `registry=${CA_URL.replace(/\/$/, "")}\n`;
    expect(planNpmrcEdits(spelled, [{ kind: "set-registry", registryUrl: CA_URL }]).changed).toBe(false);
  });

  it("refuses a bad scope name", () => {
    expect(() =>
      planNpmrcEdits("", [{ kind: "set-registry", registryUrl: CA_URL, scope: "@Bad Scope" }]),
    ).toThrow(/not a valid npm scope/);
  });

  it("sets and removes a token helper", () => {
    const plan = planNpmrcEdits("", [
      { kind: "set-token-helper", registryUrl: CA_URL, helperPath: "/home/u/.local/share/h/token-1" },
    ]);
    expect(plan.text).toBe(`${CA_NERF}:tokenHelper=/home/u/.local/share/h/token-1\n`);
    expect(plan.changes[0]?.text).toBe(`${CA_NERF}:tokenHelper=/home/u/.local/share/h/token-1`);
    expect(planNpmrcEdits(plan.text, [{ kind: "remove-token-helper", registryUrl: CA_URL }]).text).toBe("");
  });

  it.each([
    ["/home/my user/h", /whitespace/],
    ["/home/u/$HOME/h", /`\$`/],
    ["C:\\Users\\u\\h.cmd", /not an absolute path|`\\`/],
    ["relative/h", /not an absolute path/],
  ])("refuses the helper path %j (UNSAFE_HELPER_PATH)", (helperPath, message) => {
    const run = () => planNpmrcEdits("", [{ kind: "set-token-helper", registryUrl: CA_URL, helperPath }]);
    expect(run).toThrow(message);
    expect(run).toThrow(expect.objectContaining({ code: "UNSAFE_HELPER_PATH" }));
  });

  it.each([
    ["whitespace", "abc def"],
    ["a comment start", "abc#def"],
    ["a semicolon", "abc;def"],
    ["a newline", "abc\ndef"],
    ["quotes", '"abc"'],
    ["an env reference", "abc${X}"],
  ])("refuses a token with %s, without showing it", (_label, token) => {
    let error: unknown;
    try {
      planNpmrcEdits("", [{ kind: "set-token", registryUrl: CA_URL, token }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PackageManagerError);
    expect((error as PackageManagerError).code).toBe("NPMRC_UNSAFE_VALUE");
    expect((error as Error).message).toContain(CA_NERF);
    expect((error as Error).message).not.toContain(token);
    expect((error as Error).message.split("\n")).toHaveLength(1);
  });

  it("never puts a token into changes, notices or JSON", () => {
    const plan = planNpmrcEdits(`${CA_NERF}:_authToken=old\n`, [
      setToken,
      { kind: "set-token", registryUrl: OTHER_URL, token: TOKEN },
    ]);
    expect(JSON.stringify({ changes: plan.changes, notices: plan.notices })).not.toContain(TOKEN);
  });

  it("npmrcHoldsSecret sees tokens and helpers", () => {
    expect(npmrcHoldsSecret("registry=https://r/\n")).toBe(false);
    expect(npmrcHoldsSecret(`${CA_NERF}:_authToken=x\n`)).toBe(true);
    expect(npmrcHoldsSecret(`${CA_NERF}:tokenHelper=/x\n`)).toBe(true);
    expect(npmrcHoldsSecret("_auth=eA==\n")).toBe(true);
  });
});

describe("planNpmrcEdits across the corpus", () => {
  const edits: [string, NpmrcEdit[], NpmrcEdit[]][] = [
    [
      "token",
      [{ kind: "set-token", registryUrl: CA_URL, token: TOKEN }],
      [{ kind: "remove-token", registryUrl: CA_URL }],
    ],
    [
      "two tokens",
      [
        { kind: "set-token", registryUrl: CA_URL, token: TOKEN },
        { kind: "set-token", registryUrl: OTHER_URL, token: `${TOKEN}2` },
      ],
      [
        { kind: "remove-token", registryUrl: CA_URL },
        { kind: "remove-token", registryUrl: OTHER_URL },
      ],
    ],
    [
      "helper",
      [{ kind: "set-token-helper", registryUrl: CA_URL, helperPath: "/opt/helpers/token-abc" }],
      [{ kind: "remove-token-helper", registryUrl: CA_URL }],
    ],
  ];

  for (const file of CORPUS) {
    for (const [label, set, remove] of edits) {
      it(`${file.name}: ${label}`, () => {
        const plan = planNpmrcEdits(file.text, set);
        // Every line that is not about these registries stays, in order, with its own text.
        const touched = (line: string) =>
          line.includes(CA_NERF) || (label === "two tokens" && line.includes(OTHER_NERF));
        const kept = (text: string) =>
          splitLines(text)
            .map((l) => l.text)
            .filter((l) => !touched(l));
        expect(kept(plan.text)).toEqual(kept(file.text));
        // The same edit again changes nothing.
        expect(planNpmrcEdits(plan.text, set).changed).toBe(false);
        // npm reads what was written (unless the line reads its token from ${VAR}, left alone).
        if (oracle && plan.notices.length === 0) {
          const parsed = oracle.decode(plan.text);
          for (const edit of set) {
            if (edit.kind === "set-token") {
              expect(parsed[`${registryNerfDart(edit.registryUrl)}:_authToken`]).toBe(edit.token);
            } else if (edit.kind === "set-token-helper") {
              expect(parsed[`${registryNerfDart(edit.registryUrl)}:tokenHelper`]).toBe(edit.helperPath);
            }
          }
        }
        // The file's own line endings are kept: no line ends differently than before unless it is new.
        if (!file.text.includes("\r\n")) expect(plan.text).not.toContain("\r\n");
        // On a file that had nothing for these registries, removing gives the original bytes back.
        if (!file.text.includes(CA_NERF) && !file.text.includes(OTHER_NERF)) {
          expect(planNpmrcEdits(plan.text, remove).text).toBe(file.text);
        }
      });
    }
  }
});
