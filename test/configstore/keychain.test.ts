// The keychain backend keeps the same contract as every other backend, on a real Secret Service
// (gnome-keyring in a private D-Bus session). The binding keeps its first D-Bus connection for the
// life of a process, so this file's process talks to one session only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromKeychain } from "../../src/configstore/backends/keychain.js";
import { type SecretService, secretServiceSkip, startSecretService } from "../support/secret-service.js";
import { describeBackendContract } from "./backend-suite.js";

const unavailable = secretServiceSkip("the keychain backend contract");

describe.skipIf(unavailable !== undefined)("keychain backend on a real Secret Service", () => {
  let service: SecretService;
  beforeAll(async () => {
    service = await startSecretService();
    process.env.DBUS_SESSION_BUS_ADDRESS = service.env.DBUS_SESSION_BUS_ADDRESS;
  });
  afterAll(() => service?.stop());

  describeBackendContract("keychain (Secret Service)", () => {
    const backend = fromKeychain({ service: "codeartifact-keyring-contract" });
    return { backend, seed: (key, value) => backend.set(key, value) };
  });

  it("probes once and reports the store", async () => {
    const backend = fromKeychain({ service: "codeartifact-keyring-contract" });
    await expect(backend.probe()).resolves.toEqual({ available: true, store: "Secret Service" });
    expect(backend.location).toBe("Secret Service");
  });

  it("lists its own entries, not the probe's", async () => {
    const backend = fromKeychain({ service: "codeartifact-keyring-list" });
    await backend.set("one", "1");
    await backend.set("two", "2");
    expect((await backend.list()).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "one", value: "1" },
      { key: "two", value: "2" },
    ]);
  });
});
