// A D-Bus address that accepts connections and never answers (a stale forwarded bus, a hung keyring)
// must not hang `token` or the pnpm helper: the session bus must answer within 1.5 s; `auto` falls back to the file
// store with one notice, `keychain` fails with the hint. The bus is a loopback unix socket that
// accepts and stays silent.
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheFiles, hasStackTrace, makeWorld, messages, URL } from "../robustness/support.js";
import { type FakeAws, startFakeAws } from "../support/aws/index.js";
import { ROOT, runNode } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";

let aws: FakeAws;
let bus: Server;
let address: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  aws = await startFakeAws();
  const path = join(makeTempDir("cak-silent-bus-"), "bus");
  bus = createServer((socket) => {
    sockets.add(socket); // accepted, never answered
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => bus.listen(path, resolve));
  bus.unref();
  address = `unix:path=${path}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => bus.close(resolve));
  await aws.close();
});

const skip = process.platform !== "linux" ? "the Secret Service is Linux's" : undefined;

describe.skipIf(skip)("a D-Bus session bus that never answers", () => {
  it.concurrent("cache = auto: the token, from the file store, after one notice; exits at once", async () => {
    const w = makeWorld(aws, { CODEARTIFACT_KEYRING_CACHE: "auto", DBUS_SESSION_BUS_ADDRESS: address });
    const started = Date.now();
    const result = await w.cli(["token", "-r", URL]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^eyJ/);
    const lines = messages(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /caching tokens in .* \(files readable only by you\); no OS keychain: the D-Bus session bus \(unix:path=.*\) did not answer within 1\.5 s$/,
    );
    expect(cacheFiles(w)).toHaveLength(1);
    // The bus check's 1.5 s (plus start-up), not libdbus's 25 s per call.
    expect(seconds).toBeLessThan(20);

    const pnpm = await runNode(join(ROOT, "dist", "pnpm-token-helper.cjs"), [URL], {
      env: w.env,
      cwd: w.project,
      timeoutMs: 60_000,
    });
    expect(pnpm.signal).toBe(null);
    expect(pnpm.status, pnpm.stderr).toBe(0);
    expect(pnpm.stdout).toBe(result.stdout.replace(/^/, "Bearer "));
  });

  it.concurrent("cache = keychain: one line with the hint, exit 1, no hang", async () => {
    const w = makeWorld(aws, { CODEARTIFACT_KEYRING_CACHE: "keychain", DBUS_SESSION_BUS_ADDRESS: address });
    const result = await w.cli(["token", "-r", URL]);
    expect(result.signal).toBe(null);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(messages(result)).toEqual([
      expect.stringMatching(
        /^error: cache = keychain, but the OS keychain is unavailable: the D-Bus session bus \(unix:path=.*\) did not answer within 1\.5 s\. .*set `cache = file`/,
      ),
    ]);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });
});
