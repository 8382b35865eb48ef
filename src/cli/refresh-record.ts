// What `refresh install` recorded (the registries, config and environment in force then, the scheduler)
// and how the last background run ended. Read by `refresh`, and by `status` and `diagnose`, which show a
// failed run with its fix; kept apart from the scheduler code so those commands load little.
import { join } from "node:path";
import { userDirs } from "../configstore/paths.js";
import { readFileBounded } from "../configstore/text-file.js";
import { formatRelative, formatUtc } from "../configstore/time-text.js";
import type { ScheduledCommand, SchedulerKind } from "./scheduler.js";

export interface RefreshRecord {
  version: 1;
  scheduler: SchedulerKind;
  everySeconds: number;
  registries: string[];
  /** The .npmrc the runs write to. */
  npmrc: string;
  /** Also write ~/.yarnrc.yml (`login --yarn`). */
  yarn?: boolean;
  /** The config file in force at install time, if any. */
  config?: string;
  /** The non-secret variables in force at install time that decide where things are (HOME, XDG_*, AWS_PROFILE…). */
  env: Record<string, string>;
  command: ScheduledCommand;
  installedAt: string;
}

export interface LastRun {
  at: string;
  ok: boolean;
  /** One line per failed registry, each ending with its fix. */
  errors: string[];
}

/** `<user data dir>/codeartifact-keyring/refresh`. */
export function refreshDir(env: NodeJS.ProcessEnv): string {
  return join(userDirs("codeartifact-keyring", { env }).data, "refresh");
}

export function recordPath(env: NodeJS.ProcessEnv): string {
  return join(refreshDir(env), "refresh.json");
}

export function lastRunPath(recordFile: string): string {
  return join(recordFile, "..", "last-run.json");
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileBounded(file).toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

export function readRecord(file: string): RefreshRecord | undefined {
  const record = readJson<RefreshRecord>(file);
  return record?.version === 1 && Array.isArray(record.registries) ? record : undefined;
}

export function readLastRun(recordFile: string): LastRun | undefined {
  const run = readJson<LastRun>(lastRunPath(recordFile));
  return run && typeof run.at === "string" && typeof run.ok === "boolean" ? run : undefined;
}

/** `background refresh failed at 2026-12-03 09:12 UTC (5 min ago): …`, or undefined when it did not fail. */
export function describeFailedRun(env: NodeJS.ProcessEnv, now = new Date()): string | undefined {
  const file = recordPath(env);
  if (!readRecord(file)) return undefined;
  const run = readLastRun(file);
  if (!run || run.ok) return undefined;
  const at = new Date(run.at);
  return `background refresh failed at ${formatUtc(at)} (${formatRelative(at, now)}): ${run.errors.join("; ") || "see `codeartifact-login refresh status`"}`;
}
