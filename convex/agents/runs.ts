/**
 * Agent runs (`agentRuns`), which this module owns: every write of a run goes through the
 * helpers below (the turn's steps in turnSteps.ts and turnSignals.ts, tool effects, the
 * watchdog, retention), and the dashboard's view of runs: what each turn decided, called and
 * cost, newest first. The turn itself is turn.ts.
 */
import type { WithoutSystemFields } from "convex/server";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { getOwned, orgQuery } from "../lib/auth";
import { purgePage, type Purge } from "../lib/purge";
import { agentRunFields, type RunOutcome } from "../lib/validators";

/** One run as the dashboard sees it (everything but the tenant keys). */
export const vAgentRunView = v.object({
  _id: v.id("agentRuns"),
  _creationTime: v.number(),
  ...agentRunFields,
});

function runView(run: Doc<"agentRuns">) {
  const { organizationId: _o, environment: _e, ...view } = run;
  return view;
}

/** Agent runs, newest first: of one thread, or of the whole environment. */
export const list = orgQuery({
  args: { threadId: v.optional(v.id("threads")), limit: v.optional(v.number()) },
  returns: v.array(vAgentRunView),
  handler: async (ctx, { threadId, limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? 50)), 200);
    if (threadId !== undefined) {
      await getOwned(ctx, ctx.tenant, "threads", threadId);
      const runs = await ctx.db
        .query("agentRuns")
        .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", threadId))
        .order("desc")
        .take(n);
      return runs.map(runView);
    }
    const runs = await ctx.db
      .query("agentRuns")
      .withIndex("by_organizationId_and_environment_and_startedAt", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .order("desc")
      .take(n);
    return runs.map(runView);
  },
});

// --- Writes of a run -------------------------------------------------------------------------

/** Records a run (`running`, or closed at once with its outcome). */
export async function insertRun(ctx: MutationCtx, run: WithoutSystemFields<Doc<"agentRuns">>) {
  return await ctx.db.insert("agentRuns", run);
}

/**
 * Closes a run with its outcome (and what else the closer knows: cost, tool calls, an error),
 * stamping when it finished and how long it took.
 */
export async function finishRun(
  ctx: MutationCtx,
  run: Doc<"agentRuns">,
  result: Partial<Doc<"agentRuns">> & { outcome: RunOutcome },
  now: number,
) {
  await ctx.db.patch("agentRuns", run._id, {
    ...result,
    finishedAt: now,
    latencyMs: now - run.startedAt,
  });
}

/** The outcome a closed run ends with after all (e.g. it handed the thread off on closing). */
export async function setRunOutcome(ctx: MutationCtx, runId: Id<"agentRuns">, outcome: RunOutcome) {
  await ctx.db.patch("agentRuns", runId, { outcome });
}

/** The agent a `classify` router chose for the run, and why. */
export async function recordRunDecision(
  ctx: MutationCtx,
  runId: Id<"agentRuns">,
  decision: { agentId: Id<"agents">; reason: string },
) {
  await ctx.db.patch("agentRuns", runId, { agentId: decision.agentId, decision });
}

/** The run sent its agent's fallback reply. */
export async function markFallbackUsed(ctx: MutationCtx, runId: Id<"agentRuns">) {
  await ctx.db.patch("agentRuns", runId, { usedFallback: true });
}

/** Something the run could not do, shown with it (the run itself goes on). */
export async function noteRunError(ctx: MutationCtx, runId: Id<"agentRuns">, error: string) {
  await ctx.db.patch("agentRuns", runId, { error });
}

/** The model's judgement (`conversation.assess`): does the turn answer an unresolved problem. */
export async function recordUnresolved(
  ctx: MutationCtx,
  runId: Id<"agentRuns">,
  unresolved: boolean,
) {
  await ctx.db.patch("agentRuns", runId, { unresolved });
}

/** A message the run sent to a number other than the customer's (`whatsapp.send` with `to`). */
export async function recordSentTo(
  ctx: MutationCtx,
  run: Doc<"agentRuns">,
  sent: NonNullable<Doc<"agentRuns">["sentTo"]>[number],
) {
  await ctx.db.patch("agentRuns", run._id, { sentTo: [...(run.sentTo ?? []), sent] });
}

/** Retention (ops/retention.ts): one page of runs started before `cutoff`; running ones stay. */
export const purgeRunsOlderThan: Purge = async (ctx, cutoff, page) => {
  const runs = await ctx.db
    .query("agentRuns")
    .withIndex("by_startedAt", (q) => q.lt("startedAt", cutoff))
    .paginate(page);
  return await purgePage(
    runs,
    (run) => ctx.db.delete("agentRuns", run._id),
    (run) => run.outcome !== "running",
  );
};
