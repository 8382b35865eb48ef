// Every keyrings.codeartifact test config (test/fixtures/keyrings-codeartifact/) read both ways: with
// their rules (a model of them, checked first against their own tests' expectations) and with ours.
// Where the two differ, the table says which documented difference it is (README, "keyrings.codeartifact
// compatibility"); everywhere else they must agree.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readKeyringConfig } from "../../src/codeartifact/config.js";
import { resolveSettings } from "../../src/codeartifact/resolve.js";
import { selectSettings } from "../../src/codeartifact/select.js";
import { makeTempDir } from "../support/tmp.js";
import {
  type Coordinates,
  type EffectiveOptions,
  pythonLookup,
  pythonOptions,
} from "./support/keyrings-codeartifact-model.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/keyrings-codeartifact");
const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.cfg`), "utf8");

/** CodeArtifact's token lifetime when GetAuthorizationToken is called without durationSeconds, as we call it. */
const SERVICE_DEFAULT_DURATION = 43_200;

async function ourOptions(text: string, request: Required<Coordinates>): Promise<EffectiveOptions> {
  const config = await readKeyringConfig({ text, file: "keyringrc.cfg" });
  const { settings } = await resolveSettings(selectSettings(config, request), {
    env: {},
    cwd: makeTempDir(),
  });
  const identity = settings.accessKeyId
    ? `static:${settings.accessKeyId}`
    : settings.profile
      ? `profile:${settings.profile}`
      : "default";
  return {
    identity,
    tokenDuration: settings.tokenDuration ?? SERVICE_DEFAULT_DURATION,
    ...(settings.verify !== undefined ? { verify: settings.verify } : {}),
  };
}

describe("the model of keyrings.codeartifact meets its own tests' expectations", () => {
  // From tests/test_config.py (lookup results) and tests/test_backend.py (client options).
  const lookups: [string, Coordinates, Record<string, string | undefined>][] = [
    ["single_section", {}, { token_duration: "1800", profile_name: "default_profile" }],
    [
      "single_section",
      { domain: "domain", account: "owner", region: "region", name: "name" },
      { aws_access_key_id: "default_access_key_id", aws_secret_access_key: "default_access_secret_key" },
    ],
    [
      "single_section",
      { domain: "domain", account: "00000000", region: "ca-central-1", name: "repository" },
      { token_duration: "1800", profile_name: "default_profile" },
    ],
    [
      "multiple_sections_with_default",
      { account: "000000000000" },
      { token_duration: "600", aws_access_key_id: "not_access_key", aws_secret_access_key: "not_secret_key" },
    ],
    [
      "multiple_sections_with_default",
      { domain: "specific" },
      { token_duration: "1800", profile_name: "domain_specific" },
    ],
    ...(["development", "testing", "production"] as const).flatMap(
      (name): [string, Coordinates, Record<string, string | undefined>][] => [
        [
          "multiple_sections_with_default",
          { account: "000000000000", name },
          { token_duration: "1800", profile_name: `${name}_profile` },
        ],
        [
          "multiple_sections_no_default",
          { account: "000000000000", name },
          { token_duration: undefined, profile_name: `${name}_profile` },
        ],
      ],
    ),
  ];
  it.each(lookups)("%s %j", (name, request, expected) => {
    const values = pythonLookup(fixture(name), request);
    for (const [key, value] of Object.entries(expected)) expect(values[key]).toBe(value);
  });

  it.each(["test_backend-empty", "test_config-foreign_backend", "test_config-header_only"])(
    "%s looks up as empty",
    (name) => {
      expect(pythonLookup(fixture(name), {})).toEqual({});
    },
  );

  const backend = { domain: "domain", account: "000000000000", region: "region", name: "name" };
  it.each<[string, EffectiveOptions]>([
    ["test_backend-empty", { identity: "default", tokenDuration: 3600 }],
    ["test_backend-profile_and_keys", { identity: "static:ACCESS-KEY-ID", tokenDuration: 3600 }],
    ["test_backend-lone_access_key", { identity: "default", tokenDuration: 3600 }],
    ["test_backend-profile_overridden", { identity: "profile:PROFILE-OVERRIDDEN", tokenDuration: 3600 }],
    ["test_backend-verify_off", { identity: "default", tokenDuration: 3600, verify: false }],
    [
      "test_backend-verify_path",
      { identity: "default", tokenDuration: 3600, verify: "./path/to/certificate.pem" },
    ],
  ])("%s gives the client options its test asserts", (name, expected) => {
    expect(pythonOptions(fixture(name), backend)).toEqual(expected);
  });

  it("reads a bare qualifier value as empty (the re.VERBOSE quirk)", () => {
    // The only qualified section is picked for any registry, so its profile shows either way; what the
    // quirk changes is that account 000000000000 does not score for it.
    expect(pythonLookup(fixture("ours-bare_qualifier"), { account: "999999999999" }).profile_name).toBe(
      "special",
    );
  });
});

// Registries, as full coordinates (what a registry URL gives both tools).
const REGISTRIES = {
  development: { domain: "domain", account: "000000000000", region: "ca-central-1", name: "development" },
  other: { domain: "domain", account: "000000000000", region: "ca-central-1", name: "other" },
  specific: { domain: "specific", account: "000000000000", region: "ca-central-1", name: "production" },
  otherAccount: { domain: "domain", account: "111111111111", region: "ca-central-1", name: "development" },
  unrelated: { domain: "unrelated", account: "222222222222", region: "us-east-1", name: "unrelated" },
  named: { domain: "domain", account: "000000000000", region: "ca-central-1", name: "name" },
} satisfies Record<string, Required<Coordinates>>;
type RegistryName = keyof typeof REGISTRIES;

/**
 * The documented differences (README):
 * - duration: no `token_duration` means 3600 there, 43200 (the service's default) here;
 * - mismatch: there a section whose qualifiers do not all match can be picked; here it never applies;
 * - cascade: there one section (plus `[codeartifact]`) is used; here non-credential settings cascade
 *   from every applying section, so a less specific section's `token_duration` can apply (in these
 *   fixtures that shows as short-duration);
 * - group: there `[codeartifact]`'s credential keys merge into the picked section's; here the credential
 *   group comes whole from one section;
 * - quotes: values keep their quotes there; one pair is removed here;
 * - lone-key: a lone `aws_access_key_id` is ignored there and an error here;
 * - short-duration: `token_duration = 600` (below CodeArtifact's 900) is an error here before any AWS
 *   call; there it is sent and AWS refuses it. With the cascade it also reaches repositories whose
 *   own section would have given 1800 there.
 */
type Difference = "duration" | "mismatch" | "group" | "quotes";
type Expected = Partial<Record<keyof EffectiveOptions, Difference>> | "lone-key" | "short-duration";

const ALL: RegistryName[] = Object.keys(REGISTRIES) as RegistryName[];
const every = (expected: Expected) =>
  Object.fromEntries(ALL.map((r) => [r, expected])) as Record<RegistryName, Expected>;

const TABLE: Record<string, Record<RegistryName, Expected>> = {
  single_section: every({}),
  multiple_sections_no_default: {
    development: { tokenDuration: "duration" },
    other: { identity: "mismatch", tokenDuration: "duration" },
    specific: { tokenDuration: "duration" },
    otherAccount: { identity: "mismatch", tokenDuration: "duration" },
    unrelated: { identity: "mismatch", tokenDuration: "duration" },
    named: { identity: "mismatch", tokenDuration: "duration" },
  },
  multiple_sections_with_default: {
    // [codeartifact account="000000000000"] sets token_duration = 600: there only when that section is
    // picked (other, named: AWS then refuses it); here it cascades to every repository of the account.
    development: "short-duration",
    other: "short-duration",
    specific: "short-duration",
    otherAccount: { identity: "mismatch" },
    unrelated: { identity: "mismatch", tokenDuration: "mismatch" },
    named: "short-duration",
  },
  "test_backend-empty": every({ tokenDuration: "duration" }),
  "test_backend-profile_and_keys": every({ tokenDuration: "duration" }),
  "test_backend-lone_access_key": every("lone-key"),
  "test_backend-profile_overridden": {
    ...every({ identity: "mismatch", tokenDuration: "duration" }),
    named: { tokenDuration: "duration" },
  },
  "test_backend-verify_off": every({ tokenDuration: "duration" }),
  "test_backend-verify_path": every({ tokenDuration: "duration" }),
  "test_config-foreign_backend": every({ tokenDuration: "duration" }),
  "test_config-header_only": every({ tokenDuration: "duration" }),
  "ours-quoted_value": every({ identity: "quotes", tokenDuration: "duration" }),
  "ours-bare_qualifier": {
    ...every({}),
    otherAccount: { identity: "mismatch" },
    unrelated: { identity: "mismatch" },
  },
  "ours-defaults_keys_section_profile": {
    ...every({ tokenDuration: "duration" }),
    development: { identity: "group", tokenDuration: "duration" },
    otherAccount: { identity: "group", tokenDuration: "duration" },
  },
};

describe("keyrings.codeartifact's test configs, read there and here", () => {
  it("covers every fixture", () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".cfg"))
      .map((f) => f.slice(0, -4));
    expect(Object.keys(TABLE).sort()).toEqual(files.sort());
  });

  const rows = Object.entries(TABLE).flatMap(([name, byRegistry]) =>
    ALL.map((registry) => ({ name, registry, expected: byRegistry[registry] })),
  );
  const tally: Record<string, number> = {};
  it.each(rows)("$name for $registry", async ({ name, registry, expected }) => {
    const text = fixture(name);
    const request = REGISTRIES[registry];
    const there = pythonOptions(text, request);
    if (expected === "lone-key") {
      expect(there.identity).toBe("default");
      await expect(ourOptions(text, request)).rejects.toThrow(
        "static credentials need both keys: `aws_secret_access_key` is missing in [codeartifact]",
      );
      tally[expected] = (tally[expected] ?? 0) + 1;
      return;
    }
    if (expected === "short-duration") {
      await expect(ourOptions(text, request)).rejects.toThrow("token duration `600` is not valid");
      tally[`${expected} (there ${there.tokenDuration})`] =
        (tally[`${expected} (there ${there.tokenDuration})`] ?? 0) + 1;
      return;
    }
    const here = await ourOptions(text, request);
    for (const field of ["identity", "tokenDuration", "verify"] as const) {
      if (expected[field]) {
        expect(here[field], `${field} should differ (${expected[field]})`).not.toEqual(there[field]);
        tally[expected[field]] = (tally[expected[field]] ?? 0) + 1;
      } else {
        expect(here[field], `${field} should agree`).toEqual(there[field]);
        tally.agree = (tally.agree ?? 0) + 1;
      }
    }
  });

  it("tallies every kind of difference (run with the table)", () => {
    if (Object.keys(tally).length === 0) return; // the table was filtered out of this run
    expect(tally).toEqual({
      agree: 140,
      duration: 60,
      mismatch: 14,
      group: 2,
      quotes: 6,
      "lone-key": 6,
      "short-duration (there 1800)": 2,
      "short-duration (there 600)": 2,
    });
  });
});
