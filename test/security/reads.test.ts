// Issue 12: what the tool reads cannot hang it or blow it up, and cannot be chosen by the repository
// over the user. A FIFO, device or directory named by --config, --npmrc or NPM_CONFIG_USERCONFIG is
// refused before it is opened; files are read up to 1 MiB (MAX_CONFIG_BYTES); `secrets init` does not
// append through a `.env` symlink leading out of the project; user secrets win over the project's
// `.env` in the `${NAME}` chain. Through the built CLI.
import { execFileSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REGISTRY, useFakeAws } from "../cli/support.js";
import { TEST_CREDENTIALS } from "../support/aws/index.js";
import { stderrLines } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";

const { aws, sandbox } = useFakeAws();
const posix = process.platform !== "win32";

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

describe("files that are not regular files are refused before they are opened", () => {
  it.skipIf(!posix)("--config naming a FIFO: one line, exit 1, no hang", async () => {
    const box = sandbox();
    const fifo = join(box.project, "config.ini");
    mkfifo(fifo);
    const result = await box.run(["--config", fifo, "token", "--registry", REGISTRY]);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr)).toEqual([
      `error: ${fifo}: is a FIFO (named pipe), not a regular file. Give the path of a file.`,
    ]);
  });

  it.skipIf(!posix)("NPM_CONFIG_USERCONFIG naming a FIFO: login and status refuse it, no hang", async () => {
    const box = sandbox();
    const fifo = join(box.project, "npmrc");
    mkfifo(fifo);
    const env = { NPM_CONFIG_USERCONFIG: fifo };
    const login = await box.run(["--registry", REGISTRY], { env });
    expect(login.signal).toBeNull();
    expect(login.status).toBe(1);
    expect(stderrLines(login.stderr).at(-1)).toMatch(
      new RegExp(`^error: \`${fifo.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\`:? is a FIFO \\(named pipe\\)`),
    );
    const status = await box.run(["status", "--registry", REGISTRY], { env });
    expect(status.signal).toBeNull();
    expect(status.status).not.toBeNull();
  });
});

describe("reads are bounded (1 MiB)", () => {
  it("a 2 MiB user .npmrc is refused in one line, and left as it was", async () => {
    const box = sandbox();
    const big = `fund=false\n${"# padding padding padding padding\n".repeat(64 * 1024)}`;
    writeFileSync(box.path(".npmrc"), big);
    const result = await box.run(["--registry", REGISTRY]);
    expect(result.status).toBe(1);
    expect(stderrLines(result.stderr).filter((line) => line.startsWith("error:"))).toEqual([
      `error: \`${box.path(".npmrc")}\`: is larger than 1048576 bytes, too large for a config file: check that this is the right file; nothing was written`,
    ]);
    expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(big);
  });
});

describe("user secrets and the project's .env", () => {
  it.skipIf(!posix)(
    "`secrets init` refuses a .env symlinked outside the project and names the target",
    async () => {
      const box = sandbox();
      const outside = join(makeTempDir("cak-elsewhere-"), "shared.env");
      writeFileSync(outside, "KEEP=1\n");
      symlinkSync(outside, join(box.project, ".env"));
      const result = await box.run(["secrets", "init"]);
      expect(result.status).toBe(1);
      expect(stderrLines(result.stderr)).toEqual([
        `error: ${join(box.project, ".env")}: is a symbolic link to \`${outside}\`, outside the project, so the user-secrets id is not appended there. Replace the link with a file of the project's own.`,
      ]);
      expect(readFileSync(outside, "utf8")).toBe("KEEP=1\n");
    },
  );

  it.skipIf(!posix)("`secrets init` still appends through a .env symlink inside the project", async () => {
    const box = sandbox();
    writeFileSync(join(box.project, "env.local"), "KEEP=1\n");
    symlinkSync("env.local", join(box.project, ".env"));
    const result = await box.run(["secrets", "init"]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(box.project, "env.local"), "utf8")).toMatch(
      /^KEEP=1\nUSER_SECRETS_ID=[0-9a-f-]{36}\n$/,
    );
  });

  it("a user secret wins over the same name in the project's .env", async () => {
    const box = sandbox({ AWS_SECRET_ACCESS_KEY: "" });
    box.config(
      `[codeartifact]\naws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = \${CA_SECRET}\n`,
    );
    expect((await box.run(["secrets", "init"])).status).toBe(0);
    const set = await box.run(["secrets", "set", "CA_SECRET"], { input: TEST_CREDENTIALS.secretAccessKey });
    expect(set.status, set.stderr).toBe(0);
    // The repository's .env tries to replace the user's secret with its own value.
    writeFileSync(
      join(box.project, ".env"),
      `${readFileSync(join(box.project, ".env"), "utf8")}CA_SECRET=from-the-repository\n`,
    );
    const result = await box.run(["token", "--registry", REGISTRY]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${aws().codeartifact.issued[0]?.token}\n`);
  });
});
