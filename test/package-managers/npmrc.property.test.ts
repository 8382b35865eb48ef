// Properties of the .npmrc editor over generated files and edits. FC_RUNS sets the number of runs
// (default 1,000; CI runs 10,000); FC_SEED replays a failure.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitLines } from "../../src/package-managers/ini-text.js";
import { registryNerfDart } from "../../src/package-managers/nerf-dart.js";
import { type NpmrcEdit, planNpmrcEdits } from "../../src/package-managers/npmrc.js";
import { npmOracle } from "./support/npm-oracle.js";

const RUNS = Number(process.env.FC_RUNS ?? 1000);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };
const oracle = npmOracle();

const REGISTRIES = [
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
  "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/other-repo/",
  "https://tools-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/shared/",
];
const HELPER = "/home/u/.local/share/codeartifact-keyring/pnpm-helpers/token-0123456789abcdef";

const registry = fc.constantFrom(...REGISTRIES);
const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._=-]{0,120}$/);

// Lines that exercise the parser: the registries' own keys (so edits find and replace them), their
// conflicts, other registries, comments, sections, quoted and `${VAR}` values, odd spacing.
const nerf = registry.map((url) => registryNerfDart(url));
const value = fc.oneof(
  token,
  fc.constant("${CODEARTIFACT_AUTH_TOKEN}"),
  fc.constant('"quoted value"'),
  fc.constant("a;b"),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n\u2028\u2029]/g, "")),
);
const line = fc
  .oneof(
    { weight: 4, arbitrary: fc.tuple(nerf, fc.constantFrom("_authToken", "tokenHelper"), value) },
    {
      weight: 2,
      arbitrary: fc.tuple(
        nerf,
        fc.constantFrom("_password", "username", "_auth", "email", "always-auth"),
        value,
      ),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.constantFrom("//registry.npmjs.org/", "//npm.pkg.github.com/"),
        fc.constant("_authToken"),
        value,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(
        fc.constant(""),
        fc.constantFrom("registry", "@corp:registry", "fund", "save-exact"),
        value,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "# comment",
        "; comment",
        "",
        "   ",
        "[section]",
        "[legacy.sub]",
        "=odd",
        "bare-key",
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n\u2028\u2029]/g, "")) },
  )
  .map((parts) => {
    if (typeof parts === "string") return parts;
    const [prefix, key, val] = parts;
    return `${prefix}${prefix ? ":" : ""}${key}=${val}`;
  });
const spaced = fc
  .tuple(line, fc.constantFrom("", " ", "  ", "\t"), fc.boolean())
  .map(([text, space, around]) => (around ? text.replace("=", `${space}=${space}`) : `${space}${text}`));

const file = fc
  .tuple(
    fc.array(spaced, { maxLength: 14 }),
    fc.constantFrom("\n", "\r\n", "mixed"),
    fc.boolean(),
    fc.array(fc.boolean(), { maxLength: 14 }),
  )
  .map(([lines, eol, finalNewline, picks]) => {
    const eolAt = (i: number) => (eol === "mixed" ? (picks[i] ? "\r\n" : "\n") : eol);
    return lines.map((text, i) => text + (i < lines.length - 1 || finalNewline ? eolAt(i) : "")).join("");
  });

const edit: fc.Arbitrary<NpmrcEdit> = fc.oneof(
  fc.record({ kind: fc.constant("set-token" as const), registryUrl: registry, token }),
  fc.record({ kind: fc.constant("remove-token" as const), registryUrl: registry }),
  fc.record({
    kind: fc.constant("set-token-helper" as const),
    registryUrl: registry,
    helperPath: fc.constant(HELPER),
  }),
  fc.record({ kind: fc.constant("remove-token-helper" as const), registryUrl: registry }),
  fc.record({ kind: fc.constant("set-always-auth" as const), registryUrl: registry }),
  fc.record({ kind: fc.constant("remove-always-auth" as const), registryUrl: registry }),
  fc.record({
    kind: fc.constant("set-registry" as const),
    registryUrl: registry,
    scope: fc.option(fc.constantFrom("corp", "@tools"), { nil: undefined }),
  }),
);

/** Keys an edit may touch: its own key and, for a token, the nerf dart's conflicting credentials. */
function ownedKeys(e: NpmrcEdit): string[] {
  const dart = registryNerfDart(e.registryUrl);
  switch (e.kind) {
    case "set-token":
      return [
        `${dart}:_authToken`,
        `${dart}:_password`,
        `${dart}:username`,
        `${dart}:email`,
        `${dart}:always-auth`,
      ];
    case "remove-token":
      return [`${dart}:_authToken`];
    case "set-token-helper":
    case "remove-token-helper":
      return [`${dart}:tokenHelper`];
    case "set-always-auth":
    case "remove-always-auth":
      return [`${dart}:always-auth`];
    case "set-registry":
    case "remove-registry":
      return [e.scope === undefined ? "registry" : `@${e.scope.replace(/^@/, "")}:registry`];
  }
}

/** The key npm reads from one line, when it is a top-level setting (judged by npm's parser if present). */
function keyOf(text: string): string | undefined {
  if (/^\s*\[[^\]]*\]\s*$/.test(text)) return undefined;
  if (oracle) return Object.keys(oracle.decode(text))[0];
  const match = /^([^=]+)/.exec(text);
  return match?.[1]?.trim();
}

/**
 * The text of the lines the edit does not own (owned keys dropped before the first [section]), each
 * with its own line break, joined. The run of line breaks at the very end is left out: it may rightly
 * change (a line appended to a file without a final newline gives the old last line a break; removing
 * a last line without one takes the separator before it). The exact round trip is its own property.
 */
function unowned(text: string, keys: readonly string[]): string {
  let inSection = false;
  let kept = "";
  for (const { text: line, eol } of splitLines(text)) {
    if (/^\[([^\]]*)\]\s*$/.test(line)) inSection = true;
    const key = inSection ? undefined : keyOf(line);
    if (key === undefined || !keys.includes(key)) kept += line + eol;
  }
  return kept.replace(/(?:\r\n|\n|\r)+$/, "");
}

describe(`planNpmrcEdits properties (${RUNS} runs each)`, () => {
  it("keeps every line it does not own, byte for byte, in order", () => {
    fc.assert(
      fc.property(file, edit, (text, e) => {
        const plan = planNpmrcEdits(text, [e]);
        expect(unowned(plan.text, ownedKeys(e))).toEqual(unowned(text, ownedKeys(e)));
      }),
      params,
    );
  });

  it("is idempotent: the same edits twice equal once", () => {
    // One edit per key: a list that both sets and removes one key is not meant to be idempotent.
    const edits = fc.uniqueArray(edit, { minLength: 1, maxLength: 4, selector: (e) => ownedKeys(e)[0] });
    fc.assert(
      fc.property(file, edits, (text, edits) => {
        const once = planNpmrcEdits(text, edits);
        const twice = planNpmrcEdits(once.text, edits);
        expect(twice.text).toBe(once.text);
        expect(twice.changed).toBe(false);
      }),
      params,
    );
  });

  it("removing a token (or helper) it added gives back the original file", () => {
    fc.assert(
      fc.property(file, registry, token, fc.boolean(), (text, url, tok, helper) => {
        const dart = registryNerfDart(url);
        // Precondition: the file has nothing for this nerf dart (else setting rightly changes other lines).
        fc.pre(!text.includes(dart));
        const set: NpmrcEdit = helper
          ? { kind: "set-token-helper", registryUrl: url, helperPath: HELPER }
          : { kind: "set-token", registryUrl: url, token: tok };
        const remove: NpmrcEdit = helper
          ? { kind: "remove-token-helper", registryUrl: url }
          : { kind: "remove-token", registryUrl: url };
        const added = planNpmrcEdits(text, [set]);
        expect(added.changed).toBe(true);
        expect(planNpmrcEdits(added.text, [remove]).text).toBe(text);
      }),
      params,
    );
  });

  it.skipIf(!oracle)("writes what npm then reads (judged by npm's own ini parser)", () => {
    fc.assert(
      fc.property(file, registry, token, (text, url, tok) => {
        const key = `${registryNerfDart(url)}:_authToken`;
        const plan = planNpmrcEdits(text, [{ kind: "set-token", registryUrl: url, token: tok }]);
        if (plan.notices.length > 0) return; // a ${VAR} line for this key: left alone on purpose
        expect(oracle?.decode(plan.text)[key]).toBe(tok);
      }),
      params,
    );
  });

  it.skipIf(!oracle)("any token is either refused or read back by npm exactly", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (tok) => {
        let text: string;
        try {
          text = planNpmrcEdits("", [
            { kind: "set-token", registryUrl: REGISTRIES[0] as string, token: tok },
          ]).text;
        } catch (error) {
          expect((error as { code?: string }).code).toBe("NPMRC_UNSAFE_VALUE");
          return;
        }
        const key = `${registryNerfDart(REGISTRIES[0] as string)}:_authToken`;
        expect(oracle?.decode(text)[key]).toBe(tok);
        expect(oracle?.envReplace(tok, {})).toBe(tok);
      }),
      params,
    );
  });
});
