// The token appears on `token`'s stdout and nowhere else: every command, with --verbose and --json,
// on its happy path and on failures, is scanned for the known token.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

describe("no command leaks the token", () => {
  it("anywhere but token's stdout", async () => {
    const box = sandbox();
    box.projectNpmrc(`registry=${REGISTRY}\n`);
    writeFileSync(join(box.project, ".env"), "");
    const commands: string[][] = [
      [],
      ["login", "--verbose"],
      ["login", "--json"],
      ["login", "--dry-run", "--verbose"],
      ["login", "--refresh", "--yarn", "--verbose"],
      ["exec", "--verbose", "--", process.execPath, "-e", "0"],
      ["setup", "pnpm", "--verbose", "--pnpm-version", "10.34.9"],
      ["setup", "pnpm", "--json"],
      ["status"],
      ["status", "--json", "--verbose"],
      ["diagnose", "--verbose"],
      ["diagnose", "--json"],
      ["secrets", "info"],
      ["setup", "pnpm", "--remove"],
      ["logout", "--verbose", "--yarn"],
    ];
    const seen: string[] = [];
    for (const args of commands) {
      const result = await box.run(args);
      expect(result.status, `${args.join(" ")}: ${result.stderr}`).toBe(0);
      seen.push(`$ ${args.join(" ")}\n${result.stdout}\n${result.stderr}`);
    }
    // Failures too: a denied refresh with a cached token in place, verbose.
    await box.run(["login"]);
    aws().codeartifact.denied.add("AKIAIOSFODNN7EXAMPLE");
    for (const args of [
      ["login", "--refresh", "--verbose"],
      ["diagnose", "--verbose"],
      ["status", "--verbose"],
    ]) {
      const result = await box.run(args);
      seen.push(`$ ${args.join(" ")}\n${result.stdout}\n${result.stderr}`);
    }
    const tokens = aws().codeartifact.issued.map((t) => t.token);
    expect(tokens.length).toBeGreaterThan(0);
    for (const output of seen) {
      for (const token of tokens) expect(output.includes(token), output.split("\n")[0]).toBe(false);
    }
    // `token` is the one command that prints it, on stdout only.
    aws().codeartifact.denied.clear();
    const printed = await box.run(["token", "--verbose"]);
    expect(printed.stdout).toBe(`${aws().codeartifact.issued.at(-1)?.token}\n`);
    for (const token of aws().codeartifact.issued.map((t) => t.token))
      expect(printed.stderr).not.toContain(token);
  });
});
