// How commands describe things to people: paths under HOME as ~, expiry as a time and a duration,
// file changes as diffs with secrets redacted.
import { homedir } from "node:os";
import { formatDuration, formatUtc } from "../configstore/time-text.js";
import type { Output } from "./output.js";

/** `/home/me/.npmrc` → `~/.npmrc`. */
export function tildify(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  return home && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}

/** `valid until 2026-11-22 07:47 UTC (11 h 59 min)`, or that the expiry is unknown. */
export function describeExpiry(expiresAt: Date | undefined, now = new Date()): string {
  if (!expiresAt) return "(expiry unknown)";
  const when = formatUtc(expiresAt);
  const left = expiresAt.getTime() - now.getTime();
  return left > 0
    ? `valid until ${when} (${formatDuration(left)})`
    : `expired at ${when} (${formatDuration(left)} ago)`;
}

export function describeFileChange(
  file: string,
  changed: boolean,
  dryRun: boolean | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const path = tildify(file, env);
  if (dryRun) return changed ? `${path} would change` : `${path} already up to date`;
  return changed ? `${path} updated` : `${path} unchanged`;
}

/** Prints a dry run's planned changes (their text is already redacted by the editors). */
export function printChanges(
  out: Output,
  file: string,
  changes: readonly { action: string; key: string; line?: number; text?: string }[],
  env: NodeJS.ProcessEnv,
): void {
  if (changes.length === 0) {
    out.info(`${tildify(file, env)}: no change`);
    return;
  }
  out.info(`${tildify(file, env)} would change:`);
  const sign = { add: "+", replace: "~", remove: "-" } as Record<string, string>;
  for (const change of changes) {
    const where = change.line ? `line ${change.line}: ` : "";
    out.info(`  ${sign[change.action] ?? "?"} ${where}${change.text ?? change.key}`);
  }
}
