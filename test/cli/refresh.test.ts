// `refresh install | status | remove` and the scheduled run: the scheduler definitions checked for their
// exact content (and systemd's by `systemd-analyze verify`), and the whole flow on Linux with the real
// `crontab`, for a throwaway user so this machine's own crontab is never touched.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cronBlock,
  launchdPlist,
  systemdUnits,
  windowsTaskXml,
  withoutCronBlock,
} from "../../src/cli/scheduler.js";
import { TEST_CREDENTIALS } from "../support/aws/index.js";
import { run as runProgram, stderrLines } from "../support/run.js";
import { makeTempDir } from "../support/tmp.js";
import { NERF, REGISTRY, useFakeAws } from "./support.js";

const { aws, sandbox } = useFakeAws();

const COMMAND = {
  program: "/usr/bin/node",
  args: [
    "/opt/cak/bin/codeartifact-login.js",
    "refresh",
    "run",
    "--record",
    "/home/u/.local/share/codeartifact-keyring/refresh/refresh.json",
  ],
};

describe("scheduler definitions", () => {
  it("cron: a marked block, every 30 min, shell-quoted, output discarded; removal keeps the rest", () => {
    const block = cronBlock(COMMAND, 1800);
    expect(block).toBe(
      [
        "# BEGIN codeartifact-keyring refresh (`codeartifact-login refresh remove` deletes this block)",
        "*/30 * * * * '/usr/bin/node' '/opt/cak/bin/codeartifact-login.js' 'refresh' 'run' '--record' '/home/u/.local/share/codeartifact-keyring/refresh/refresh.json' >/dev/null 2>&1",
        "# END codeartifact-keyring refresh",
        "",
      ].join("\n"),
    );
    expect(withoutCronBlock(`MAILTO=me\n${block}0 5 * * * backup\n`)).toEqual({
      text: "MAILTO=me\n0 5 * * * backup\n",
      found: true,
    });
    expect(cronBlock(COMMAND, 7200)).toContain("\n0 */2 * * * ");
    expect(() => cronBlock(COMMAND, 7 * 60)).toThrow(/cron cannot run every 7 min/);
    expect(() => cronBlock({ ...COMMAND, program: "/opt/100%/node" }, 1800)).toThrow(/cannot schedule/);
  });

  it("systemd: a oneshot service and its timer", () => {
    expect(systemdUnits(COMMAND, 1800)).toEqual({
      service: [
        "[Unit]",
        "Description=Refresh AWS CodeArtifact tokens (codeartifact-keyring)",
        "",
        "[Service]",
        "Type=oneshot",
        'ExecStart="/usr/bin/node" "/opt/cak/bin/codeartifact-login.js" "refresh" "run" "--record" "/home/u/.local/share/codeartifact-keyring/refresh/refresh.json"',
        "",
      ].join("\n"),
      timer: [
        "[Unit]",
        "Description=Refresh AWS CodeArtifact tokens (codeartifact-keyring), every 30 min",
        "",
        "[Timer]",
        "OnStartupSec=1min",
        "OnUnitActiveSec=1800s",
        "Unit=codeartifact-keyring-refresh.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
      ].join("\n"),
    });
    // systemd expands % and $ in ExecStart: they are escaped.
    expect(systemdUnits({ program: "/opt/a%b$c/node", args: [] }, 60).service).toContain(
      'ExecStart="/opt/a%%b$$c/node"',
    );
  });

  const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  it.skipIf(analyze.status !== 0)(
    "systemd: `systemd-analyze verify` accepts the units (skipped where systemd-analyze is not installed)",
    () => {
      const dir = makeTempDir("cak-units-");
      const units = systemdUnits({ program: process.execPath, args: ["-e", "0"] }, 1800);
      writeFileSync(join(dir, "codeartifact-keyring-refresh.service"), units.service);
      writeFileSync(join(dir, "codeartifact-keyring-refresh.timer"), units.timer);
      const verify = spawnSync(
        "systemd-analyze",
        [
          "verify",
          join(dir, "codeartifact-keyring-refresh.service"),
          join(dir, "codeartifact-keyring-refresh.timer"),
        ],
        { encoding: "utf8", env: { ...process.env, SYSTEMD_LOG_LEVEL: "warning" } },
      );
      const ours = verify.stderr.split("\n").filter((line) => line.includes("codeartifact-keyring-refresh"));
      expect(ours, verify.stderr).toEqual([]);
      expect(verify.status, verify.stderr).toBe(0);
    },
  );

  it("launchd: an agent that runs at load, then every 30 min", () => {
    expect(launchdPlist({ ...COMMAND, args: ["/a & b/cli.js", "refresh", "run"] }, 1800)).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<plist version="1.0">',
        "<dict>",
        "  <key>Label</key>",
        "  <string>com.codeartifact-keyring.refresh</string>",
        "  <key>ProgramArguments</key>",
        "  <array>",
        "    <string>/usr/bin/node</string>",
        "    <string>/a &amp; b/cli.js</string>",
        "    <string>refresh</string>",
        "    <string>run</string>",
        "  </array>",
        "  <key>StartInterval</key>",
        "  <integer>1800</integer>",
        "  <key>RunAtLoad</key>",
        "  <true/>",
        "  <key>ProcessType</key>",
        "  <string>Background</string>",
        "</dict>",
        "</plist>",
        "",
      ].join("\n"),
    );
  });

  it("Task Scheduler: a hidden task repeating every 30 min, as the user", () => {
    const xml = windowsTaskXml(
      {
        program: "C:\\Program Files\\nodejs\\node.exe",
        args: [
          "C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\codeartifact-keyring\\bin\\codeartifact-login.js",
          "refresh",
          "run",
        ],
      },
      1800,
    );
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-16"?>',
        '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
        "  <RegistrationInfo>",
        "    <Description>Refresh AWS CodeArtifact tokens (codeartifact-keyring)</Description>",
        "  </RegistrationInfo>",
        "  <Triggers>",
        "    <TimeTrigger>",
        "      <Repetition>",
        "        <Interval>PT30M</Interval>",
        "      </Repetition>",
        "      <StartBoundary>2026-01-01T00:00:00</StartBoundary>",
        "      <Enabled>true</Enabled>",
        "    </TimeTrigger>",
        "  </Triggers>",
        "  <Principals>",
        '    <Principal id="Author">',
        "      <LogonType>InteractiveToken</LogonType>",
        "      <RunLevel>LeastPrivilege</RunLevel>",
        "    </Principal>",
        "  </Principals>",
        "  <Settings>",
        "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
        "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
        "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
        "    <StartWhenAvailable>true</StartWhenAvailable>",
        "    <ExecutionTimeLimit>PT10M</ExecutionTimeLimit>",
        "    <Hidden>true</Hidden>",
        "  </Settings>",
        '  <Actions Context="Author">',
        "    <Exec>",
        "      <Command>C:\\Program Files\\nodejs\\node.exe</Command>",
        "      <Arguments>C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\codeartifact-keyring\\bin\\codeartifact-login.js refresh run</Arguments>",
        "    </Exec>",
        "  </Actions>",
        "</Task>",
        "",
      ].join("\r\n"),
    );
  });
});

// The real crontab, for a user made for this test file and deleted after it.
const canUseCron =
  process.platform === "linux" &&
  process.getuid?.() === 0 &&
  spawnSync("sh", ["-c", "command -v crontab && command -v useradd && command -v userdel"]).status === 0;
const CRON_USER = `cak${process.pid}`;

describe.skipIf(!canUseCron)(
  "refresh with the real crontab, end to end (skipped unless root with crontab and useradd: apt package `cron`)",
  () => {
    let crontab = "";
    const userCrontab = () => spawnSync("crontab", ["-u", CRON_USER, "-l"], { encoding: "utf8" });
    afterAll(() => {
      spawnSync("crontab", ["-u", CRON_USER, "-r"]);
      spawnSync("userdel", [CRON_USER]);
    });

    /** Makes the cached token expire in 5 minutes: inside the refresh margin. */
    function expireSoon(box: ReturnType<typeof sandbox>) {
      const dir = box.path(".cache", "codeartifact-keyring", "tokens");
      for (const name of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
        const file = join(dir, name);
        const entry = JSON.parse(readFileSync(file, "utf8"));
        entry.expiresAt = new Date(Date.now() + 5 * 60_000).toISOString();
        entry.fetchedAt = new Date(Date.now() - 11 * 3_600_000).toISOString();
        writeFileSync(file, JSON.stringify(entry));
      }
    }

    /** Runs the command of our crontab entry the way cron would: sh, a bare environment. */
    function cronRun() {
      const line = userCrontab()
        .stdout.split("\n")
        .find((l) => l.startsWith("*/15 "));
      if (!line) throw new Error("no crontab entry");
      const command = line
        .split(" ")
        .slice(5)
        .join(" ")
        .replace(/ >\/dev\/null 2>&1$/, "");
      return runProgram("/bin/sh", ["-c", command], { env: { PATH: "/usr/bin:/bin", SHELL: "/bin/sh" } });
    }

    it("install, a run that refreshes an expiring token, a no-op run, a failing run that status reports, remove", async () => {
      expect(spawnSync("useradd", ["-M", "-s", "/usr/sbin/nologin", CRON_USER]).status).toBe(0);
      crontab = join(makeTempDir("cak-crontab-"), "crontab");
      writeFileSync(crontab, `#!/bin/sh\nexec crontab -u ${CRON_USER} "$@"\n`);
      chmodSync(crontab, 0o755);
      const box = sandbox({ CODEARTIFACT_KEYRING_CRONTAB: crontab });
      // The scheduled run has no AWS keys in its environment: the credentials file, as on a laptop.
      mkdirSync(box.path(".aws"), { recursive: true });
      writeFileSync(
        box.env.AWS_SHARED_CREDENTIALS_FILE as string,
        `[default]\naws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${TEST_CREDENTIALS.secretAccessKey}\n`,
      );
      box.config("[codeartifact]\ncache = file\n");
      spawnSync(crontab, ["-"], { input: "MAILTO=nobody\n" });

      const install = await box.run([
        "refresh",
        "install",
        "--scheduler",
        "cron",
        "--every",
        "15m",
        "--registry",
        REGISTRY,
      ]);
      expect(install.status, install.stderr).toBe(0);
      expect(stderrLines(install.stderr).at(-1)).toMatch(
        /^✔ background refresh every 15 min via cron \(the user crontab\) for https:/,
      );
      const listed = userCrontab().stdout;
      expect(listed.startsWith("MAILTO=nobody\n# BEGIN codeartifact-keyring refresh")).toBe(true);
      expect(listed).toMatch(
        /\n\*\/15 \* \* \* \* '.*node' '.*codeartifact-login\.js' 'refresh' 'run' '--record' '.*refresh\.json' >\/dev\/null 2>&1\n/,
      );

      const login = await box.run(["--registry", REGISTRY]);
      expect(login.status, login.stderr).toBe(0);
      const first = aws().codeartifact.issued[0]?.token;
      expireSoon(box);

      const refreshing = await cronRun();
      expect(refreshing.status, refreshing.stderr).toBe(0);
      expect(aws().count("GetAuthorizationToken")).toBe(2);
      const second = aws().codeartifact.issued[1]?.token;
      expect(second).not.toBe(first);
      expect(readFileSync(box.path(".npmrc"), "utf8")).toBe(`${NERF}:_authToken=${second}\n`);
      const written = statSync(box.path(".npmrc")).mtimeMs;

      const noop = await cronRun();
      expect(noop.status, noop.stderr).toBe(0);
      expect(aws().count("GetAuthorizationToken")).toBe(2);
      expect(statSync(box.path(".npmrc")).mtimeMs).toBe(written);
      const ok = await box.run(["refresh", "status"]);
      expect(ok.status, ok.stdout).toBe(0);
      expect(ok.stdout).toMatch(/last run: {3}.* UTC \(.*\): ✔ ok\n/);

      aws().codeartifact.denied.add(TEST_CREDENTIALS.accessKeyId);
      expireSoon(box);
      const failing = await cronRun();
      expect(failing.status).toBe(1);
      const status = await box.run(["status", "--registry", REGISTRY]);
      expect(status.stdout).toMatch(
        /✖ background refresh failed at .* UTC \((less than a minute|\d+ min) ago\): npm-store \(corp, us-east-1\): access denied for default credential chain on domain corp .*: the identity needs `codeartifact:GetAuthorizationToken` on the domain.*\n/,
      );
      const refreshStatus = await box.run(["refresh", "status", "--json"]);
      expect(refreshStatus.status).toBe(1);
      expect(JSON.parse(refreshStatus.stdout)).toMatchObject({
        installed: true,
        scheduled: true,
        scheduler: "cron",
        everySeconds: 900,
        lastRun: { ok: false },
      });
      const diagnose = await box.run(["diagnose", "--registry", REGISTRY]);
      expect(diagnose.stdout).toMatch(/^Trap: background refresh failed at /m);

      const remove = await box.run(["refresh", "remove"]);
      expect(remove.status, remove.stderr).toBe(0);
      expect(userCrontab().stdout).toBe("MAILTO=nobody\n");
      expect((await box.run(["refresh", "status"])).stdout).toMatch(/^No background refresh installed/);
      expect((await box.run(["status", "--registry", REGISTRY])).stdout).not.toContain("background refresh");
    });
  },
);
