// Durations for people: `45 min`, `11 h 5 min`. Shared by library messages and the CLI.

/** `ms` (its absolute value) as whole minutes or hours and minutes. */
export function humanDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
