// `--verbose` prints stacks and causes, never a secret: a syntax error next to
// `aws_secret_access_key` must not bring the parser's code frame (with the secret in it) to stderr.
import { describe, expect, it } from "vitest";
import { makeWorld, URL } from "../robustness/support.js";
import { withFakeAws } from "../support/aws/index.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG/VERBOSESECRETKEY";

const CASES: [string, string, RegExp][] = [
  [
    "config.toml",
    `[codeartifact]\naws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\naws_secret_access_key = "${SECRET}"\nbroken = = 1\n`,
    /config\.toml:4: invalid TOML/,
  ],
  [
    "config.yaml",
    `codeartifact:\n  aws_access_key_id: AKIAIOSFODNN7EXAMPLE\n  aws_secret_access_key: ${SECRET}\n  broken: [unclosed\n`,
    /config\.yaml:\d+: invalid YAML/,
  ],
  [
    "config.ini",
    `[codeartifact]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${SECRET}\n= no key\n`,
    /config\.ini:4: /,
  ],
];

describe("--verbose with a syntax error next to a secret", () => {
  it.concurrent.each(CASES)("%s: file:line, stack frames, no secret", (name, text, where) =>
    withFakeAws(async (aws) => {
      const w = makeWorld(aws);
      w.write(w.path(".config/codeartifact-keyring", name), text);
      const result = await w.cli(["token", "-r", URL, "--verbose"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(where);
      // The stack is there (so --verbose still shows where), the secret and its halves are not.
      expect(result.stderr).toMatch(/^\s+at\s/m);
      expect(result.stderr).not.toContain(SECRET);
      expect(result.stderr).not.toContain("VERBOSESECRETKEY");
      expect(result.stdout).toBe("");
    }),
  );
});
