// `fromUserSecrets({ store })`: other tools' secret stores in their own folders, formats and key rules.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  flattenDotnetJson,
  parsePythonSecrets,
  type SecretStoreKind,
  serializePythonSecrets,
} from "../../src/configstore/backends/secret-store-formats.js";
import { fromUserSecrets, initUserSecrets } from "../../src/configstore/backends/user-secrets.js";
import { ConfigFileError, ConfigStoreError } from "../../src/configstore/errors.js";
import { makeTempDir } from "../support/tmp.js";

const ID = "0d7c5e2a-1111-2222-3333-444455556666";

function project(envText: string) {
  const projectDir = makeTempDir("cak-stores-");
  writeFileSync(join(projectDir, ".env"), envText);
  return projectDir;
}

describe("where each store keeps a project's secrets", () => {
  const rows: [string, SecretStoreKind, NodeJS.Platform, NodeJS.ProcessEnv, string, string][] = [
    [
      "ours",
      "native",
      "linux",
      { HOME: "/h" },
      `USER_SECRETS_ID=${ID}`,
      `/h/.config/codeartifact-keyring/user-secrets/${ID}/secrets.json`,
    ],
    [
      "dotnet",
      "dotnet",
      "linux",
      { HOME: "/h" },
      `USER_SECRETS_ID=${ID}`,
      `/h/.microsoft/usersecrets/${ID}/secrets.json`,
    ],
    [
      "dotnet, macOS",
      "dotnet",
      "darwin",
      { HOME: "/Users/u" },
      `USER_SECRETS_ID=${ID}`,
      `/Users/u/.microsoft/usersecrets/${ID}/secrets.json`,
    ],
    [
      "dotnet, Windows",
      "dotnet",
      "win32",
      { APPDATA: "C:\\A" },
      `USER_SECRETS_ID=${ID}`,
      `C:\\A\\Microsoft\\UserSecrets\\${ID}\\secrets.json`,
    ],
    [
      "python, ENV_SECRETS_ID",
      "python-env-secrets",
      "linux",
      { HOME: "/h" },
      `ENV_SECRETS_ID=${ID}`,
      `/h/.python/envsecrets/${ID}/.secrets`,
    ],
    [
      "python, older USER_SECRETS_ID",
      "python-env-secrets",
      "linux",
      { HOME: "/h" },
      `USER_SECRETS_ID=${ID}`,
      `/h/.python/usersecrets/${ID}/.secrets`,
    ],
    [
      "python, both: ENV_SECRETS_ID wins",
      "python-env-secrets",
      "linux",
      { HOME: "/h" },
      `USER_SECRETS_ID=other\nENV_SECRETS_ID=${ID}`,
      `/h/.python/envsecrets/${ID}/.secrets`,
    ],
    [
      "python, Windows",
      "python-env-secrets",
      "win32",
      { APPDATA: "C:\\A" },
      `ENV_SECRETS_ID=${ID}`,
      `C:\\A\\Python\\EnvSecrets\\${ID}\\.secrets`,
    ],
    [
      "python, Windows, older",
      "python-env-secrets",
      "win32",
      { APPDATA: "C:\\A" },
      `USER_SECRETS_ID=${ID}`,
      `C:\\A\\Python\\UserSecrets\\${ID}\\.secrets`,
    ],
    [
      "python, Windows without APPDATA",
      "python-env-secrets",
      "win32",
      { USERPROFILE: "C:\\Users\\u" },
      `ENV_SECRETS_ID=${ID}`,
      `C:\\Users\\u\\AppData\\Roaming\\Python\\EnvSecrets\\${ID}\\.secrets`,
    ],
  ];
  it.each(rows)("%s", async (_name, store, platform, env, envText, expected) => {
    const info = await fromUserSecrets({ projectDir: project(`${envText}\n`), store, platform, env }).info();
    expect(info.secretsFile).toBe(expected);
    expect(info.id).toBe(ID);
  });

  it("init writes the store's own id key: ENV_SECRETS_ID for python-env-secrets", async () => {
    const home = makeTempDir("cak-stores-home-");
    const projectDir = project("");
    const result = await initUserSecrets({
      projectDir,
      store: "python-env-secrets",
      env: { HOME: home },
      platform: "linux",
    });
    expect(readFileSync(join(projectDir, ".env"), "utf8")).toBe(`ENV_SECRETS_ID=${result.id}\n`);
    expect(result.secretsFile).toBe(join(home, ".python/envsecrets", result.id, ".secrets"));
    const dotnet = await initUserSecrets({
      projectDir: project(""),
      store: "dotnet",
      env: { HOME: home },
      platform: "linux",
    });
    expect(dotnet.secretsFile).toBe(join(home, ".microsoft/usersecrets", dotnet.id, "secrets.json"));
  });
});

describe("dotnet: secrets.json as .NET's configuration reads it", () => {
  it.each<[string, unknown, Record<string, string>]>([
    ["flat keys", { A: "1", "Db:Password": "p" }, { A: "1", "Db:Password": "p" }],
    [
      "nested objects flatten with :",
      { ConnectionStrings: { Db: "x", Cache: { Host: "h" } } },
      { "ConnectionStrings:Db": "x", "ConnectionStrings:Cache:Host": "h" },
    ],
    ["arrays by index", { Hosts: ["a", "b"] }, { "Hosts:0": "a", "Hosts:1": "b" }],
    ["booleans as .NET prints them", { On: true, Off: false }, { On: "True", Off: "False" }],
    ["numbers", { Port: 5432, Ratio: 0.5 }, { Port: "5432", Ratio: "0.5" }],
    ["null is empty", { Empty: null }, { Empty: "" }],
    ["an empty object or array holds no value", { O: {}, L: [], A: "1" }, { A: "1" }],
  ])("%s", (_name, data, expected) => {
    expect(Object.fromEntries(flattenDotnetJson(data, "/s.json"))).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ["keys that differ only in case", { Token: "a", TOKEN: "b" }],
    ["a nested key that collides with a flat one", { "Db:Password": "a", db: { password: "b" } }],
    ["an array at the top", ["x"]],
  ])("refuses %s, naming the file and never a value", (_name, data) => {
    let error: unknown;
    try {
      flattenDotnetJson(data, "/s.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toMatch(/^\/s\.json: /);
    expect((error as Error).message).not.toMatch(/"a"|"b"|`x`/);
  });

  it("compares keys ignoring case, keeps a stored key's spelling, writes flat JSON 0600, leaves dotnet's own dir mode", async () => {
    const home = makeTempDir("cak-stores-home-");
    const dir = join(home, ".microsoft/usersecrets", ID);
    mkdirSync(dir, { recursive: true });
    const dirMode = statSync(dir).mode & 0o777;
    writeFileSync(
      join(dir, "secrets.json"),
      JSON.stringify({ ConnectionStrings: { Db: "x" }, Api: { Key: "k" } }),
    );
    const secrets = fromUserSecrets({
      projectDir: project(`USER_SECRETS_ID=${ID}\n`),
      store: "dotnet",
      env: { HOME: home },
      platform: "linux",
    });
    expect(secrets.name).toBe("user-secrets (dotnet)");
    await expect(secrets.get("connectionstrings:db")).resolves.toBe("x");
    await secrets.set("CONNECTIONSTRINGS:DB", "y");
    await secrets.set("NewKey", "n");
    await expect(secrets.delete("api:KEY")).resolves.toBe(true);
    await expect(secrets.delete("api:key")).resolves.toBe(false);
    expect(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).toEqual({
      "ConnectionStrings:Db": "y",
      NewKey: "n",
    });
    if (process.platform !== "win32") {
      expect(statSync(join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
      // The folder existed (dotnet made it): only folders the tool creates are tightened.
      expect(statSync(dir).mode & 0o777).toBe(dirMode);
    }
  });
});

describe("python-env-secrets: .secrets as it reads and writes it", () => {
  it.each<[string, string, Record<string, string>]>([
    ["KEY=value lines", "A=1\nB=two words\n", { A: "1", B: "two words" }],
    ["comments, blank lines, CRLF", "# c\r\n\r\nA=1\r\n", { A: "1" }],
    ["export prefix", "export A=1\n", { A: "1" }],
    ["spaces around = trimmed", "  A =  x  \n", { A: "x" }],
    [
      "one pair of matching quotes removed",
      "A=\"q\"\nB='s'\nC=\"mixed'\n",
      { A: "q", B: "s", C: "\"mixed'" },
    ],
    ["no escapes", 'A="a\\nb"\n', { A: "a\\nb" }],
    ["split at the first =", "A=b=c\n", { A: "b=c" }],
    ["lines without = skipped", "junk\nA=1\n", { A: "1" }],
    ["a later line wins", "A=1\nA=2\n", { A: "2" }],
    ["an inline # is part of the value", "A=x # y\n", { A: "x # y" }],
  ])("reads %s", (_name, text, expected) => {
    expect(Object.fromEntries(parsePythonSecrets(text))).toEqual(expected);
  });

  it.each(["plain", "two words", "a=b", "has # hash", "it's", 'say "hi"', "'quoted'", '"', "", " padded "])(
    "writes %j so it reads back the same",
    (value) => {
      const text = serializePythonSecrets(new Map([["K", value]]), { projectDir: "/p", id: ID });
      expect(parsePythonSecrets(text).get("K")).toBe(value);
    },
  );

  it("writes its header, keys compared exactly, 0600", async () => {
    const home = makeTempDir("cak-stores-home-");
    const projectDir = project(`ENV_SECRETS_ID=${ID}\n`);
    const secrets = fromUserSecrets({
      projectDir,
      store: "python-env-secrets",
      env: { HOME: home },
      platform: "linux",
    });
    await secrets.set("API_KEY", "sk value");
    await secrets.set("DB", "x");
    await expect(secrets.get("api_key")).resolves.toBeUndefined();
    const file = join(home, ".python/envsecrets", ID, ".secrets");
    expect(readFileSync(file, "utf8")).toBe(
      `# Python Env Secrets\n# Do not share or commit this file to source control.\n# Project: ${projectDir}\n# ID: ${ID}\n\nAPI_KEY="sk value"\nDB=x\n`,
    );
    if (process.platform !== "win32") expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each<[string, string, string]>([
    ["a line break in a value", "K", "a\nb"],
    ["an = in a key", "A=B", "x"],
    ["a # starting a key", "#K", "x"],
    ["a tab it would trim", "K", "\tx"],
  ])("refuses %s, which would not read back as written", async (_name, key, value) => {
    const home = makeTempDir("cak-stores-home-");
    const secrets = fromUserSecrets({
      projectDir: project(`ENV_SECRETS_ID=${ID}\n`),
      store: "python-env-secrets",
      env: { HOME: home },
      platform: "linux",
    });
    const error = await secrets.set(key, value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigStoreError);
    expect(error).toMatchObject({ code: "SECRET_NOT_STORABLE" });
    expect((error as Error).message).not.toContain(value.trim() === "x" ? "\tx" : value);
  });
});
