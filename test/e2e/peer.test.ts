// Flow 9: for a CodeArtifact-shaped URL, the .npmrc lines `login --default-registry` writes carry the
// same keys and values (token aside) as the real `aws codeartifact login --tool npm`: Debian's awscli,
// pointed at the loopback endpoint. .ci/run installs awscli, so in CI this never skips.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeAws } from "../support/aws/index.js";
import { run, runCli } from "../support/run.js";
import { isolatedHome } from "../support/tmp.js";
import { CODEARTIFACT_URL, COORDINATES } from "./harness/index.js";

/** Debian's aws binary (a pyenv or v1 `aws` may shadow it on PATH), or why there is none. */
function findAwsCli(): { path: string } | { reason: string } {
  try {
    const listed = execFileSync("dpkg", ["-L", "awscli"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const path = listed.split("\n").find((line) => /\/bin\/aws$/.test(line));
    if (path && existsSync(path)) return { path };
  } catch {
    // not a Debian system, or awscli not installed
  }
  return { reason: "Debian's awscli is not installed (apt-get install awscli; .ci/run does)" };
}

const awsCli = findAwsCli();
if ("reason" in awsCli) {
  if (process.env.CI) throw new Error(`${awsCli.reason}: CI must run the peer comparison`);
  console.log(`skipping the comparison with \`aws codeartifact login\`: ${awsCli.reason}`);
}

/** The .npmrc as key → value, tokens replaced by `<token>` (they differ by design). */
function npmrcEntries(file: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const match = /^\s*([^;#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    entries[key] = key.endsWith(":_authToken") ? "<token>" : value;
  }
  return entries;
}

describe.skipIf("reason" in awsCli)("the same .npmrc as `aws codeartifact login --tool npm` (flow 9)", () => {
  it("`login --default-registry` writes the keys and values the aws CLI writes", async () => {
    if (!("path" in awsCli)) return;
    const aws = await startFakeAws();
    try {
      const theirs = isolatedHome();
      const peer = await run(
        awsCli.path,
        [
          "codeartifact",
          "login",
          "--tool",
          "npm",
          "--domain",
          COORDINATES.domain,
          "--domain-owner",
          COORDINATES.domainOwner,
          "--repository",
          COORDINATES.repository,
          "--region",
          COORDINATES.region,
          "--endpoint-url",
          aws.url,
        ],
        { env: { ...theirs.env, ...aws.env(), AWS_PAGER: "" }, cwd: theirs.home, timeoutMs: 120_000 },
      );
      expect(peer.status, peer.stderr).toBe(0);
      expect(aws.count("GetRepositoryEndpoint")).toBe(1);

      const ours = isolatedHome();
      const login = await runCli(["login", "--registry", CODEARTIFACT_URL, "--default-registry"], {
        env: { ...ours.env, ...aws.env(), DBUS_SESSION_BUS_ADDRESS: "" },
        cwd: ours.home,
      });
      expect(login.status, login.stderr).toBe(0);
      expect(aws.count("GetAuthorizationToken")).toBe(2);

      const expected = npmrcEntries(join(theirs.home, ".npmrc"));
      expect(expected).toEqual({
        registry: CODEARTIFACT_URL,
        [`${CODEARTIFACT_URL.replace(/^https:/, "")}:_authToken`]: "<token>",
      });
      expect(npmrcEntries(join(ours.home, ".npmrc"))).toEqual(expected);
    } finally {
      await aws.close();
    }
  });
});
