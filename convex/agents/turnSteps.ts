/**
 * The database steps of an agent turn (turn.ts runs them in order): `begin` decides whether and
 * how the turn runs — stale check, the burst it answers, the tenant's escalation keywords and
 * frustration signal (turnSignals.ts), the tenant's turn and spend limits, the handler, the
 * `running` row — then `setDecision`,
 * `loadContext`, `recordFallback` and `finish`. What the agent's tools do is in toolEffects.ts.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { handoffSettings } from "../inbox/handoff";
import { setCurrentAgent } from "../inbox/threads";
import { waitForVoiceTranscripts } from "../media/transcripts";
import { vRunOutcome, vToolCallRecord } from "../lib/validators";
import { finishRun, insertRun, markFallbackUsed, recordRunDecision } from "./runs";
import { chargeModelTokens, modelBudgetWait, reserveTurnSlot } from "./tenantLimits";
import { classifierCandidates, resolveHandler, type Handler } from "./turnHandler";
import { loadTurnContext } from "./turnContext";
import { handOffOnRules } from "./turnSignals";

/** At most this many customer messages of one burst are treated as the run's trigger. */
export const MAX_TRIGGER_MESSAGES = 20;
/** Runs read to count a thread's consecutive fallback replies (repeated failure). */
const MAX_FALLBACK_LOOKBACK = 50;
/** `note` of a run started because another agent passed the thread on (one hop per burst). */
export const PASSED_ON_NOTE = "Passed on by another agent.";

/**
 * What starts a turn. `reserved`: a turn delayed by the tenant's limits, already holding its
 * slot (tenantLimits.ts). `handoverFrom`: the run of an agent that passed the thread on.
 */
export const vTurnArgs = v.object({
  threadId: v.id("threads"),
  generation: v.number(),
  reserved: v.optional(v.boolean()),
  handoverFrom: v.optional(v.id("agentRuns")),
});
export type TurnArgs = Infer<typeof vTurnArgs>;

/**
 * What `begin` decided: `skip` (nothing recorded), `done` (a run recorded without any model
 * call), `run` (this agent answers) or `classify` (the model picks one of the candidates).
 */
const vBegin = v.union(
  v.object({ kind: v.literal("skip"), reason: v.string() }),
  v.object({ kind: v.literal("done"), runId: v.id("agentRuns"), reason: v.string() }),
  v.object({
    kind: v.literal("run"),
    runId: v.id("agentRuns"),
    agentId: v.id("agents"),
    reason: v.string(),
  }),
  v.object({
    kind: v.literal("classify"),
    runId: v.id("agentRuns"),
    candidates: v.array(
      v.object({
        agentId: v.id("agents"),
        slug: v.string(),
        name: v.string(),
        description: v.string(),
      }),
    ),
    fallbackAgentId: v.id("agents"),
    instructions: v.optional(v.string()),
    model: v.string(),
    customerText: v.string(),
  }),
);
type Begun = Infer<typeof vBegin>;

/** The fields every run row starts with, whatever its outcome. */
export type RunStart = Omit<Doc<"agentRuns">, "_id" | "_creationTime" | "outcome">;

/** Why this turn must not run (superseded by a newer generation, already handled), or null. */
async function staleReason(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  generation: number,
): Promise<string | null> {
  if (thread.generation !== generation) return "superseded";
  const [latest] = await ctx.db
    .query("agentRuns")
    .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(1);
  return latest !== undefined && latest.generation === generation ? "already handled" : null;
}

/**
 * The customer messages since the last reply (the burst this run answers), oldest first, in
 * the order they arrived (`seq`), not by their timestamps: a message the customer wrote before
 * our reply but that was delivered after it is new, and is answered. After a pass from another
 * agent that already said a word, the burst of that agent's run still counts.
 */
async function triggerBurst(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  handoverFrom: Id<"agentRuns"> | undefined,
) {
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_seq", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(MAX_TRIGGER_MESSAGES);
  let burst: Doc<"messages">[] = [];
  for (const message of newest) {
    if (message.role !== "user") break;
    burst.push(message);
  }
  burst.reverse();
  const previous = handoverFrom ? await ctx.db.get("agentRuns", handoverFrom) : null;
  if (burst.length === 0 && previous !== null && previous.threadId === thread._id) {
    const rows = await Promise.all(
      previous.triggerMessageIds.map((id) => ctx.db.get("messages", id)),
    );
    burst = rows.filter((m): m is Doc<"messages"> => m !== null);
  }
  return { burst, passedOn: previous !== null };
}

function runStart(thread: Doc<"threads">, generation: number, burst: Doc<"messages">[]): RunStart {
  return {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    connectionId: thread.connectionId,
    generation,
    triggerMessageIds: burst.map((m) => m._id),
    toolCalls: [],
    promptChars: 0,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    startedAt: Date.now(),
  };
}

/** A run that ends where it starts: `silent` or `no_handler`, with the reason (never silence). */
async function closedRun(
  ctx: MutationCtx,
  start: RunStart,
  outcome: "silent" | "no_handler",
  error: string,
): Promise<Begun> {
  const runId = await insertRun(ctx, {
    ...start,
    outcome,
    error,
    finishedAt: start.startedAt,
    latencyMs: 0,
  });
  return { kind: "done", runId, reason: error };
}

/**
 * Per-tenant fairness: over the tenant's turn or model-spend limit, the same turn is scheduled
 * again (holding its slot) instead of running now — delayed, never dropped. Returns the wait.
 */
async function delayForTenantLimits(ctx: MutationCtx, thread: Doc<"threads">, args: TurnArgs) {
  let wait = args.reserved === true ? 0 : await reserveTurnSlot(ctx, thread);
  if (wait === 0) wait = await modelBudgetWait(ctx, thread);
  if (wait > 0) {
    await ctx.scheduler.runAfter(wait, internal.agents.turn.run, {
      threadId: args.threadId,
      generation: args.generation,
      reserved: true,
      ...(args.handoverFrom ? { handoverFrom: args.handoverFrom } : {}),
    });
  }
  return wait;
}

/** Inserts the `running` row for the chosen handler; a `classify` router also gets its candidates. */
async function startRun(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  start: RunStart,
  handler: Exclude<Handler, { kind: "none" }>,
  burst: Doc<"messages">[],
  passedOn: boolean,
): Promise<Begun> {
  if (handler.kind === "agent") {
    const agentId = handler.agent._id;
    const runId = await insertRun(ctx, {
      ...start,
      outcome: "running",
      agentId,
      ...(handler.routerId ? { routerId: handler.routerId } : {}),
      decision: { agentId, reason: handler.reason },
      ...(passedOn ? { note: PASSED_ON_NOTE } : {}),
    });
    await setCurrentAgent(ctx, thread._id, agentId);
    return { kind: "run", runId, agentId, reason: handler.reason };
  }
  const { router, fallback } = handler;
  const runId = await insertRun(ctx, { ...start, outcome: "running", routerId: router._id });
  return {
    kind: "classify",
    runId,
    candidates: await classifierCandidates(ctx, thread, router),
    fallbackAgentId: fallback._id,
    ...(router.classifierPrompt ? { instructions: router.classifierPrompt } : {}),
    model: fallback.model,
    customerText: burst
      .map((m) => m.content)
      .join("\n")
      .slice(0, 4_000),
  };
}

/**
 * Starts a turn: exits if the generation moved on or a run for it already exists; records a
 * `silent` run for human-owned threads and a `no_handler` run when nobody can answer (visible,
 * never silence); hands the thread to a human, without any model call, when the burst contains
 * one of the tenant's escalation keywords or sets off its frustration signal; delays the turn while the tenant is over its limits;
 * otherwise resolves the handler and inserts the `running` row.
 */
export const begin = internalMutation({
  args: vTurnArgs,
  returns: vBegin,
  handler: async (ctx, args): Promise<Begun> => {
    const thread = await ctx.db.get("threads", args.threadId);
    if (thread === null) return { kind: "skip", reason: "thread deleted" };
    const stale = await staleReason(ctx, thread, args.generation);
    if (stale !== null) return { kind: "skip", reason: stale };
    const { burst, passedOn } = await triggerBurst(ctx, thread, args.handoverFrom);
    const start = runStart(thread, args.generation, burst);
    if (thread.owner === "human") {
      return await closedRun(ctx, start, "silent", "A human owns this thread.");
    }
    if (burst.length === 0) {
      return await closedRun(ctx, start, "silent", "No new customer message to answer.");
    }
    const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
    if (connection === null) {
      return await closedRun(ctx, start, "no_handler", "The connection was deleted.");
    }
    // A voice note still being transcribed: wait for its words, within VOICE_TRANSCRIPT_WAIT_MS.
    const voiceWait = await waitForVoiceTranscripts(ctx, args, burst);
    if (voiceWait > 0) return { kind: "skip", reason: "waiting for a voice transcript" };
    const escalated = await handOffOnRules(ctx, thread, start, burst);
    if (escalated !== null) return { kind: "done", runId: escalated.runId, reason: escalated.note };
    const wait = await delayForTenantLimits(ctx, thread, args);
    if (wait > 0) return { kind: "skip", reason: `tenant limit: delayed ${wait} ms` };
    const handler = await resolveHandler(ctx, thread, connection, burst);
    if (handler.kind === "none") return await closedRun(ctx, start, "no_handler", handler.reason);
    return await startRun(ctx, thread, start, handler, burst, passedOn);
  },
});

/** Records the `classify` router's decision on the run and the thread. */
export const setDecision = internalMutation({
  args: { runId: v.id("agentRuns"), agentId: v.id("agents"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { runId, agentId, reason }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return null;
    await recordRunDecision(ctx, runId, { agentId, reason });
    await setCurrentAgent(ctx, run.threadId, agentId);
    return null;
  },
});

/** Everything the run's prompt needs (turnContext.ts). */
export const loadContext = internalQuery({
  args: { runId: v.id("agentRuns") },
  handler: (ctx, { runId }) => loadTurnContext(ctx, runId),
});

/**
 * The run sent its agent's fallback reply (the model kept failing): marks it and counts the
 * thread's fallback replies in a row, this one included (runs that answered nothing — silent,
 * superseded, still running — are skipped; an answer or a handoff ends the streak). The turn
 * hands off with `repeated_failure` once the count reaches the tenant's limit.
 */
export const recordFallback = internalMutation({
  args: { runId: v.id("agentRuns") },
  returns: v.object({ consecutive: v.number(), limit: v.number() }),
  handler: async (ctx, { runId }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return { consecutive: 0, limit: 0 };
    await markFallbackUsed(ctx, runId);
    return await fallbackStreak(ctx, run);
  },
});

/**
 * The thread's fallback replies in a row, `run`'s included, and the tenant's limit (see
 * `recordFallback`; also used when the watchdog closes a turn that outlived its action).
 */
export async function fallbackStreak(ctx: MutationCtx, run: Doc<"agentRuns">) {
  const { maxConsecutiveFallbacks } = await handoffSettings(ctx, run);
  const recent = await ctx.db
    .query("agentRuns")
    .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", run.threadId))
    .order("desc")
    .take(MAX_FALLBACK_LOOKBACK);
  let consecutive = 0;
  for (const other of recent) {
    if (other._id === run._id) {
      consecutive += 1;
      continue;
    }
    if (["silent", "superseded", "no_handler", "running"].includes(other.outcome)) continue;
    if (other.usedFallback !== true || other.outcome === "handed_off") break;
    consecutive += 1;
  }
  return { consecutive, limit: maxConsecutiveFallbacks };
}

/** Closes a run with its outcome and what it cost (charged to the tenant's model budget). */
export const finish = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    outcome: vRunOutcome,
    toolCalls: v.array(vToolCallRecord),
    promptChars: v.number(),
    tokensIn: v.number(),
    tokensOut: v.number(),
    costUsd: v.number(),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { runId, ...result }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return null;
    await finishRun(ctx, run, { ...result, toolCalls: result.toolCalls.slice(0, 50) }, Date.now());
    await chargeModelTokens(ctx, run, result.tokensIn + result.tokensOut);
    return null;
  },
});
