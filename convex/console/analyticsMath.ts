/**
 * The arithmetic of the console's analytics, as pure functions over rows already read: day
 * buckets (whole days in the caller's UTC offset), latency statistics, and the first-reply waits
 * of one thread's timeline, with AI replies and human replies kept apart. analytics.ts reads
 * the rows; a daily rollup (see the report) would feed the same functions.
 */
import type { HandoffReason, MessageRole, ThreadOwner } from "../lib/validators";
import type { AnalyticsRange, Latency } from "./validators";

export const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_RANGE_DAYS = 31;

/** `YYYY-MM-DD` of an instant, in a fixed offset from UTC. */
export function dayKey(at: number, utcOffsetMinutes: number): string {
  return new Date(at + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The `days` whole days (in the offset) ending with the day of `until`, cut at `until`. */
export function analyticsRange(
  until: number,
  days: number,
  utcOffsetMinutes: number,
): AnalyticsRange {
  const shift = utcOffsetMinutes * 60_000;
  const startOfLastDay = Math.floor((until + shift) / DAY_MS) * DAY_MS - shift;
  const from = startOfLastDay - (days - 1) * DAY_MS;
  const keys: string[] = [];
  for (let i = 0; i < days; i++) keys.push(dayKey(from + i * DAY_MS, utcOffsetMinutes));
  return { from, until, days: keys, utcOffsetMinutes };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

/** Median, 90th percentile and mean of durations (nearest-rank), or nulls when there are none. */
export function latency(durations: number[], unanswered: number): Latency {
  if (durations.length === 0) {
    return { answered: 0, unanswered, medianMs: null, p90Ms: null, meanMs: null };
  }
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    answered: sorted.length,
    unanswered,
    medianMs: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    meanMs: Math.round(sorted.reduce((sum, d) => sum + d, 0) / sorted.length),
  };
}

export function median(durations: number[]): number | null {
  return durations.length === 0 ? null : latency(durations, 0).medianMs;
}

/** Handoffs where a customer is left waiting for a person (not a person who already acted). */
export const NEEDS_PERSON: readonly HandoffReason[] = [
  "customer_asked",
  "frustration",
  "out_of_scope",
  "sensitive",
  "escalation_keyword",
  "repeated_failure",
  "unresolved",
];

export type TimelineItem =
  | { kind: "message"; at: number; role: MessageRole }
  | { kind: "handoff"; at: number; to: ThreadOwner; reason: HandoffReason };

/** One first-reply measurement: who answered (or nobody) and how long the customer waited. */
export type Wait = {
  startedAt: number;
  by: ThreadOwner;
  /** Undefined when no reply of that kind came before the end of the range. */
  replyMs?: number;
};

export type ThreadTimeline = {
  waits: Wait[];
  /** Times of customer messages that arrived while the AI owned the thread. */
  aiOwnedCustomerMessages: number[];
};

/**
 * Walks one thread's messages and ownership changes in time order. A wait opens at a customer
 * message when none is open, owned by whoever owns the thread then. An AI wait ends at the next
 * AI reply; any wait ends at the next human reply (a person answered first). A handoff to a
 * person turns an open wait into a human one (the customer now waits for a person: the AI's
 * acknowledgement does not count), and opens one when the customer was asked to wait for a
 * person; a release closes a human wait unanswered.
 */
export function firstReplyWaits(items: TimelineItem[], initialOwner: ThreadOwner): ThreadTimeline {
  const ordered = [...items].sort((a, b) => a.at - b.at);
  const waits: Wait[] = [];
  const aiOwnedCustomerMessages: number[] = [];
  let owner = initialOwner;
  let open: Wait | null = null;
  const close = (at: number | null) => {
    if (open === null) return;
    waits.push(at === null ? open : { ...open, replyMs: Math.max(0, at - open.startedAt) });
    open = null;
  };
  for (const item of ordered) {
    if (item.kind === "handoff") {
      if (item.to === "human") {
        if (open !== null) open.by = "human";
        else if (NEEDS_PERSON.includes(item.reason)) open = { startedAt: item.at, by: "human" };
      } else if (open?.by === "human") {
        close(null);
      }
      owner = item.to;
      continue;
    }
    if (item.role === "user") {
      if (owner === "ai") aiOwnedCustomerMessages.push(item.at);
      open ??= { startedAt: item.at, by: owner };
    } else if (item.role === "assistant" && open?.by === "ai") {
      close(item.at);
    } else if (item.role === "human" && open !== null) {
      open.by = "human";
      close(item.at);
    }
  }
  close(null);
  return { waits, aiOwnedCustomerMessages };
}
