// The per-user schedulers `refresh install` uses: a systemd user timer, a crontab entry, a launchd agent,
// a Task Scheduler task. Their definitions are pure functions of the command to run and the interval (so
// tests check their exact content); installing and removing them goes through an injected runner, so
// tests drive the real `crontab` for a throwaway user instead of the machine's own.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CodedError } from "../configstore/errors.js";
import { formatDuration } from "../configstore/time-text.js";
import { UsageError } from "./errors.js";

export type SchedulerKind = "systemd" | "cron" | "launchd" | "schtasks";
export const SCHEDULERS: readonly SchedulerKind[] = ["systemd", "cron", "launchd", "schtasks"];

/** Runs a program to completion: the scheduler's own CLI (`crontab`, `systemctl`, `launchctl`, `schtasks`). */
export type ProgramRunner = (
  program: string,
  args: readonly string[],
  input?: string,
) => Promise<{ status: number | null; stdout: string; stderr: string }>;

export const runProgram: ProgramRunner = (program, args, input) =>
  new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => resolve({ status: null, stdout, stderr: error.message }));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });

/** The command a scheduled run executes: absolute program and arguments. */
export interface ScheduledCommand {
  program: string;
  args: string[];
}

export const UNIT_NAME = "codeartifact-keyring-refresh";
export const LAUNCHD_LABEL = "com.codeartifact-keyring.refresh";
export const TASK_NAME = "codeartifact-keyring refresh";
const DESCRIPTION = "Refresh AWS CodeArtifact tokens (codeartifact-keyring)";
const CRON_BEGIN =
  "# BEGIN codeartifact-keyring refresh (`codeartifact-login refresh remove` deletes this block)";
const CRON_END = "# END codeartifact-keyring refresh";

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function refuse(command: ScheduledCommand, pattern: RegExp, scheduler: string): void {
  const bad = [command.program, ...command.args].find((part) => pattern.test(part));
  if (bad !== undefined) {
    throw new UsageError(
      `cannot schedule \`${bad}\` with ${scheduler}: the path holds a character it cannot carry (${pattern.source}); install codeartifact-keyring (and its data dir) under a plainer path`,
    );
  }
}

/** The cron schedule for `seconds`: minutes dividing an hour, or hours dividing a day. */
export function cronSchedule(seconds: number): string {
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes >= 1 && minutes < 60 && 60 % minutes === 0)
    return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
  const hours = seconds / 3600;
  if (Number.isInteger(hours) && hours >= 1 && hours <= 24 && 24 % hours === 0)
    return hours === 24 ? "0 0 * * *" : hours === 1 ? "0 * * * *" : `0 */${hours} * * *`;
  throw new UsageError(
    `cron cannot run every ${formatDuration(seconds * 1000)}: use minutes that divide an hour or hours that divide a day (15m, 30m, 1h, 2h)`,
  );
}

/** The crontab block (with its BEGIN/END markers) that runs `command` every `seconds`. */
export function cronBlock(command: ScheduledCommand, seconds: number): string {
  // `%` ends a crontab command (the rest becomes stdin), and a line break ends the entry.
  refuse(command, /[%\n\r]/, "cron");
  const line = [command.program, ...command.args].map(shQuote).join(" ");
  return `${CRON_BEGIN}\n${cronSchedule(seconds)} ${line} >/dev/null 2>&1\n${CRON_END}\n`;
}

/** `text` without our block (every copy of it), and whether there was one. */
export function withoutCronBlock(text: string): { text: string; found: boolean } {
  const lines = text.split("\n");
  const kept: string[] = [];
  let inside = false;
  let found = false;
  for (const line of lines) {
    if (line === CRON_BEGIN) {
      inside = true;
      found = true;
      continue;
    }
    if (inside) {
      if (line === CRON_END) inside = false;
      continue;
    }
    kept.push(line);
  }
  return { text: kept.join("\n"), found };
}

function systemdQuote(text: string): string {
  return `"${text.replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

/** The systemd user units: a oneshot service and the timer that starts it every `seconds`. */
export function systemdUnits(command: ScheduledCommand, seconds: number): { service: string; timer: string } {
  refuse(command, /["\\\n\r]/, "systemd");
  const exec = [command.program, ...command.args].map(systemdQuote).join(" ");
  return {
    service: [
      "[Unit]",
      `Description=${DESCRIPTION}`,
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${exec}`,
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      `Description=${DESCRIPTION}, every ${formatDuration(seconds * 1000)}`,
      "",
      "[Timer]",
      "OnStartupSec=1min",
      `OnUnitActiveSec=${seconds}s`,
      `Unit=${UNIT_NAME}.service`,
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** The launchd agent (`~/Library/LaunchAgents/<label>.plist`): runs at load, then every `seconds`. */
export function launchdPlist(command: ScheduledCommand, seconds: number): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  <string>${LAUNCHD_LABEL}</string>`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...[command.program, ...command.args].map((part) => `    <string>${xmlEscape(part)}</string>`),
    "  </array>",
    "  <key>StartInterval</key>",
    `  <integer>${seconds}</integer>`,
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>ProcessType</key>",
    "  <string>Background</string>",
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** `PT30M`, `PT2H`, `PT90S`: an ISO 8601 duration for Task Scheduler. */
function isoDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  if (seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}

function windowsArgument(text: string): string {
  return /[\s"]/.test(text) ? `"${text.replace(/"/g, '\\"')}"` : text;
}

/** The Task Scheduler task (for `schtasks /Create /XML`): repeats every `seconds`, as the user, hidden. */
export function windowsTaskXml(command: ScheduledCommand, seconds: number): string {
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Description>${DESCRIPTION}</Description>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <TimeTrigger>",
    "      <Repetition>",
    `        <Interval>${isoDuration(seconds)}</Interval>`,
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
    `      <Command>${xmlEscape(command.program)}</Command>`,
    `      <Arguments>${xmlEscape(command.args.map(windowsArgument).join(" "))}</Arguments>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

export interface SchedulerEnvironment {
  home: string;
  /** `$XDG_CONFIG_HOME` (systemd user units go under it). */
  configHome: string;
  /** Where the Windows task XML is written before `schtasks` reads it. */
  dataDir: string;
  uid: number;
  /** The `crontab` program (tests point it at one for a throwaway user). */
  crontab: string;
  run: ProgramRunner;
}

/** The first scheduler that works here: systemd where `systemctl --user` answers, else cron (Linux). */
export async function detectScheduler(
  platform: NodeJS.Platform,
  env: SchedulerEnvironment,
): Promise<SchedulerKind> {
  if (platform === "darwin") return "launchd";
  if (platform === "win32") return "schtasks";
  const systemd = await env.run("systemctl", ["--user", "show-environment"]);
  return systemd.status === 0 ? "systemd" : "cron";
}

async function must(
  env: SchedulerEnvironment,
  program: string,
  args: string[],
  input?: string,
): Promise<string> {
  const result = await env.run(program, args, input);
  if (result.status !== 0) {
    const why = result.stderr.trim().split("\n")[0] || `exit code ${result.status ?? "none"}`;
    throw new SchedulerError(`\`${[program, ...args].join(" ")}\` failed: ${why}`);
  }
  return result.stdout;
}

/** The scheduler's own CLI refused: names the command and its first line of complaint. */
export class SchedulerError extends CodedError {
  override name = "SchedulerError";
  constructor(message: string) {
    super("SCHEDULER_FAILED", message);
  }
}

async function readCrontab(env: SchedulerEnvironment): Promise<string> {
  const listed = await env.run(env.crontab, ["-l"]);
  // "no crontab for user" is an empty crontab, not a failure.
  if (listed.status !== 0 && !/no crontab/i.test(listed.stderr)) {
    throw new SchedulerError(
      `\`${env.crontab} -l\` failed: ${listed.stderr.trim().split("\n")[0] || `exit code ${listed.status}`}`,
    );
  }
  return listed.status === 0 ? listed.stdout : "";
}

function systemdDir(env: SchedulerEnvironment): string {
  return join(env.configHome, "systemd", "user");
}

function launchdFile(env: SchedulerEnvironment): string {
  return join(env.home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
}

/** Installs (or replaces) the scheduled run; returns where it lives, for messages. */
export async function installSchedule(
  kind: SchedulerKind,
  command: ScheduledCommand,
  seconds: number,
  env: SchedulerEnvironment,
): Promise<string> {
  switch (kind) {
    case "cron": {
      const block = cronBlock(command, seconds);
      const current = withoutCronBlock(await readCrontab(env)).text.replace(/\n*$/, "");
      await must(env, env.crontab, ["-"], `${current ? `${current}\n` : ""}${block}`);
      return "the user crontab";
    }
    case "systemd": {
      const units = systemdUnits(command, seconds);
      const dir = systemdDir(env);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${UNIT_NAME}.service`), units.service);
      writeFileSync(join(dir, `${UNIT_NAME}.timer`), units.timer);
      await must(env, "systemctl", ["--user", "daemon-reload"]);
      await must(env, "systemctl", ["--user", "enable", "--now", `${UNIT_NAME}.timer`]);
      return join(dir, `${UNIT_NAME}.timer`);
    }
    case "launchd": {
      const file = launchdFile(env);
      mkdirSync(join(env.home, "Library", "LaunchAgents"), { recursive: true });
      await env.run("launchctl", ["bootout", `gui/${env.uid}`, file]);
      writeFileSync(file, launchdPlist(command, seconds));
      await must(env, "launchctl", ["bootstrap", `gui/${env.uid}`, file]);
      return file;
    }
    case "schtasks": {
      mkdirSync(env.dataDir, { recursive: true });
      const file = join(env.dataDir, "refresh-task.xml");
      // schtasks reads the XML as UTF-16 (little-endian, with its byte order mark).
      writeFileSync(file, Buffer.from(`\ufeff${windowsTaskXml(command, seconds)}`, "utf16le"));
      await must(env, "schtasks", ["/Create", "/TN", TASK_NAME, "/XML", file, "/F"]);
      return `Task Scheduler task \`${TASK_NAME}\``;
    }
  }
}

/** Removes exactly what {@link installSchedule} installed; resolves to whether there was anything. */
export async function removeSchedule(kind: SchedulerKind, env: SchedulerEnvironment): Promise<boolean> {
  switch (kind) {
    case "cron": {
      const { text, found } = withoutCronBlock(await readCrontab(env));
      if (!found) return false;
      if (text.trim() === "") await must(env, env.crontab, ["-r"]);
      else await must(env, env.crontab, ["-"], `${text.replace(/\n*$/, "")}\n`);
      return true;
    }
    case "systemd": {
      const dir = systemdDir(env);
      await env.run("systemctl", ["--user", "disable", "--now", `${UNIT_NAME}.timer`]);
      let found = false;
      for (const name of [`${UNIT_NAME}.timer`, `${UNIT_NAME}.service`]) {
        try {
          rmSync(join(dir, name));
          found = true;
        } catch {
          // Already gone.
        }
      }
      await env.run("systemctl", ["--user", "daemon-reload"]);
      return found;
    }
    case "launchd": {
      const file = launchdFile(env);
      await env.run("launchctl", ["bootout", `gui/${env.uid}`, file]);
      try {
        rmSync(file);
        return true;
      } catch {
        return false;
      }
    }
    case "schtasks": {
      const result = await env.run("schtasks", ["/Delete", "/TN", TASK_NAME, "/F"]);
      rmSync(join(env.dataDir, "refresh-task.xml"), { force: true });
      return result.status === 0;
    }
  }
}

/** Whether the scheduler still holds our run (someone may have edited the crontab or the units). */
export async function scheduleInstalled(kind: SchedulerKind, env: SchedulerEnvironment): Promise<boolean> {
  switch (kind) {
    case "cron":
      return withoutCronBlock(await readCrontab(env)).found;
    case "systemd":
      return (await env.run("systemctl", ["--user", "is-enabled", `${UNIT_NAME}.timer`])).status === 0;
    case "launchd":
      return (await env.run("launchctl", ["print", `gui/${env.uid}/${LAUNCHD_LABEL}`])).status === 0;
    case "schtasks":
      return (await env.run("schtasks", ["/Query", "/TN", TASK_NAME])).status === 0;
  }
}
