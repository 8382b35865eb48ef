// `refresh install | remove | status` (and the `run` the scheduler starts): a per-user background
// refresh that runs the equivalent of `login --quiet` for the registries, config and environment
// recorded at install time, so no project directory is needed when it fires. A run is a no-op while the
// tokens are fresh (a cache read, no write); a failed run is recorded for `status` and `diagnose`.
import { mkdirSync, realpathSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ensurePrivateDir, writePrivateFile } from "../../configstore/files.js";
import { userDirs } from "../../configstore/paths.js";
import {
  formatDuration,
  formatRelative,
  formatUtc,
  parseDurationSeconds,
} from "../../configstore/time-text.js";
import { userNpmrcPath } from "../../package-managers/npmrc-locations.js";
import { ephemeralLocation } from "../../package-managers/pnpm-token-helper.js";
import type { CommandContext } from "../context.js";
import { oneLine, UsageError } from "../errors.js";
import type { Output } from "../output.js";
import { tildify } from "../present.js";
import {
  type LastRun,
  lastRunPath,
  type RefreshRecord,
  readLastRun,
  readRecord,
  recordPath,
  refreshDir,
} from "../refresh-record.js";
import { chooseRegistries, type RegistryFlags, resolveAll } from "../registries.js";
import {
  detectScheduler,
  installSchedule,
  removeSchedule,
  runProgram,
  SCHEDULERS,
  type SchedulerEnvironment,
  type SchedulerKind,
  scheduleInstalled,
} from "../scheduler.js";

interface RefreshFlags extends RegistryFlags {
  every?: string;
  scheduler?: string;
  npmrc?: string;
  yarn?: boolean;
  record?: string;
}

/** Variables that say where things are, kept for the scheduled runs. Never a secret. */
const KEPT_ENV = [
  "HOME",
  "USERPROFILE",
  "LOCALAPPDATA",
  "APPDATA",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "XDG_STATE_HOME",
  "NPM_CONFIG_USERCONFIG",
  "CODEARTIFACT_KEYRING_CONFIG",
  "CODEARTIFACT_KEYRING_CACHE",
  "CODEARTIFACT_KEYRING_CACHE_DIR",
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_CODEARTIFACT",
  "AWS_ENDPOINT_URL_STS",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_CA_BUNDLE",
];

const DEFAULT_EVERY = "30m";

function schedulerEnvironment(env: NodeJS.ProcessEnv): SchedulerEnvironment {
  const home = env.HOME || homedir();
  return {
    home,
    configHome: env.XDG_CONFIG_HOME || join(home, ".config"),
    dataDir: refreshDir(env),
    uid: process.getuid?.() ?? 0,
    // For an unusual setup, and for tests, which drive the real crontab of a throwaway user.
    crontab: env.CODEARTIFACT_KEYRING_CRONTAB || "crontab",
    run: runProgram,
  };
}

export async function run(
  context: CommandContext,
  flags: RefreshFlags,
  _args: string[],
  name: string,
): Promise<number> {
  switch (name) {
    case "install":
      return install(context, flags);
    case "remove":
      return remove(context);
    case "status":
      return status(context);
    default:
      return runOnce(context, flags);
  }
}

async function install(context: CommandContext, flags: RefreshFlags): Promise<number> {
  const { out, env } = context;
  const every = flags.every ?? DEFAULT_EVERY;
  const seconds = parseDurationSeconds(every);
  if (seconds === undefined || seconds < 60 || seconds > 86_400) {
    throw new UsageError(
      `--every \`${every}\` is not valid: use a duration from 1m to 24h, such as 30m or 2h`,
    );
  }
  if (flags.scheduler !== undefined && !(SCHEDULERS as readonly string[]).includes(flags.scheduler)) {
    throw new UsageError(`--scheduler \`${flags.scheduler}\` is not one of ${SCHEDULERS.join(", ")}`);
  }
  const selection = await chooseRegistries(context, flags, { required: true });
  // Resolving now reports a broken config at install time, not at 3 a.m.
  await resolveAll(context, selection, flags);
  const schedulerEnv = schedulerEnvironment(env);
  const kind =
    (flags.scheduler as SchedulerKind | undefined) ?? (await detectScheduler(process.platform, schedulerEnv));

  const script = realpathSync(process.argv[1] ?? "");
  const ephemeral = ephemeralLocation(script);
  if (ephemeral) {
    throw new UsageError(
      `this codeartifact-login runs from ${ephemeral} (\`${script}\`), which can be deleted at any time: install it durably with \`npm i -g codeartifact-keyring\`, then run \`codeartifact-login refresh install\` again`,
    );
  }
  const file = recordPath(env);
  const previous = readRecord(file);
  if (previous && previous.scheduler !== kind) await removeSchedule(previous.scheduler, schedulerEnv);

  const record: RefreshRecord = {
    version: 1,
    scheduler: kind,
    everySeconds: seconds,
    registries: selection.registries.map((r) => r.target.registryUrl),
    npmrc: flags.npmrc ?? userNpmrcPath({ env }),
    ...(flags.yarn ? { yarn: true } : {}),
    ...(selection.config.file ? { config: selection.config.file } : {}),
    env: Object.fromEntries(KEPT_ENV.flatMap((key) => (env[key] ? [[key, env[key] as string]] : []))),
    command: { program: process.execPath, args: [script, "refresh", "run", "--record", file] },
    installedAt: new Date().toISOString(),
  };
  ensurePrivateDir(dirname(file));
  await writePrivateFile(file, `${JSON.stringify(record, null, 2)}\n`);
  rmSync(lastRunPath(file), { force: true });
  let where: string;
  try {
    where = await installSchedule(kind, record.command, seconds, schedulerEnv);
  } catch (error) {
    rmSync(file, { force: true });
    throw error;
  }
  if (out.json) {
    out.result({
      installed: true,
      scheduler: kind,
      everySeconds: seconds,
      registries: record.registries,
      where,
    });
  } else {
    out.info(
      `${out.color.ok("✔")} background refresh every ${formatDuration(seconds * 1000)} via ${kind} (${tildify(where, env)}) for ${record.registries.join(", ")}; \`codeartifact-login refresh remove\` undoes it`,
    );
  }
  return 0;
}

async function remove(context: CommandContext): Promise<number> {
  const { out, env } = context;
  const file = recordPath(env);
  const record = readRecord(file);
  if (!record) {
    if (out.json) out.result({ removed: false });
    else out.info("no background refresh is installed");
    return 0;
  }
  const found = await removeSchedule(record.scheduler, schedulerEnvironment(env));
  rmSync(file, { force: true });
  rmSync(lastRunPath(file), { force: true });
  if (out.json) out.result({ removed: true, scheduler: record.scheduler, wasScheduled: found });
  else
    out.info(
      `${out.color.ok("✔")} background refresh removed (${record.scheduler}${found ? "" : ": its entry was already gone"})`,
    );
  return 0;
}

async function status(context: CommandContext): Promise<number> {
  const { out, env } = context;
  const file = recordPath(env);
  const record = readRecord(file);
  if (!record) {
    if (out.json) out.result({ installed: false });
    else out.stdout("No background refresh installed: `codeartifact-login refresh install` sets one up.\n");
    return 0;
  }
  const scheduled = await scheduleInstalled(record.scheduler, schedulerEnvironment(env)).catch(() => false);
  const last = readLastRun(file);
  const now = new Date();
  if (out.json) {
    out.result({
      installed: true,
      scheduled,
      scheduler: record.scheduler,
      everySeconds: record.everySeconds,
      registries: record.registries,
      npmrc: record.npmrc,
      config: record.config ?? null,
      installedAt: record.installedAt,
      lastRun: last ?? null,
    });
  } else {
    out.stdout(
      `Background refresh every ${formatDuration(record.everySeconds * 1000)} via ${record.scheduler}${scheduled ? "" : ` (${out.color.bad("✖")} no longer in the scheduler: run \`codeartifact-login refresh install\` again)`}\n`,
    );
    out.stdout(`  registries: ${record.registries.join(", ")}\n`);
    out.stdout(`  writes:     ${tildify(record.npmrc, env)}\n`);
    if (record.config) out.stdout(`  config:     ${tildify(record.config, env)}\n`);
    out.stdout(`  installed:  ${formatUtc(new Date(record.installedAt))}\n`);
    if (!last) out.stdout("  last run:   not yet\n");
    else {
      const at = new Date(last.at);
      out.stdout(
        `  last run:   ${formatUtc(at)} (${formatRelative(at, now)}): ${last.ok ? `${out.color.ok("✔")} ok` : `${out.color.bad("✖")} failed`}\n`,
      );
      for (const error of last.errors) out.stdout(`              ${error}\n`);
    }
  }
  return scheduled && (last?.ok ?? true) ? 0 : 1;
}

/** One scheduled run: `login --quiet` for what was recorded; the outcome is kept for `status`. */
async function runOnce(context: CommandContext, flags: RefreshFlags): Promise<number> {
  const file = flags.record ?? recordPath(context.env);
  const record = readRecord(file);
  if (!record) {
    throw new UsageError(
      `no background refresh recorded at \`${file}\`: run \`codeartifact-login refresh install\` (or \`refresh remove\` to clean up a leftover schedule)`,
    );
  }
  // Into the process's own environment: the AWS SDK's credential chain reads it there.
  const env = Object.assign(context.env, record.env);
  const errors: string[] = [];
  const out: Output = {
    ...context.out,
    error(message) {
      errors.push(message);
      context.out.error(message);
    },
  };
  const home = env.HOME || userDirs("codeartifact-keyring", { env }).data;
  const { run: login } = await import("./login.js");
  let code: number;
  try {
    code = await login(
      { out, env, cwd: home, ...(record.config ? { configPath: record.config } : {}) },
      { registry: record.registries, npmrc: record.npmrc, ...(record.yarn ? { yarn: true } : {}) },
    );
  } catch (error) {
    errors.push(oneLine(error));
    context.out.error(oneLine(error));
    code = 1;
  }
  const last: LastRun = { at: new Date().toISOString(), ok: code === 0, errors };
  mkdirSync(dirname(file), { recursive: true });
  await writePrivateFile(lastRunPath(file), `${JSON.stringify(last)}\n`);
  return code;
}
