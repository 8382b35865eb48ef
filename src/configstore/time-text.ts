// Times and durations as people write and read them: one formatter for every message ("45 min", "11 h 59 min",
// "2 days"), one parser for flags and settings ("90", "30m", "1h", "1h30m", "2d").

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A duration for a message: under an hour in minutes, under two days in hours (and minutes), then in
 * days (and hours, under a week). Negative durations read as their absolute value.
 *
 * @example formatDuration(2 * 86_400_000) // "2 days"
 */
export function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return days < 7 && restHours > 0 ? `${days} days ${restHours} h` : `${days} days`;
}

/** `2026-11-22 07:47 UTC`: a moment for a message. */
export function formatUtc(when: Date): string {
  return `${when.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `in 3 h` / `2 days ago`: a moment relative to `now`. */
export function formatRelative(when: Date, now: Date): string {
  const delta = when.getTime() - now.getTime();
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

/**
 * Seconds in a duration written as a number of seconds (`3600`) or with units (`30m`, `1h30m`, `2d`,
 * `45s`); undefined when the text is not a duration (the caller names where it came from).
 */
export function parseDurationSeconds(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return Number(value);
  if (!/^(\d+[dhms])+$/.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([dhms])/g)) {
    total += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  }
  return total;
}
