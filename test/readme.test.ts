// The README is the reference: it must name every setting and every command the code has, and keep
// the two first-screen commands.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MatrixResults } from "../scripts/matrix-table.js";
import { SECTION_KEYS, SETTING_DEFINITIONS } from "../src/codeartifact/settings.js";
import { MATRIX_CLIENTS } from "./support/clients.js";
import { ROOT, runCli } from "./support/run.js";
import { isolatedHome } from "./support/tmp.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("opens with the two commands for a fresh machine", () => {
    const firstScreen = readme.split("\n").slice(0, 15).join("\n");
    expect(firstScreen).toContain("npm ci && npm run demo");
    expect(firstScreen).toContain("npm ci && npm test");
  });

  it.each([...SETTING_DEFINITIONS.map((d) => d.key), ...SECTION_KEYS])(
    "documents the setting `%s`",
    (key) => {
      expect(readme).toMatch(new RegExp(`^\\| \`${key}\``, "m"));
    },
  );

  it("documents every command the CLI has", async () => {
    const help = await runCli(["--help"], { env: isolatedHome().env });
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)]
      .map((m) => m[1])
      .filter((c) => c !== "help");
    expect(commands.length).toBeGreaterThan(6);
    for (const command of commands)
      expect(readme).toContain(`codeartifact-login ${command === "login" ? "[login]" : command}`);
  });
});

describe("README's matrix table", () => {
  it("is the table test/e2e/matrix-results.json (what the e2e matrix measured) generates", async () => {
    const { README_FILE, RESULTS_FILE, renderMatrixTable, tableIn } = await import(
      "../scripts/matrix-table.js"
    );
    const results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as MatrixResults;
    const table = tableIn(readFileSync(README_FILE, "utf8"));
    expect(table, "README.md lacks the matrix-table markers").toBeDefined();
    expect(
      table,
      "README's table differs from the matrix's results: run `npx tsx scripts/matrix-table.ts`",
    ).toBe(renderMatrixTable(results));
    // Every client of the matrix has a column, and every cell a verdict.
    expect(Object.keys(results.clients)).toEqual([...MATRIX_CLIENTS]);
  });
});
