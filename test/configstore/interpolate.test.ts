import { describe, expect, it } from "vitest";
import { fromEnv } from "../../src/configstore/backends/env.js";
import { fromMemory } from "../../src/configstore/backends/memory.js";
import { InterpolationError } from "../../src/configstore/errors.js";
import {
  interpolate,
  interpolateValues,
  MAX_INTERPOLATED_LENGTH,
} from "../../src/configstore/interpolate.js";
import { Secret } from "../../src/configstore/secret.js";
import { ConfigStore } from "../../src/configstore/store.js";
import type { Backend } from "../../src/configstore/types.js";

const values = {
  HOST: "db.internal",
  PORT: "5432",
  EMPTY: "",
  USER: "app",
  "app.name": "demo",
  "/app/prod/token": "ssm-style",
  URL: "postgres://${USER}@${HOST}:${PORT}/",
  DOLLAR: "costs $5",
  ESCAPED: "literal $${HOME}",
};
const store = new ConfigStore([
  fromEnv({ env: { HOST: "from-env" } }),
  fromMemory(values, { name: "defaults" }),
]);

describe("interpolate: syntax table", () => {
  it.each<[string, string, string]>([
    ["no reference", "plain text", "plain text"],
    ["one reference", "${PORT}", "5432"],
    ["first backend wins", "${HOST}", "from-env"],
    ["embedded, several, left to right", "https://${HOST}:${PORT}/x", "https://from-env:5432/x"],
    ["dots and slashes in names", "${app.name} ${/app/prod/token}", "demo ssm-style"],
    ["empty value (a hit)", "[${EMPTY}]", "[]"],
    [":- with a set value", "${PORT:-1}", "5432"],
    [":- when unset", "${NOPE:-fallback}", "fallback"],
    [":- when empty", "${EMPTY:-fallback}", "fallback"],
    [":- with an empty default", "[${NOPE:-}]", "[]"],
    ["- with a set value", "${PORT-1}", "5432"],
    ["- when unset", "${NOPE-fallback}", "fallback"],
    ["- keeps an empty value", "[${EMPTY-fallback}]", "[]"],
    ["a default with separators in it", "${NOPE:-a-b:-c}", "a-b:-c"],
    ["a default is literal text", "${NOPE:-$HOME $PORT y}", "$HOME $PORT y"],
    ["a default ends at the first }", "${NOPE:-a}b}", "ab}"],
    ["$${ is a literal ${", "$${PORT}", "${PORT}"],
    ["$${ next to a reference", "$${PORT}=${PORT}", "${PORT}=5432"],
    ["three dollars", "$$${PORT}", "$${PORT}"],
    ["a lone $", "cost: $ 5", "cost: $ 5"],
    ["$NAME without braces is literal", "$PORT and $", "$PORT and $"],
    ["$$ without a brace is literal", "a$$b", "a$$b"],
    ["a trailing $", "end$", "end$"],
    ["a } alone", "a } b", "a } b"],
    ["values are interpolated in turn", "${URL}", "postgres://app@from-env:5432/"],
    ["a $ in a value stays", "${DOLLAR}", "costs $5"],
    ["an escape in a value", "${ESCAPED}", "literal ${HOME}"],
    ["unicode around references", "ü${PORT}🔑", "ü5432🔑"],
  ])("%s: %j → %j", async (_name, template, expected) => {
    await expect(interpolate(template, store)).resolves.toBe(expected);
  });
});

async function caught(promise: Promise<unknown>): Promise<InterpolationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InterpolationError);
  return error as InterpolationError;
}

describe("interpolate: errors", () => {
  it("names a missing reference, the key path and the backends tried", async () => {
    const error = await caught(interpolate("x ${DB_PASSWORD} y", store, { keyPath: "database.url" }));
    expect(error).toMatchObject({
      code: "INTERPOLATION_MISSING",
      reference: "DB_PASSWORD",
      keyPath: "database.url",
    });
    expect(error.message).toBe(
      "`${DB_PASSWORD}` in `database.url` is not set (looked in env, defaults). Set `DB_PASSWORD`, or give a default: `${DB_PASSWORD:-default}`.",
    );
  });

  it("names the chain when the missing reference is inside another value", async () => {
    const s = new ConfigStore([fromMemory({ A: "${B}", B: "x ${C}" })]);
    const error = await caught(interpolate("${A}", s, { keyPath: "k" }));
    expect(error).toMatchObject({ code: "INTERPOLATION_MISSING", reference: "C", keyPath: "k" });
    expect(error.message).toContain("`${C}` in `k` (in the value of `A > B`) is not set");
  });

  it.each<[string, Record<string, string>, string, string[]]>([
    ["self", { A: "${A}" }, "${A}", ["A", "A"]],
    ["two", { A: "x${B}", B: "${A}y" }, "${A}", ["A", "B", "A"]],
    ["three, entered midway", { A: "${B}", B: "${C}", C: "${B}" }, "${A}", ["B", "C", "B"]],
    ["through a default's name", { A: "${B:-x}", B: "${A-y}" }, "${A}", ["A", "B", "A"]],
  ])("reports a cycle (%s) with its path", async (_name, record, template, cycle) => {
    const error = await caught(
      interpolate(template, new ConfigStore([fromMemory(record)]), { keyPath: "s.k" }),
    );
    expect(error.code).toBe("INTERPOLATION_CYCLE");
    expect(error.cycle).toEqual(cycle);
    expect(error.message).toContain(`\`${cycle.join(" > ")}\` in \`s.k\``);
  });

  it.each<[string, string]>([
    ["unterminated", "abc ${HOST"],
    ["unterminated at the end", "abc ${"],
    ["empty name", "${}"],
    ["empty name with default", "${:-x}"],
    ["a space in the name", "${A B}"],
    ["an unsupported operator", "${A:?error}"],
    ["a colon alone", "${A:x}"],
    ["nesting", "${A:-${B}}"],
    ["an escape inside a default", "${A:-$${B}}"],
    ["a { in a default (the default would end at the first })", '${JSON:-{"json":1}}'],
    ["a { in a default, name unset", "${NOPE:-{y}"],
    ["a { in a - default", "${NOPE-a{b}"],
  ])("refuses %s syntax, naming the key path", async (_name, template) => {
    const error = await caught(interpolate(template, store, { keyPath: "section.key" }));
    expect(error.code).toBe("INTERPOLATION_SYNTAX");
    expect(error.keyPath).toBe("section.key");
    expect(error.message).toContain("in `section.key`");
  });

  it("refuses a brace in a default whether or not the name is set, naming it and the key, not the text", async () => {
    const s = new ConfigStore([fromMemory({ JSON: '{"json":2}' })]);
    for (const template of ['${JSON:-{"json":1}}', '${NOPE:-{"json":1}}']) {
      const error = await caught(interpolate(template, s, { keyPath: "[codeartifact] external_id" }));
      expect(error.code).toBe("INTERPOLATION_SYNTAX");
      expect(error.message).toMatch(
        /^Interpolation syntax: a `\{` in the default of `\$\{(JSON|NOPE):-…\}` at character 1 in `\[codeartifact\] external_id`: a default ends at the first `\}`, so it cannot hold braces\. Set `(JSON|NOPE)` \(in the environment or \.env\) instead of giving this default\.$/,
      );
      expect(error.message).not.toContain("json");
    }
    // A `}` after a complete reference is literal text, as in Compose.
    await expect(interpolate("${JSON:-x}}", s)).resolves.toBe('{"json":2}}');
  });

  it("never quotes a value in messages, even a malformed one from the store", async () => {
    const s = new ConfigStore([fromMemory({ DB_PASSWORD: "hunter2${oops" })]);
    const error = await caught(interpolate("${DB_PASSWORD}", s, { keyPath: "db.password" }));
    expect(error.code).toBe("INTERPOLATION_SYNTAX");
    expect(error.message).toContain("(in the value of `DB_PASSWORD`)");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("oops");
  });

  it("stops a value that doubles through references before it exhausts memory", async () => {
    const record: Record<string, string> = { L0: "x".repeat(1024) };
    for (let i = 1; i <= 12; i++) record[`L${i}`] = `\${L${i - 1}}\${L${i - 1}}`;
    const error = await caught(interpolate("${L12}", new ConfigStore([fromMemory(record)])));
    expect(error.code).toBe("INTERPOLATION_TOO_LARGE");
    expect(MAX_INTERPOLATED_LENGTH).toBe(1024 * 1024);
  });
});

describe("interpolate: lookups", () => {
  it("asks the store once per name in one call", async () => {
    const asked: string[] = [];
    const counting: Backend = {
      name: "counting",
      get: async (key) => {
        asked.push(key);
        return key === "A" ? "a" : undefined;
      },
    };
    await interpolate("${A}${A}${A:-x}${B-y}${B-y}", new ConfigStore([counting]));
    expect(asked).toEqual(["A", "B"]);
  });
});

describe("interpolateValues", () => {
  it("walks objects and arrays, keeps other values and never touches keys", async () => {
    const input = {
      "${HOST}": "key stays",
      db: { url: "${URL}", port: 5432, tls: true, none: null, hosts: ["${HOST}", "literal"] },
    };
    const out = await interpolateValues(input, store);
    expect(out).toEqual({
      "${HOST}": "key stays",
      db: {
        url: "postgres://app@from-env:5432/",
        port: 5432,
        tls: true,
        none: null,
        hosts: ["from-env", "literal"],
      },
    });
    expect(Object.isFrozen(out)).toBe(true);
    expect(Object.isFrozen(out.db)).toBe(true);
    expect(Object.isFrozen(out.db.hosts)).toBe(true);
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(input.db.url).toBe("${URL}"); // the input is not changed
  });

  it("reveals, interpolates and re-wraps Secret values", async () => {
    const out = (await interpolateValues({ password: new Secret("p-${PORT}") }, store)) as {
      password: Secret;
    };
    expect(out.password).toBeInstanceOf(Secret);
    expect(out.password.reveal()).toBe("p-5432");
  });

  it("names the key path of a failing reference, arrays included", async () => {
    const error = await caught(interpolateValues({ a: { list: ["ok", "${MISSING}"] } }, store));
    expect(error.keyPath).toBe("a.list[1]");
    const prefixed = await caught(interpolateValues({ k: "${MISSING}" }, store, { keyPath: "root" }));
    expect(prefixed.keyPath).toBe("root.k");
  });
});
