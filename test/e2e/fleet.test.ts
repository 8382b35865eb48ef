// A CI fleet (issue 19): one scheduled publisher stores the domain's token in SSM Parameter Store;
// a runner with a fresh HOME and only permission to read that parameter installs with the real npm,
// and never calls CodeArtifact (the endpoint counts the calls, and denies the runner's key anyway).
import { describe, expect, it } from "vitest";
import { OTHER_CREDENTIALS } from "../support/aws/index.js";
import { PACKAGES } from "./harness/index.js";
import { INSTALL, newUser } from "./harness/user.js";
import { useE2e } from "./harness/vitest.js";

const e2e = useE2e();
const EXPECTED = PACKAGES.map((p) => `${p.name}: ${p.exports}\n`).join("");

describe("a fleet reading one published token (token_from)", () => {
  it("a runner installs with npm from the token in Parameter Store: 1 store read, 0 CodeArtifact calls", async () => {
    const setup = e2e();
    const publisher = newUser(setup);
    publisher.writeConfig();
    const published = await publisher.cli([
      "publish",
      "--to",
      "ssm:/ci/codeartifact",
      "--registry",
      setup.registryUrl,
    ]);
    expect(published.status, published.stderr).toBe(0);
    const token = setup.issued.at(-1)?.token as string;
    const name = "/ci/codeartifact/demo-111122223333-us-east-1";
    expect(JSON.parse(setup.aws.ssm.get(name)?.value ?? "{}")).toMatchObject({ token, domain: "demo" });

    const minted = setup.aws.count("GetAuthorizationToken");
    const reads = setup.aws.count("GetParameter");
    // The runner's key may read the parameter, and nothing of CodeArtifact.
    setup.aws.codeartifact.denied.add(OTHER_CREDENTIALS.accessKeyId);
    try {
      const runner = newUser(setup, {
        AWS_ACCESS_KEY_ID: OTHER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: OTHER_CREDENTIALS.secretAccessKey,
        CODEARTIFACT_KEYRING_TOKEN_FROM: "ssm:/ci/codeartifact",
      });
      runner.writeConfig();
      runner.writeProject();
      const install = await runner.cli(["exec", "--", "npm", ...INSTALL.npm]);
      expect(install.status, install.stderr).toBe(0);
      expect(install.stdout + install.stderr).not.toContain(token);
      expect((await runner.loadPackages()).stdout).toBe(EXPECTED);
      expect(setup.aws.count("GetAuthorizationToken")).toBe(minted);
      expect(setup.aws.count("GetParameter")).toBe(reads + 1);
      // A second job step on the same runner: served from its cache, no store read either.
      const again = await runner.cli(["token"]);
      expect(again.stdout).toBe(`${token}\n`);
      expect(setup.aws.count("GetParameter")).toBe(reads + 1);
    } finally {
      setup.aws.codeartifact.denied.delete(OTHER_CREDENTIALS.accessKeyId);
    }
  });
});
