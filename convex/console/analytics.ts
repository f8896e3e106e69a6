/**
 * Analytics for the console, per environment and optionally per number, over whole days (at
 * most 31): messages in and out, the delivery funnel, first-reply time with AI and humans apart,
 * the handoff rate, and tokens and cost. Every figure carries its denominator. Reads are index
 * ranges with fixed caps; an answer past a cap says so (`scope.complete` is false).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { getOwned, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import type { RunOutcome } from "../lib/validators";
import { analyticsRange, dayKey, MAX_RANGE_DAYS } from "./analyticsMath";
import { ConversationTally, type Ownership } from "./analyticsTally";
import { vConversationAnalytics, vUsageAnalytics, type AnalyticsRange } from "./validators";

/** Threads (active in the range, newest first) read by one conversation analytics query. */
export const MAX_ANALYTICS_THREADS = 500;
/** Messages read in all by one conversation analytics query. */
export const MAX_ANALYTICS_MESSAGES = 4_000;
/** Ownership changes read per thread. */
const MAX_HANDOFF_EVENTS_PER_THREAD = 50;
/** Agent runs read by one usage query. */
export const MAX_ANALYTICS_RUNS = 2_000;

const rangeArgs = {
  /** Whole days to cover, ending with the day of `until` (1–31, default 30). */
  days: v.optional(v.number()),
  /** End of the range in ms (default now). Pass a rounded value so the result caches well. */
  until: v.optional(v.number()),
  /** Day boundaries in this offset from UTC, in minutes (e.g. 120 for UTC+2; default 0). */
  utcOffsetMinutes: v.optional(v.number()),
  connectionId: v.optional(v.id("whatsappConnections")),
};

type RangeArgs = {
  days?: number;
  until?: number;
  utcOffsetMinutes?: number;
  connectionId?: Id<"whatsappConnections">;
};

async function resolveRange(ctx: QueryCtx, tenant: Tenant, args: RangeArgs) {
  const days = args.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > MAX_RANGE_DAYS) {
    throw appError("INVALID_ARGUMENT", `days must be a whole number from 1 to ${MAX_RANGE_DAYS}.`);
  }
  const offset = args.utcOffsetMinutes ?? 0;
  if (!Number.isInteger(offset) || offset < -720 || offset > 840) {
    throw appError("INVALID_ARGUMENT", "utcOffsetMinutes must be a whole number from -720 to 840.");
  }
  const until = args.until ?? Date.now();
  if (!Number.isFinite(until) || until < 0) {
    throw appError("INVALID_ARGUMENT", "until must be a time in milliseconds.");
  }
  if (args.connectionId !== undefined) {
    await getOwned(ctx, tenant, "whatsappConnections", args.connectionId);
  }
  return analyticsRange(until, days, offset);
}

function counter<K>() {
  const map = new Map<K, number>();
  return {
    add: (key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n),
    get: (key: K) => map.get(key) ?? 0,
    entries: () => [...map.entries()],
  };
}

type Read = {
  threads: Doc<"threads">[];
  messages: Map<Id<"threads">, Doc<"messages">[]>;
  handoffs: Map<Id<"threads">, Ownership>;
  complete: boolean;
  messageCount: number;
};

/** Threads active in the range (capped), their messages and ownership changes in the range. */
async function readConversations(
  ctx: QueryCtx,
  tenant: Tenant,
  range: AnalyticsRange,
  connectionId: Id<"whatsappConnections"> | undefined,
): Promise<Read> {
  const active = await ctx.db
    .query("threads")
    .withIndex("by_organizationId_and_environment_and_lastMessageAt", (q) =>
      q
        .eq("organizationId", tenant.organizationId)
        .eq("environment", tenant.environment)
        .gte("lastMessageAt", range.from),
    )
    .order("desc")
    .take(MAX_ANALYTICS_THREADS + 1);
  const read: Read = {
    threads: [],
    messages: new Map(),
    handoffs: new Map(),
    complete: active.length <= MAX_ANALYTICS_THREADS,
    messageCount: 0,
  };
  for (const thread of active.slice(0, MAX_ANALYTICS_THREADS)) {
    if (connectionId !== undefined && thread.connectionId !== connectionId) continue;
    const budget = MAX_ANALYTICS_MESSAGES - read.messageCount;
    if (budget <= 0) {
      read.complete = false;
      break;
    }
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) =>
        q.eq("threadId", thread._id).gte("createdAt", range.from).lte("createdAt", range.until),
      )
      .take(budget + 1);
    if (rows.length > budget) read.complete = false;
    const kept = rows.slice(0, budget);
    read.threads.push(thread);
    read.messages.set(thread._id, kept);
    read.messageCount += kept.length;
    read.handoffs.set(thread._id, await readOwnership(ctx, thread._id, range));
  }
  return read;
}

async function readOwnership(ctx: QueryCtx, threadId: Id<"threads">, range: AnalyticsRange) {
  const [before] = await ctx.db
    .query("handoffEvents")
    .withIndex("by_threadId_and_at", (q) => q.eq("threadId", threadId).lt("at", range.from))
    .order("desc")
    .take(1);
  const events = await ctx.db
    .query("handoffEvents")
    .withIndex("by_threadId_and_at", (q) =>
      q.eq("threadId", threadId).gte("at", range.from).lte("at", range.until),
    )
    .take(MAX_HANDOFF_EVENTS_PER_THREAD);
  return { initialOwner: before?.to ?? ("ai" as const), events };
}

/** Messages per day, funnel, first replies and handoffs of the caller's environment. */
export const conversations = orgQuery({
  args: rangeArgs,
  returns: vConversationAnalytics,
  handler: async (ctx, args) => {
    const range = await resolveRange(ctx, ctx.tenant, args);
    const read = await readConversations(ctx, ctx.tenant, range, args.connectionId);
    const tally = new ConversationTally(range);
    for (const thread of read.threads) {
      tally.addThread(
        thread,
        read.messages.get(thread._id) ?? [],
        read.handoffs.get(thread._id) ?? { initialOwner: "ai", events: [] },
      );
    }
    return {
      range,
      scope: {
        ...(args.connectionId !== undefined ? { connectionId: args.connectionId } : {}),
        threads: read.threads.length,
        messages: read.messageCount,
        complete: read.complete,
        limits: { threads: MAX_ANALYTICS_THREADS, messages: MAX_ANALYTICS_MESSAGES },
      },
      ...tally.result(),
    };
  },
});

type Usage = {
  runs: number;
  modelRuns: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
};

function emptyUsage(): Usage {
  return { runs: 0, modelRuns: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 };
}

function addRun(usage: Usage, run: Doc<"agentRuns">) {
  usage.runs += 1;
  if (run.tokensIn + run.tokensOut > 0) usage.modelRuns += 1;
  usage.tokensIn += run.tokensIn;
  usage.tokensOut += run.tokensOut;
  usage.costUsd += run.costUsd;
}

/** Agent runs, tokens and estimated cost per day and per agent, with run outcomes. */
export const usage = orgQuery({
  args: rangeArgs,
  returns: vUsageAnalytics,
  handler: async (ctx, args) => {
    const range = await resolveRange(ctx, ctx.tenant, args);
    const rows = await ctx.db
      .query("agentRuns")
      .withIndex("by_organizationId_and_environment_and_startedAt", (q) =>
        q
          .eq("organizationId", ctx.tenant.organizationId)
          .eq("environment", ctx.tenant.environment)
          .gte("startedAt", range.from)
          .lte("startedAt", range.until),
      )
      .order("desc")
      .take(MAX_ANALYTICS_RUNS + 1);
    const runs = rows
      .slice(0, MAX_ANALYTICS_RUNS)
      .filter((r) => args.connectionId === undefined || r.connectionId === args.connectionId);
    const daily = new Map(range.days.map((d) => [d, emptyUsage()]));
    const byAgent = new Map<Id<"agents"> | null, Usage>();
    const totals = emptyUsage();
    const outcomes = counter<RunOutcome>();
    for (const run of runs) {
      addRun(totals, run);
      const d = daily.get(dayKey(run.startedAt, range.utcOffsetMinutes));
      if (d !== undefined) addRun(d, run);
      const agent = byAgent.get(run.agentId ?? null) ?? emptyUsage();
      addRun(agent, run);
      byAgent.set(run.agentId ?? null, agent);
      outcomes.add(run.outcome);
    }
    return {
      range,
      scope: {
        ...(args.connectionId !== undefined ? { connectionId: args.connectionId } : {}),
        runs: runs.length,
        complete: rows.length <= MAX_ANALYTICS_RUNS,
        limit: MAX_ANALYTICS_RUNS,
      },
      daily: [...daily.entries()].map(([day, u]) => ({ day, ...u })),
      totals,
      byAgent: [...byAgent.entries()]
        .map(([agentId, u]) => ({ agentId, ...u }))
        .sort((a, b) => b.costUsd - a.costUsd || b.runs - a.runs),
      outcomes: outcomes
        .entries()
        .map(([outcome, count]) => ({ outcome, count }))
        .sort((a, b) => b.count - a.count),
    };
  },
});
