// `npm run sandbox`: the demo's registry and endpoint kept up for trying the CLI by hand. This runs the
// script as `npm run sandbox` does (after the build), reads the exports it prints, runs the built CLI
// and a real `npm install` with exactly those, then sends SIGINT and checks that it ends and that its
// servers and files are gone.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, run, runCli } from "../support/run.js";
import { INSTALL } from "./harness/user.js";

/** Whether something accepts TCP connections at `url`'s host and port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Collects the child's stdout until `marker` appears. */
function readUntil(child: ChildProcess, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => reject(new Error(`no "${marker}" within ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes(marker)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox ended (exit ${code}) before "${marker}":\n${text}`));
    });
  });
}

/** `export NAME='value'` lines, as a shell would read them (values single-quoted, `'\''` inside). */
function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm))
    env[match[1] as string] = (match[2] as string).replaceAll("'\\''", "'");
  return env;
}

describe("npm run sandbox", () => {
  it("prints the exports, serves the CLI and npm with them, and ends with its servers on SIGINT", async () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.sandbox).toMatch(
      /tsx examples\/demo\/sandbox\.ts$/,
    );
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "examples/demo/sandbox.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const printed = await readUntil(child, "Ready. Ctrl-C stops the sandbox.", 120_000);
      const exports = parseExports(printed);
      expect(Object.keys(exports)).toEqual(
        expect.arrayContaining([
          "HOME",
          "AWS_ENDPOINT_URL",
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY",
          "CODEARTIFACT_KEYRING_CONFIG",
          "NPM_CONFIG_USERCONFIG",
        ]),
      );
      const project = /^cd '([^']+)'$/m.exec(printed)?.[1] as string;
      const registry = /^ {2}registry +(\S+)/m.exec(printed)?.[1] as string;
      expect(existsSync(join(project, ".npmrc"))).toBe(true);
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ...exports };

      const login = await runCli([], { env, cwd: project });
      expect(login.status, login.stderr).toBe(0);
      expect(login.stderr).toMatch(/✔ private \(demo, us-east-1\): new token valid until/);
      const install = await run("npm", INSTALL.npm, { env, cwd: project, timeoutMs: 120_000 });
      expect(install.status, install.stderr).toBe(0);
      expect(existsSync(join(project, "node_modules", "@corp", "secret-sauce"))).toBe(true);
      expect(await listening(exports.AWS_ENDPOINT_URL as string)).toBe(true);
      expect(await listening(registry)).toBe(true);

      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toContain("sandbox stopped");
      expect(await listening(exports.AWS_ENDPOINT_URL as string)).toBe(false);
      expect(await listening(registry)).toBe(false);
      expect(existsSync(exports.HOME as string)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 300_000);
});
