import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCommittedTokens } from "../../src/package-managers/committed-tokens.js";
import { makeTempDir } from "../support/tmp.js";
import { git, gitEnv, hasGit } from "./support/git.js";

const CA_NERF = "//corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/";
const SECRET_TOKEN = "eyJ2ZXIiOjF9.Y29tbWl0dGVk";

describe.skipIf(!hasGit())("findCommittedTokens (real git)", () => {
  it("names tracked .npmrc lines with a literal CodeArtifact token, and nothing else", async () => {
    const dir = makeTempDir("cak-repo-");
    git(dir, "init", "-q");
    writeFileSync(
      join(dir, ".npmrc"),
      [
        `registry=https:${CA_NERF}`,
        `${CA_NERF}:_authToken=${SECRET_TOKEN}`,
        "//registry.npmjs.org/:_authToken=npm_not_codeartifact",
        "",
      ].join("\n"),
    );
    mkdirSync(join(dir, "packages", "a"), { recursive: true });
    writeFileSync(
      join(dir, "packages", "a", ".npmrc"),
      `# env is fine\n${CA_NERF}:_authToken=\${CODEARTIFACT_AUTH_TOKEN}\n//x-111122223333.d.codeartifact.eu-west-1.amazonaws.com/npm/r2/:_authToken=${SECRET_TOKEN}\n`,
    );
    mkdirSync(join(dir, "untracked"));
    writeFileSync(join(dir, "untracked", ".npmrc"), `${CA_NERF}:_authToken=${SECRET_TOKEN}\n`);
    git(dir, "add", ".npmrc", "packages/a/.npmrc");

    const warnings = await findCommittedTokens({ cwd: join(dir, "packages", "a"), env: gitEnv });
    expect(warnings.map((w) => [w.file, w.line, w.nerfDart])).toEqual([
      [join(dir, ".npmrc"), 2, CA_NERF],
      [
        join(dir, "packages", "a", ".npmrc"),
        3,
        "//x-111122223333.d.codeartifact.eu-west-1.amazonaws.com/npm/r2/",
      ],
    ]);
    for (const warning of warnings) {
      expect(warning.message).not.toContain(SECRET_TOKEN);
      expect(warning.message).toMatch(/^`.+\.npmrc`:\d+ holds a CodeArtifact token .* delete that line/);
    }
  });

  it("outside a repository there is nothing to report", async () => {
    expect(await findCommittedTokens({ cwd: makeTempDir(), env: gitEnv })).toEqual([]);
  });
});
