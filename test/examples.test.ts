// The examples are documentation that runs: configs read by the real loader (all three formats to the
// same model), YAML and JSON that parse, and the API example run against the loopback endpoint.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { readKeyringConfig } from "../src/codeartifact/config.js";
import { publishedName } from "../src/codeartifact/published.js";
import { parseRegistryUrl } from "../src/codeartifact/registry-url.js";
import { selectSettings } from "../src/codeartifact/select.js";
import { parseTokenStore } from "../src/codeartifact/settings.js";
import { startFakeAws } from "./support/aws/index.js";
import { ROOT, run } from "./support/run.js";
import { isolatedHome } from "./support/tmp.js";

const example = (...parts: string[]) => join(ROOT, "examples", ...parts);

describe("examples", () => {
  it("config.ini, config.toml and config.yaml read to the same model", async () => {
    const strip = (config: Awaited<ReturnType<typeof readKeyringConfig>>) => ({
      defaults: config.defaults?.entries.map(({ key, value }) => [key, value]),
      sections: config.sections.map((s) => ({
        qualifiers: s.qualifiers,
        registryUrl: s.registryUrl,
        entries: s.entries.map(({ key, value }) => [key, value]),
      })),
    });
    const ini = await readKeyringConfig({ path: example("config", "config.ini") });
    const toml = await readKeyringConfig({ path: example("config", "config.toml") });
    const yaml = await readKeyringConfig({ path: example("config", "config.yaml") });
    expect(strip(toml)).toEqual(strip(ini));
    expect(strip(yaml)).toEqual(strip(ini));
    expect(ini.sections).toHaveLength(5);
    // The release repository gets its own credential group (profile and role), and the defaults.
    const release = selectSettings(ini, {
      domain: "corp",
      account: "111122223333",
      region: "us-east-1",
      name: "npm-release",
    });
    expect(Object.fromEntries(Object.entries(release.settings).map(([k, v]) => [k, v.value]))).toEqual({
      token_duration: "28800",
      refresh_margin: "900",
      profile_name: "dev",
      role_arn: "arn:aws:iam::111122223333:role/codeartifact-release-read",
      role_session_name: "laptop",
    });
    expect(release.warnings).toEqual([]);
  });

  it.each([
    ["github-actions", "build.yml"],
    ["gitlab-ci", ".gitlab-ci.yml"],
    ["codebuild", "buildspec.yml"],
  ])("%s/%s is valid YAML that runs codeartifact-keyring before installing", (dir, file) => {
    const text = readFileSync(example(dir, file), "utf8");
    expect(() => parseYaml(text)).not.toThrow();
    expect(text).toMatch(/npx --yes --registry=https:\/\/registry\.npmjs\.org\/ codeartifact-keyring/);
    expect(text.indexOf("codeartifact-keyring")).toBeLessThan(text.indexOf("npm ci"));
  });

  it("the scripts example is valid JSON and the Dockerfile mounts the token as a secret", () => {
    const pkg = JSON.parse(readFileSync(example("scripts", "package.json"), "utf8"));
    expect(Object.keys(pkg.scripts)).toEqual(["login", "preinstall", "ci:install", "whoami:codeartifact"]);
    const dockerfile = readFileSync(example("docker", "Dockerfile"), "utf8");
    expect(dockerfile).toContain("RUN --mount=type=secret,id=codeartifact");
    expect(dockerfile).not.toMatch(/^(ENV|ARG) .*TOKEN/m);
  });

  it("the Docker recipe creates no token file, and no step copies the context after one could exist", () => {
    const text = readFileSync(example("docker", "Dockerfile"), "utf8");
    const { buildCommands, instructions } = parseDockerfile(text);
    expect(buildCommands.length).toBeGreaterThan(0);
    expect(tokenFileHazards(text)).toEqual([]);
    for (const command of buildCommands) {
      expect(command).toMatch(/--secret id=codeartifact,env=CODEARTIFACT_AUTH_TOKEN\b/);
    }
    expect(
      instructions.some((i) =>
        /--mount=type=secret,id=codeartifact,env=CODEARTIFACT_AUTH_TOKEN\b/.test(i.args),
      ),
    ).toBe(true);
    // The checker catches the recipe this example used to give (so it can fail).
    const old = [
      "#   codeartifact-login token > .codeartifact-token",
      "#   docker build --secret id=codeartifact,src=.codeartifact-token -t app .",
      "FROM node:20-slim",
      "RUN --mount=type=secret,id=codeartifact,required=true \\",
      '    CODEARTIFACT_AUTH_TOKEN="$(cat /run/secrets/codeartifact)" npm ci',
      "COPY . .",
    ].join("\n");
    expect(tokenFileHazards(old)).toEqual([
      "line 6: `COPY . .` copies the build context after a token file could exist (the build command's `--secret ...,src=` names a file in the context)",
    ]);
    const ignore = readFileSync(example("docker", ".dockerignore"), "utf8").split("\n");
    expect(ignore).toEqual(expect.arrayContaining([".codeartifact-token*", "*.token", ".env"]));
  });

  it("the API example runs and never prints the token", async () => {
    const aws = await startFakeAws();
    try {
      const home = isolatedHome();
      const result = await run(process.execPath, ["--import", "tsx", example("api", "get-token.ts")], {
        env: { ...home.env, ...aws.env(), CODEARTIFACT_KEYRING_CACHE: "file" },
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain("[redacted] aws");
      expect(result.stdout).toMatch(/corp until \d{4}-/);
      const token = aws.codeartifact.issued[0]?.token as string;
      expect(result.stdout + result.stderr).not.toContain(token);
    } finally {
      await aws.close();
    }
  });

  describe("fleet/: one scheduled publisher, runners that read", () => {
    const fleet = (file: string) => readFileSync(example("fleet", file), "utf8");
    /** The `publish --to STORE --registry URL` a file runs: the store, and the parameter it writes. */
    const publishIn = (text: string) => {
      const match = /codeartifact-keyring publish --to (\S+) --registry (\S+)/.exec(
        text.replace(/\n\s*- /g, " "),
      );
      expect(match, "a `codeartifact-keyring publish --to … --registry …` command").not.toBeNull();
      const store = parseTokenStore(match?.[1] as string);
      const url = match?.[2] ?? "";
      return { store, url };
    };
    const reader = JSON.parse(fleet("reader-policy.json"));
    const SSM_NAME = "/ci/codeartifact/corp-111122223333-us-east-1";

    it("the IAM policies parse; readers may read the one published parameter and nothing of CodeArtifact", () => {
      const target = parseRegistryUrl(
        "https://corp-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
      );
      expect(
        publishedName(parseTokenStore("ssm:/ci/codeartifact"), target as NonNullable<typeof target>),
      ).toBe(SSM_NAME);
      const actions = (policy: { Statement: { Action: string | string[] }[] }) =>
        policy.Statement.flatMap((s) => [s.Action].flat());
      expect(actions(reader).sort()).toEqual(["kms:Decrypt", "ssm:GetParameter"]);
      expect(reader.Statement[0].Resource).toBe(`arn:aws:ssm:us-east-1:111122223333:parameter${SSM_NAME}`);
      const publisher = JSON.parse(fleet("publisher-policy.json"));
      expect(actions(publisher)).toEqual(
        expect.arrayContaining([
          "codeartifact:GetAuthorizationToken",
          "sts:GetServiceBearerToken",
          "ssm:PutParameter",
        ]),
      );
      const secrets = JSON.parse(fleet("secretsmanager-reader-policy.json"));
      expect(actions(secrets)).toEqual(["secretsmanager:GetSecretValue"]);
      // Secrets Manager adds a 6-character suffix to a secret's ARN.
      expect(secrets.Statement[0].Resource).toBe(
        `arn:aws:secretsmanager:us-east-1:111122223333:secret:${SSM_NAME.slice(1)}-??????`,
      );
    });

    it("eventbridge-codebuild.yml: a 15-minute EventBridge schedule starts a CodeBuild publisher allowed to write the parameter", () => {
      const template = parseYaml(fleet("eventbridge-codebuild.yml"));
      const resources = template.Resources;
      expect(resources.Schedule).toMatchObject({
        Type: "AWS::Scheduler::Schedule",
        Properties: {
          ScheduleExpression: "rate(15 minutes)",
          Target: { Arn: { "Fn::GetAtt": ["Publisher", "Arn"] } },
        },
      });
      expect(resources.Publisher.Type).toBe("AWS::CodeBuild::Project");
      const buildspec = parseYaml(resources.Publisher.Properties.Source.BuildSpec);
      const { store } = publishIn(buildspec.phases.build.commands.join("\n"));
      expect(store.spec).toBe("ssm:/ci/codeartifact");
      const statements = resources.PublisherRole.Properties.Policies[0].PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Resource: "arn:aws:ssm:us-east-1:111122223333:parameter/ci/codeartifact/*",
        }),
      );
      expect(resources.SchedulerRole.Properties.Policies[0].PolicyDocument.Statement[0].Action).toBe(
        "codebuild:StartBuild",
      );
    });

    it("github-actions-publish.yml: a schedule with an OIDC role publishes; the reader job uses token_from for the same store", () => {
      const text = fleet("github-actions-publish.yml");
      const workflow = parseYaml(text);
      expect(workflow.on.schedule).toEqual([{ cron: "*/15 * * * *" }]);
      expect(workflow.permissions["id-token"]).toBe("write");
      const steps = workflow.jobs.publish.steps as { run?: string }[];
      const { store, url } = publishIn(steps.map((s) => s.run ?? "").join("\n"));
      expect(parseRegistryUrl(url)).toMatchObject({ domain: "corp", domainOwner: "111122223333" });
      expect(text).toContain(`CODEARTIFACT_KEYRING_TOKEN_FROM: ${store.spec}`);
    });

    it("kubernetes-cronjob.yaml: a CronJob every 15 minutes, never two at once, with the publisher's service account", () => {
      const [account, cron] = parseAllDocuments(fleet("kubernetes-cronjob.yaml")).map((d) => d.toJS());
      expect(account).toMatchObject({ kind: "ServiceAccount", metadata: { name: "codeartifact-publisher" } });
      expect(cron).toMatchObject({
        apiVersion: "batch/v1",
        kind: "CronJob",
        spec: { schedule: "*/15 * * * *", concurrencyPolicy: "Forbid" },
      });
      const pod = cron.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe(account.metadata.name);
      const { store } = publishIn(pod.containers[0].command.join(" "));
      expect(store.spec).toBe("ssm:/ci/codeartifact");
    });
  });
});

interface DockerInstruction {
  line: number;
  keyword: string;
  args: string;
}

/** Instructions (continuation lines joined, comments skipped) and the `docker build` commands in comments. */
function parseDockerfile(text: string): { instructions: DockerInstruction[]; buildCommands: string[] } {
  const lines = text.split("\n");
  const instructions: DockerInstruction[] = [];
  const buildCommands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] as string;
    const comment = /^\s*#\s*(docker (?:buildx )?build .*)$/.exec(first);
    if (comment) buildCommands.push(comment[1] as string);
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] as string;
      joined = joined.replace(/\\\s*$/, " ") + (/^\s*#/.test(next) ? "" : next.trim());
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(joined);
    if (match)
      instructions.push({
        line: start + 1,
        keyword: (match[1] as string).toUpperCase(),
        args: match[2] as string,
      });
  }
  return { instructions, buildCommands };
}

/**
 * Where a token file could exist and the build context is then copied into the image: the documented
 * build command names a secret file (`src=`) or the recipe writes the token to a file; a RUN mounts
 * the secret as a file or runs a command that writes one (`login`, `setup`). Each hazard names the
 * line of the COPY/ADD of the context that would bake the file in.
 */
function tokenFileHazards(text: string): string[] {
  const { instructions, buildCommands } = parseDockerfile(text);
  let why: string | undefined;
  if (buildCommands.some((c) => /--secret\s+\S*\bsrc=/.test(c))) {
    why = "the build command's `--secret ...,src=` names a file in the context";
  }
  if (/codeartifact-login\s+token[^\n]*>/.test(text)) why ??= "the recipe writes the token into a file";
  const hazards: string[] = [];
  for (const { line, keyword, args } of instructions) {
    if (keyword === "RUN") {
      const mount = /--mount=type=secret,([^\s]*)/.exec(args)?.[1];
      if (mount !== undefined && !/\benv=/.test(mount))
        why ??= `line ${line}: the secret is mounted as a file`;
      if (/codeartifact-(?:login|keyring)\b(?:\s+--?\S+)*\s+(?:login|setup)\b/.test(args)) {
        why ??= `line ${line}: \`login\`/\`setup\` writes the token into a file`;
      }
    }
    if ((keyword === "COPY" || keyword === "ADD") && !/--from=/.test(args)) {
      const sources = args
        .split(/\s+/)
        .filter((a) => !a.startsWith("--"))
        .slice(0, -1);
      if (why && sources.some((s) => s === "." || s === "./" || s.includes("*"))) {
        hazards.push(
          `line ${line}: \`${keyword} ${args}\` copies the build context after a token file could exist (${why})`,
        );
      }
    }
  }
  return hazards;
}
