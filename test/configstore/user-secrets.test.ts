import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { fromUserSecrets, initUserSecrets } from "../../src/configstore/backends/user-secrets.js";
import { ConfigFileError, ConfigStoreError } from "../../src/configstore/errors.js";
import { Secret } from "../../src/configstore/secret.js";
import { isolatedHome, makeTempDir } from "../support/tmp.js";
import { subdir } from "./helpers.js";

const base = makeTempDir("cak-usersecrets-");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function project(envText?: string | Buffer) {
  const projectDir = subdir(base, "project");
  const root = join(subdir(base, "home"), "user-secrets");
  if (envText !== undefined) writeFileSync(join(projectDir, ".env"), envText);
  return { projectDir, root, envFile: join(projectDir, ".env") };
}

describe("initUserSecrets", () => {
  it("creates .env with the id line and a 0700 folder", async () => {
    const p = project();
    const result = await initUserSecrets(p);
    expect(result.created).toBe(true);
    expect(result.id).toMatch(UUID);
    expect(readFileSync(p.envFile, "utf8")).toBe(`USER_SECRETS_ID=${result.id}\n`);
    expect(result.secretsFile).toBe(join(p.root, result.id, "secrets.json"));
    if (process.platform !== "win32") {
      expect(statSync(join(p.root, result.id)).mode & 0o777).toBe(0o700);
      expect(statSync(p.root).mode & 0o777).toBe(0o700);
    }
  });

  it.each([
    ["a final newline", "A=1\n", ""],
    ["no final newline", "A=1", "\n"],
    ["CRLF line ends and no final newline", "A=1\r\nB=2", "\r\n"],
    ["an empty file", "", ""],
  ])("appends to a .env with %s, keeping every existing byte", async (_name, before, separator) => {
    const p = project(before);
    const { id } = await initUserSecrets(p);
    const eol = before.includes("\r\n") ? "\r\n" : "\n";
    expect(readFileSync(p.envFile, "utf8")).toBe(`${before}${separator}USER_SECRETS_ID=${id}${eol}`);
  });

  it("keeps an existing id and changes nothing", async () => {
    const p = project("# mine\nUSER_SECRETS_ID=0d7c5e2a-1111-2222-3333-444455556666\nOTHER=x\n");
    const before = readFileSync(p.envFile);
    const result = await initUserSecrets(p);
    expect(result).toMatchObject({ id: "0d7c5e2a-1111-2222-3333-444455556666", created: false });
    expect(readFileSync(p.envFile)).toEqual(before);
    expect(existsSync(join(p.root, result.id))).toBe(true);
  });

  it("replaces an empty id by appending (dotenv: the last line wins)", async () => {
    const p = project("USER_SECRETS_ID=\n");
    const { id, created } = await initUserSecrets(p);
    expect(created).toBe(true);
    await expect(fromUserSecrets(p).info()).resolves.toMatchObject({ id });
  });

  it("refuses an id that could leave the secrets folder, naming .env and the line", async () => {
    const p = project("A=1\nUSER_SECRETS_ID=../../etc\n");
    const error = await initUserSecrets(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect(error).toMatchObject({ code: "CONFIG_PARSE", file: p.envFile, line: 2 });
    await expect(fromUserSecrets(p).get("A")).rejects.toMatchObject({ line: 2 });
  });

  it("honours idKey", async () => {
    const p = project();
    const { id } = await initUserSecrets({ ...p, idKey: "MY_APP_SECRETS" });
    expect(readFileSync(p.envFile, "utf8")).toBe(`MY_APP_SECRETS=${id}\n`);
  });
});

describe("fromUserSecrets", () => {
  it("answers undefined without .env or without an id", async () => {
    await expect(fromUserSecrets(project()).get("A")).resolves.toBeUndefined();
    await expect(fromUserSecrets(project("OTHER=1\n")).get("A")).resolves.toBeUndefined();
  });

  it("asks for initialisation before the first set", async () => {
    const p = project("OTHER=1\n");
    const error = await fromUserSecrets(p)
      .set("A", "v")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigStoreError);
    expect(error).toMatchObject({ code: "USER_SECRETS_NOT_INITIALISED" });
    expect((error as Error).message).toContain(`\`${p.envFile}\` has no \`USER_SECRETS_ID\``);
    expect((error as Error).message).toContain("initUserSecrets(");
  });

  it("keeps secrets out of the project: .env holds only the id", async () => {
    const p = project("REGION=us-east-1\n");
    await initUserSecrets(p);
    const envBefore = readFileSync(p.envFile, "utf8");
    const secrets = fromUserSecrets(p);
    await secrets.set("API_TOKEN", "tok-secret-123");
    expect(readFileSync(p.envFile, "utf8")).toBe(envBefore);
    for (const name of readdirSync(p.projectDir)) {
      expect(readFileSync(join(p.projectDir, name), "utf8")).not.toContain("tok-secret-123");
    }
  });

  it("writes secrets.json as a JSON object of strings, 0600, leaving no temp files", async () => {
    const p = project();
    const { secretsFile } = await initUserSecrets(p);
    const secrets = fromUserSecrets(p);
    await secrets.set("B", "2");
    await secrets.set("A", "1");
    expect(JSON.parse(readFileSync(secretsFile, "utf8"))).toEqual({ B: "2", A: "1" });
    if (process.platform !== "win32") expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(secretsFile, ".."))).toEqual(["secrets.json"]);
  });

  it("lists secrets as Secret values, clears them and reports where things are", async () => {
    const p = project();
    const { id, secretsFile } = await initUserSecrets(p);
    const secrets = fromUserSecrets(p);
    await secrets.set("ONE", "1");
    await secrets.set("TWO", "2");
    const listed = await secrets.list();
    expect(Object.keys(listed)).toEqual(["ONE", "TWO"]);
    expect(listed.ONE).toBeInstanceOf(Secret);
    expect(listed.ONE?.reveal()).toBe("1");
    expect(JSON.stringify(listed)).not.toMatch(/"1"|"2"/);
    await expect(secrets.info()).resolves.toEqual({
      id,
      idKey: "USER_SECRETS_ID",
      projectDir: p.projectDir,
      envFile: p.envFile,
      secretsFile,
      count: 2,
    });
    await expect(secrets.clear()).resolves.toBe(2);
    await expect(secrets.clear()).resolves.toBe(0);
    await expect(secrets.list()).resolves.toEqual({});
  });

  it("reports info and empty answers without an id", async () => {
    const p = project();
    const secrets = fromUserSecrets(p);
    await expect(secrets.info()).resolves.toEqual({ projectDir: p.projectDir, envFile: p.envFile, count: 0 });
    await expect(secrets.list()).resolves.toEqual({});
    await expect(secrets.clear()).resolves.toBe(0);
    await expect(secrets.delete("A")).resolves.toBe(false);
  });

  it("refuses a corrupt secrets.json, naming the file but never its content", async () => {
    const p = project();
    const { secretsFile } = await initUserSecrets(p);
    writeFileSync(secretsFile, '{"API_TOKEN": "hunter2-secret", oops}');
    const secrets = fromUserSecrets(p);
    const error = await secrets.get("API_TOKEN").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIG_PARSE", file: secretsFile });
    expect((error as Error).message).not.toContain("hunter2");
    // A write must not replace the user's unreadable secrets with an empty file.
    await expect(secrets.set("OTHER", "x")).rejects.toMatchObject({ code: "CONFIG_PARSE" });
    expect(readFileSync(secretsFile, "utf8")).toContain("hunter2-secret");
  });

  it.each([
    ["an array", "[]"],
    ["a number value", '{"A": 1}'],
  ])("refuses secrets.json holding %s", async (_name, text) => {
    const p = project();
    const { secretsFile } = await initUserSecrets(p);
    writeFileSync(secretsFile, text);
    await expect(fromUserSecrets(p).get("A")).rejects.toMatchObject({
      code: "CONFIG_PARSE",
      file: secretsFile,
    });
  });

  it("loses no update when many sets run at once", async () => {
    const p = project();
    await initUserSecrets(p);
    const secrets = fromUserSecrets(p);
    const other = fromUserSecrets(p); // a second instance, as a second process would have
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? secrets : other).set(`K${i}`, `v${i}`)));
    expect(Object.keys(await secrets.list()).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `K${i}`).sort(),
    );
  });

  it("loses no update when several processes set at once (lock file)", async () => {
    const p = project();
    await initUserSecrets(p);
    const module = pathToFileURL(join(process.cwd(), "src/configstore/backends/user-secrets.ts")).href;
    const writer = (n: number) =>
      new Promise<number | null>((resolve, reject) => {
        const script = `import { fromUserSecrets } from ${JSON.stringify(module)};
const s = fromUserSecrets(${JSON.stringify({ projectDir: p.projectDir, root: p.root })});
await Promise.all(Array.from({ length: 5 }, (_, i) => s.set("P${n}_" + i, "v")));`;
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          stdio: ["ignore", "ignore", "inherit"],
        });
        child.on("error", reject);
        child.on("exit", resolve);
      });
    await expect(Promise.all([1, 2, 3, 4].map(writer))).resolves.toEqual([0, 0, 0, 0]);
    expect(Object.keys(await fromUserSecrets(p).list())).toHaveLength(20);
  });

  it("keeps keys such as __proto__ as plain data", async () => {
    const p = project();
    await initUserSecrets(p);
    const secrets = fromUserSecrets(p);
    await secrets.set("__proto__", "not a prototype");
    await expect(secrets.get("__proto__")).resolves.toBe("not a prototype");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("defaults its root to the user's XDG config dir", async () => {
    const home = isolatedHome();
    const projectDir = subdir(base, "project");
    const { secretsFile, id } = await initUserSecrets({ projectDir, env: home.env });
    expect(secretsFile).toBe(
      join(home.env.XDG_CONFIG_HOME ?? "", "codeartifact-keyring", "user-secrets", id, "secrets.json"),
    );
    const secrets = fromUserSecrets({ projectDir, env: home.env });
    await secrets.set("K", "v");
    expect(existsSync(secretsFile)).toBe(true);
  });
});
