import { describe, expect, it } from "vitest";
import { ConfigFileError } from "../../src/configstore/errors.js";
import { type IniDocument, parseIni } from "../../src/configstore/ini.js";

/** `{ section: { key: value } }` of a document, for compact expectations. */
function flat(doc: IniDocument): Record<string, Record<string, string>> {
  return Object.fromEntries(
    doc.sections.map((s) => [s.name, Object.fromEntries(s.entries.map((e) => [e.key, e.value]))]),
  );
}

describe("parseIni: the keyringrc.cfg dialect (Python configparser)", () => {
  it.each<[string, string, Record<string, Record<string, string>>]>([
    ["= and : delimiters", "[s]\na = 1\nb: 2\nc=3\nd:4\n", { s: { a: "1", b: "2", c: "3", d: "4" } }],
    [
      "the first delimiter splits",
      "[s]\nurl = http://h:1/?a=b\nk: v = w\n",
      { s: { url: "http://h:1/?a=b", k: "v = w" } },
    ],
    ["keys lowercased, values kept", "[S]\nProfile_Name = Dev\n", { S: { profile_name: "Dev" } }],
    ["spaces inside keys are kept", "[s]\nmy key = v\n", { s: { "my key": "v" } }],
    ["empty values", "[s]\na =\nb:\n", { s: { a: "", b: "" } }],
    ["whole-line # and ; comments", "# top\n; top\n[s]\n  # indented\na = 1\n;end\n", { s: { a: "1" } }],
    [
      "inline comments after whitespace",
      "[s]\na = 1 # note\nb = 2 ; note\nc = 3\t;tab\n",
      { s: { a: "1", b: "2", c: "3" } },
    ],
    [
      "# or ; without whitespace before is text",
      "[s]\na = x#y\nb = x;y\nc = #not-inline?\n",
      { s: { a: "x#y", b: "x;y", c: "" } },
    ],
    [
      "values are not unquoted",
      "[s]\na = \"quoted\"\nb = 'single'\n",
      { s: { a: '"quoted"', b: "'single'" } },
    ],
    [
      "headers with quotes, spaces and dots",
      '[codeartifact account="111122223333" name="my.repo"]\nprofile_name = x\n[a.b.c]\nk = v\n',
      { 'codeartifact account="111122223333" name="my.repo"': { profile_name: "x" }, "a.b.c": { k: "v" } },
    ],
    ["header spaces are kept", "[ spaced ]\nk = v\n", { " spaced ": { k: "v" } }],
    ["a header ends at the last ]", "[a]b]\nk = v\n", { "a]b": { k: "v" } }],
    ["text after a header is ignored (as configparser does)", "[s] trailing\nk = v\n", { s: { k: "v" } }],
    ["a header with an inline comment", "[s] ; comment\nk = v\n", { s: { k: "v" } }],
    [
      "continuation lines",
      "[s]\nk = first\n  second\n\tthird\nnext = 1\n",
      { s: { k: "first\nsecond\nthird", next: "1" } },
    ],
    ["blank lines inside a value are kept", "[s]\nk = a\n\n  b\n", { s: { k: "a\n\nb" } }],
    ["trailing blank lines are dropped", "[s]\nk = a\n\n\n[t]\n", { s: { k: "a" }, t: {} }],
    ["comment lines inside a value are skipped", "[s]\nk = a\n  # c\n  b\n", { s: { k: "a\nb" } }],
    ["a continuation can start with [", "[s]\nk = a\n  [not a header]\n", { s: { k: "a\n[not a header]" } }],
    ["an empty first line with continuations", "[s]\nk =\n  a\n  b\n", { s: { k: "\na\nb" } }],
    [
      "an indented option continues only deeper",
      "[s]\n  a = 1\n  b = 2\n    c\n",
      { s: { a: "1", b: "2\nc" } },
    ],
    ["CRLF and CR line ends", "[s]\r\na = 1\r\nb = 2\rc = 3", { s: { a: "1", b: "2", c: "3" } }],
    ["a leading BOM is ignored", "\uFEFF[s]\na = 1\n", { s: { a: "1" } }],
    [
      "repeated [DEFAULT] merges",
      "[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n",
      { DEFAULT: { a: "1", b: "2" }, s: {} },
    ],
    ["same key in two sections", "[a]\nk = 1\n[b]\nk = 2\n", { a: { k: "1" }, b: { k: "2" } }],
    ["unicode", "[säkt]\nnämn = värde 🔑\n", { säkt: { nämn: "värde 🔑" } }],
    [
      "Python whitespace (U+001F) trims; U+FEFF does not",
      "[s]\na = x\u001f\nb = y\uFEFF\n",
      { s: { a: "x", b: "y\uFEFF" } },
    ],
  ])("%s", (_name, text, expected) => {
    expect(flat(parseIni(text))).toEqual(expected);
  });

  it("records 1-based lines of sections and entries", () => {
    const doc = parseIni("# c\n[a]\nx = 1\n  more\n\n[b]\ny = 2\n");
    expect(doc.sections.map((s) => [s.name, s.line, s.entries.map((e) => [e.key, e.line])])).toEqual([
      ["a", 2, [["x", 3]]],
      ["b", 6, [["y", 7]]],
    ]);
  });

  it("reproduces configparser's inline-comment quirk (its search advances one occurrence per prefix per round)", () => {
    // Round 1: `#`@5 and `;`@14 follow letters. Round 2: `#`@7 follows a letter, `;`@17 follows a
    // space, so the search stops there, although `#`@10 (3rd `#`, after a space) came earlier.
    expect(flat(parseIni("[s]\nk = a#b#c #d x;y ;z\n"))).toEqual({ s: { k: "a#b#c #d x;y" } });
    expect(flat(parseIni("[s]\nj = a#b;c #d ;e\n"))).toEqual({ s: { j: "a#b;c" } });
  });
});

describe("parseIni: errors name the file and line", () => {
  it.each<[string, string, number, RegExp]>([
    ["a setting before any section", "a = 1\n", 1, /before any \[section\] header/],
    ["a comment, then a setting before any section", "# c\n\nk = v\n", 3, /before any \[section\]/],
    [
      "a line without a delimiter",
      "[s]\na = 1\njust words\n",
      3,
      /neither a \[section\] header nor `key = value`/,
    ],
    ["an empty header", "[s]\n[]\n", 2, /neither/],
    ["an unclosed header", "[s]\n[oops\n", 2, /neither/],
    ["a header cut by an inline comment", "[s]\n[a #b]\n", 2, /neither/],
    ["a key-less value", "[s]\n= v\n", 2, /without a key/],
    ["a repeated section", "[s]\na = 1\n[t]\n[s]\n", 4, /section \[s\] is already defined on line 1/],
    ["a repeated key", "[s]\nKey = 1\nkey = 2\n", 3, /`key` is already set in \[s\] on line 2/],
    ["a repeated key across [DEFAULT] blocks", "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n", 4, /already set/],
    ["a NUL character", "[s]\na = 1\nb = \0\n", 3, /NUL/],
  ])("%s", (_name, text, line, message) => {
    let error: unknown;
    try {
      parseIni(text, { file: "/etc/app.cfg" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    expect(error).toMatchObject({ code: "CONFIG_PARSE", file: "/etc/app.cfg", line });
    expect((error as Error).message).toMatch(new RegExp(`^/etc/app\\.cfg:${line}: `));
    expect((error as Error).message).toMatch(message);
  });

  it("never quotes the offending line (it may hold a secret)", () => {
    expect(() => parseIni("[s]\naws_secret_access_key hunter2\n")).toThrow(/^<ini>:2: /);
    try {
      parseIni("[s]\naws_secret_access_key hunter2\n");
    } catch (e) {
      expect((e as Error).message).not.toContain("hunter2");
    }
  });
});
