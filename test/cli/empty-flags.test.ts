// `--profile ""` and `--config ""` (an unset shell variable, typically) are usage errors, exit 2, not
// silently dropped for the defaults. Through the built CLI, both the full CLI and token's short way.
import { describe, expect, it } from "vitest";
import { stderrLines } from "../support/run.js";
import { REGISTRY, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

describe("empty option values are usage errors", () => {
  const cases: { label: string; args: string[]; line: string }[] = [
    {
      label: "token --profile ''",
      args: ["token", "--registry", REGISTRY, "--profile", ""],
      line: "error: option '--profile <name>' argument '' is invalid. the profile name cannot be empty: give one, or leave the option out. (run with --help for usage)",
    },
    {
      label: "login --profile=",
      args: ["login", "--registry", REGISTRY, "--profile="],
      line: "error: option '--profile <name>' argument '' is invalid. the profile name cannot be empty: give one, or leave the option out. (run with --help for usage)",
    },
    {
      label: "--config '' token",
      args: ["--config", "", "token", "--registry", REGISTRY],
      line: "error: option '-c, --config <path>' argument '' is invalid. the config file path cannot be empty: give one, or leave the option out. (run with --help for usage)",
    },
    {
      label: "-c '' status",
      args: ["-c", "", "status"],
      line: "error: option '-c, --config <path>' argument '' is invalid. the config file path cannot be empty: give one, or leave the option out. (run with --help for usage)",
    },
  ];
  for (const { label, args, line } of cases) {
    it(`${label}: exit 2, one line, nothing fetched`, async () => {
      const box = sandbox();
      const result = await box.run(args);
      expect(stderrLines(result.stderr)).toEqual([line]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(aws().count("GetAuthorizationToken")).toBe(0);
    });
  }
});
