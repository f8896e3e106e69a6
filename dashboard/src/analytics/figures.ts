/** How analytics figures are printed: shares with their denominator, durations, day labels. */
import { formatDuration } from "../lib/format";

export function share(r: { count: number; of: number }): string {
  if (r.of === 0) return "—";
  return `${Math.round((r.count / r.of) * 100)}%`;
}

export function ofText(r: { count: number; of: number }, noun: string): string {
  return `${r.count.toLocaleString()} of ${r.of.toLocaleString()} ${noun}`;
}

export function latency(ms: number | null): string {
  return ms === null ? "—" : formatDuration(ms);
}

/** "2026-11-29" → "Nov 29". */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });
}
