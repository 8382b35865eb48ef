// fast-check properties over the two parsers a bad file reaches first, the INI parser (the keyring
// config) and the .npmrc editor, fed with adversarial text: every line break, Python's and Unicode's
// odd whitespace, NUL, BOM, lone surrogates, brackets and quotes. ROBUSTNESS_FC_RUNS cases each
// (CI: 10,000); FC_SEED replays a failure. test/configstore/ini-python.test.ts and
// test/package-managers/npmrc.property.test.ts hold the realistic-file properties; these add garbage
// in, the differential at scale, and the editor's secret hygiene.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readKeyringConfig } from "../../src/codeartifact/config.js";
import { checkCoordinates } from "../../src/codeartifact/registry-url.js";
import { resolveSettings } from "../../src/codeartifact/resolve.js";
import { selectSettings } from "../../src/codeartifact/select.js";
import { CodedError, ConfigFileError } from "../../src/configstore/errors.js";
import { parseIni } from "../../src/configstore/ini.js";
import { ConfigStore } from "../../src/configstore/store.js";
import { PackageManagerError, UnsafeValueError } from "../../src/package-managers/errors.js";
import { parseNpmrc } from "../../src/package-managers/ini-text.js";
import { registryNerfDart } from "../../src/package-managers/nerf-dart.js";
import { applyNpmrcEdits, type NpmrcEdit, planNpmrcEdits } from "../../src/package-managers/npmrc.js";
import { configparserDumps, configparserUnavailable, parseIniDump } from "../support/configparser.js";
import { makeTempDir } from "../support/tmp.js";
import { FC_RUNS, FC_SEED } from "./support.js";

const params = { numRuns: FC_RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) };
/** Outcomes per property, printed at the end: a property whose cases all end one way proves little. */
const tallies = new Map<string, Record<string, number>>();
const tally = (property: string, outcome: string) => {
  const counts = tallies.get(property) ?? {};
  counts[outcome] = (counts[outcome] ?? 0) + 1;
  tallies.set(property, counts);
};
afterAll(() => {
  for (const [property, counts] of tallies) console.log(`properties: ${property}: ${JSON.stringify(counts)}`);
});

// ── generators ──────────────────────────────────────────────────────────────────────────────────────
/** Characters that matter to the parsers, Python's whitespace (which is not JavaScript's) included. */
const TRICKY = [
  "a",
  "b",
  "K",
  "z",
  "0",
  "9",
  "ä",
  "İ",
  "Σ",
  "ß",
  "🔑",
  " ",
  "\t",
  "\u000b",
  "\u000c",
  "\u001c",
  "\u001f",
  "\u0085",
  "\u00a0",
  "\u2000",
  "\u2028",
  "\u3000",
  "\ufeff",
  "=",
  ":",
  "#",
  ";",
  "[",
  "]",
  '"',
  "'",
  "\\",
  "$",
  "{",
  "}",
  "-",
  ".",
  "/",
  "_",
  "@",
];
const tricky = (maxLength: number) => fc.string({ unit: fc.constantFrom(...TRICKY), maxLength });
const EOLS = ["\n", "\r\n", "\r"] as const;
/** Joins lines with a mix of line breaks, with or without a final one. */
const joined = (line: fc.Arbitrary<string>, maxLines = 12) =>
  fc
    .tuple(fc.array(fc.tuple(line, fc.constantFrom(...EOLS)), { maxLength: maxLines }), fc.boolean())
    .map(([lines, final]) =>
      lines.map(([text, eol], i) => text + (i < lines.length - 1 || final ? eol : "")).join(""),
    );
const indent = fc.constantFrom("", "", "", " ", "\t", "  ", "\u00a0", "\u001f");

/** INI lines in keyring's dialect, with codeartifact headers among them. */
const iniLine = fc.oneof(
  fc
    .tuple(
      indent,
      fc.oneof(
        fc.constantFrom(
          "codeartifact",
          'codeartifact name="npm-store"',
          'codeartifact account="111122223333" region="us-east-1"',
          "codeartifact domain=corp",
          'codeartifact name="x',
          "DEFAULT",
          "backend",
          "s",
        ),
        tricky(10),
      ),
      fc.constantFrom("", "", " ; c", " x", "]"),
    )
    .map(([i, name, tail]) => `${i}[${name}]${tail}`),
  fc
    .tuple(
      indent,
      fc.oneof(
        fc.constantFrom("profile_name", "profile", "token_duration", "cache", "timeout", "KEY", "a b"),
        tricky(6),
      ),
      fc.constantFrom("=", ":", " = ", " : ", "= "),
      fc.oneof(fc.constantFrom("dev", "43200", "file", "${X}", '"q"', "'q", "a ; c", "1 # c"), tricky(14)),
    )
    .map(([i, key, delimiter, value]) => `${i}${key}${delimiter}${value}`),
  fc.tuple(indent, fc.constantFrom("#", ";"), tricky(8)).map(([i, p, t]) => `${i}${p}${t}`),
  fc.constantFrom("", " ", "\t", "\u00a0"),
  fc.tuple(indent, tricky(12)).map(([i, t]) => `${i}${t}`),
);
const iniFile = joined(iniLine);

/** Keyring configs that are mostly well formed: real headers, real keys, values good and bad. */
const HEADERS = [
  "codeartifact",
  'codeartifact name="npm-store"',
  'codeartifact domain="corp" account="111122223333"',
  'codeartifact account="111122223333" region="us-east-1" name="npm-store"',
  'codeartifact region="eu-west-1"',
  'codeartifact domain="tools"',
  'codeartifact account="123"',
  "codeartifact name='x",
  "codeartifact-dev",
  "backend",
];
const SETTINGS = [
  "profile_name",
  "profile",
  "token_duration",
  "cache",
  "timeout",
  "refresh_margin",
  "role_arn",
  "endpoint_url",
  "verify",
  "aws_access_key_id",
  "aws_secret_access_key",
  "external_id",
  "ssm_prefix",
  "registry_url",
  "profle",
];
const VALUES = [
  "dev",
  "0",
  "900",
  "43200",
  "100",
  "12h",
  "auto",
  "file",
  "none",
  "disk",
  "1",
  "300",
  "301",
  "-5",
  "true",
  "no",
  "arn:aws:iam::111122223333:role/ci",
  "admin",
  "http://127.0.0.1:1",
  "ftp://x",
  "https://npm.corp.example/",
  "${X}",
  "${X:-dev}",
  "$${literal}",
  '"quoted"',
  "'dev",
  "",
];
const configSection = fc.tuple(
  fc.constantFrom(...HEADERS),
  fc.array(fc.tuple(fc.constantFrom(...SETTINGS), fc.oneof(fc.constantFrom(...VALUES), tricky(6))), {
    maxLength: 4,
  }),
);
const configFile = fc
  .tuple(fc.array(configSection, { maxLength: 4 }), fc.constantFrom(...EOLS))
  .map(([sections, eol]) =>
    sections
      .map(([header, entries]) => [`[${header}]`, ...entries.map(([k, v]) => `${k} = ${v}`)].join(eol))
      .join(eol),
  );

/** Anything at all: full Unicode with lone surrogates, NUL, control characters. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  joined(fc.string({ unit: "binary", maxLength: 30 })),
  fc.tuple(fc.constantFrom("\ufeff", "\u0000", ""), iniFile).map(([a, b]) => a + b),
);

// ── the INI parser ──────────────────────────────────────────────────────────────────────────────────
const noPython = configparserUnavailable();
if (noPython) console.log(`properties: skipping the CPython differential: ${noPython}`);

describe(`the INI parser: ${FC_RUNS} cases per property (ROBUSTNESS_FC_RUNS)`, () => {
  it.skipIf(noPython !== undefined)(
    "agrees with CPython's configparser on every generated file (one python3 run)",
    () => {
      // A leading BOM is a deliberate difference (ignored; Python fails), so it is dropped; NUL is not generated.
      const seed = FC_SEED ?? 9_2026;
      const files = fc.sample(iniFile, { numRuns: FC_RUNS, seed }).map((f) => f.replace(/^\ufeff/, ""));
      const expected = configparserDumps(files);
      let failures = 0;
      const mismatches: { seed: number; input: string }[] = [];
      files.forEach((input, index) => {
        const py = expected[index];
        const mine = parseIniDump(input);
        if (!py?.ok) failures += 1;
        tally("CPython differential", py?.ok ? "both parsed" : "both refused");
        if (JSON.stringify(mine) !== JSON.stringify(py) && mismatches.length < 3)
          mismatches.push({ seed, input });
      });
      expect(mismatches).toEqual([]);
      // Both outcomes are well represented, or the comparison proves little.
      expect(failures).toBeGreaterThan(FC_RUNS / 10);
      expect(files.length - failures).toBeGreaterThan(FC_RUNS / 10);
    },
  );

  it("any text: a document, or a CONFIG_PARSE error on one line naming the file and a line that exists", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let doc: ReturnType<typeof parseIni>;
        try {
          doc = parseIni(text, { file: "/etc/x.ini" });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigFileError);
          const { code, message } = error as ConfigFileError;
          expect(code).toBe("CONFIG_PARSE");
          expect(message).not.toMatch(/[\r\n]/);
          const line = Number(/^\/etc\/x\.ini:(\d+): /.exec(message)?.[1]);
          expect(line).toBeGreaterThanOrEqual(1);
          expect(line).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length);
          tally("parseIni, any text", "refused");
          return;
        }
        for (const section of doc.sections) {
          for (const entry of section.entries) {
            expect(entry.key).toBe(entry.key.toLowerCase());
            expect(entry.line).toBeGreaterThan(section.line);
          }
        }
        tally("parseIni, any text", "parsed");
      }),
      params,
    );
  });

  it("the keyring config from any INI text, through selection and validation: settings, or one of our one-line errors naming the file", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: configFile }, iniFile, anyText), async (text) => {
        try {
          const config = await readKeyringConfig({
            text,
            file: "/home/u/.config/codeartifact-keyring/config.ini",
          });
          // Then every value through selection and validation, as `login` does for one registry.
          const request = { domain: "corp", account: "111122223333", region: "us-east-1", name: "npm-store" };
          const selection = selectSettings(config, request);
          for (const warning of selection.warnings) expect(warning).not.toMatch(/[\r\n]/);
          await resolveSettings(selection, { env: {}, cwd: "/nonexistent", store: new ConfigStore([]) });
          for (const section of [...config.sections, ...(config.defaults ? [config.defaults] : [])]) {
            expect(section.header.toLowerCase().startsWith("codeartifact")).toBe(true);
            const q = section.qualifiers;
            expect(
              checkCoordinates({
                domain: q.domain,
                domainOwner: q.account,
                region: q.region,
                repository: q.name,
              }),
            ).toBeUndefined();
          }
          tally(
            "keyring config",
            config.sections.length + (config.defaults ? 1 : 0) > 0 ? "read, with sections" : "read, empty",
          );
        } catch (error) {
          tally("keyring config", "refused");
          expect(error).toBeInstanceOf(CodedError);
          expect((error as Error).message).not.toMatch(/[\r\n]/);
          expect((error as Error).message.startsWith("/home/u/.config/codeartifact-keyring/config.ini")).toBe(
            true,
          );
        }
      }),
      params,
    );
  });
});

// ── the .npmrc editor ──────────────────────────────────────────────────────────────────────────────
const REGISTRIES = [
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other-repo/",
  "https://tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/",
];
const registry = fc.constantFrom(...REGISTRIES);
/** Tokens shaped like CodeArtifact's, with a marker that must never show up in a change or notice. */
const token = fc.stringMatching(/^[A-Za-z0-9_-]{8,80}$/).map((t) => `eyJTOKEN${t}`);
const npmrcLine = fc.oneof(
  fc
    .tuple(
      registry,
      fc.constantFrom("_authToken", "tokenHelper", "_password", "username", "_auth"),
      fc.oneof(token, tricky(12)),
    )
    .map(([url, key, value]) => `${registryNerfDart(url)}:${key}=${value}`),
  fc.constantFrom(
    "registry=https://registry.npmjs.org/",
    "@corp:registry=x",
    "[section]",
    "; c",
    "# c",
    "=",
    "key",
  ),
  tricky(30),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const npmrcText = fc.oneof(joined(npmrcLine), anyText);
const edit: fc.Arbitrary<NpmrcEdit> = fc.oneof(
  fc.record({ kind: fc.constant("set-token" as const), registryUrl: registry, token }),
  fc.record({ kind: fc.constant("remove-token" as const), registryUrl: registry }),
  fc.record({
    kind: fc.constant("set-registry" as const),
    registryUrl: registry,
    scope: fc.option(fc.constantFrom("corp", "@tools"), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("remove-token-helper" as const), registryUrl: registry }),
);
const tokensOf = (edits: readonly NpmrcEdit[]) =>
  edits.flatMap((e) =>
    e.kind === "set-token" ? [String(typeof e.token === "string" ? e.token : e.token.reveal())] : [],
  );

describe(`the .npmrc editor: ${FC_RUNS} cases per property (ROBUSTNESS_FC_RUNS)`, () => {
  it("any text, any edits: a plan or a refusal of ours; idempotent; no token in its changes or notices", () => {
    fc.assert(
      fc.property(npmrcText, fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => {
        let plan: ReturnType<typeof planNpmrcEdits>;
        try {
          plan = planNpmrcEdits(text, edits);
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafeValueError);
          tally(".npmrc plan, any text", "refused");
          return;
        }
        tally(".npmrc plan, any text", plan.changed ? "changed" : "unchanged");
        for (const secret of tokensOf(edits)) {
          expect(JSON.stringify(plan.changes)).not.toContain(secret);
          expect(JSON.stringify(plan.notices)).not.toContain(secret);
        }
        // One key per edit, or a later edit may undo an earlier one on purpose.
        const keys = edits.map(
          (e) => `${e.kind.replace(/^(set|remove)-/, "")}|${e.registryUrl}|${"scope" in e ? e.scope : ""}`,
        );
        if (new Set(keys).size === keys.length) expect(planNpmrcEdits(plan.text, edits).text).toBe(plan.text);
      }),
      params,
    );
  });

  it("any text: a token it sets reads back exactly (unless a ${VAR} line owns it), and removing it restores the bytes", () => {
    fc.assert(
      fc.property(npmrcText, registry, token, (text, url, tok) => {
        const dart = registryNerfDart(url);
        const set = planNpmrcEdits(text, [{ kind: "set-token", registryUrl: url, token: tok }]);
        if (set.notices.length > 0) return void tally(".npmrc set/remove", "left a ${VAR} line alone");
        const entries = parseNpmrc(set.text).filter(
          (e) => e.section === undefined && e.key === `${dart}:_authToken`,
        );
        expect(entries.map((e) => e.value)).toEqual([tok]);
        if (!text.includes(dart)) {
          expect(planNpmrcEdits(set.text, [{ kind: "remove-token", registryUrl: url }]).text).toBe(text);
          tally(".npmrc set/remove", "read back, and removed to the same bytes");
        } else tally(".npmrc set/remove", "read back");
      }),
      params,
    );
  });

  it(`on real files (${Math.max(50, Math.floor(FC_RUNS / 20))} cases): the planned text at 0600, no temp file left; bad bytes refused untouched`, async () => {
    const dir = makeTempDir("cak-prop-");
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          npmrcText,
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        ),
        registry,
        token,
        async (content, url, tok) => {
          const file = join(dir, `npmrc-${index++}`);
          writeFileSync(file, content, { mode: 0o644 });
          const before = readFileSync(file);
          const edits: NpmrcEdit[] = [{ kind: "set-token", registryUrl: url, token: tok }];
          try {
            // force: git's verdict is tested elsewhere; here only the bytes and modes matter.
            const result = await applyNpmrcEdits(file, edits, { force: true });
            const text = before.toString("utf8");
            expect(readFileSync(file, "utf8")).toBe(planNpmrcEdits(text, edits).text);
            if (result.changed) expect(statSync(file).mode & 0o777).toBe(0o600);
            tally(".npmrc on disk", "written");
          } catch (error) {
            expect(error).toBeInstanceOf(PackageManagerError);
            expect((error as PackageManagerError).code).toBe("NPMRC_INVALID");
            expect(readFileSync(file).equals(before)).toBe(true);
            expect((error as Error).message).not.toContain(tok);
            tally(".npmrc on disk", "refused, untouched");
          }
          expect(existsSync(`${file}.lock`)).toBe(false);
        },
      ),
      { ...params, numRuns: Math.max(50, Math.floor(FC_RUNS / 20)) },
    );
    // Nothing but the files themselves: no write-file-atomic temp files, no locks.
    expect(readdirSync(dir).filter((name) => !/^npmrc-\d+$/.test(name))).toEqual([]);
  });
});
