/**
 * A turn that outlived its action: the action hit Convex's time limit or died, and its run
 * stays `running` with no reply. The watchdog (ops/watchdog.ts) closes it here, once (the
 * outcome leaves `running`), like a turn whose model kept failing: the customer gets the
 * agent's fallback reply, and the thread goes to a person per the agent's failure policy.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { handOffToHuman } from "../inbox/handoff";
import { isAppError } from "../lib/errors";
import type { RunOutcome } from "../lib/validators";
import { enqueueOutbound } from "../outbound/sends";
import { finishRun, setRunOutcome } from "./runs";
import { fallbackStreak } from "./turnSteps";

/** Newest messages of the thread read to see whether the run already replied. */
const REPLY_LOOKBACK = 20;

/** The agent whose policy applies: the run's, else its router's fallback agent. */
async function agentOf(ctx: MutationCtx, run: Doc<"agentRuns">) {
  if (run.agentId !== undefined) return await ctx.db.get("agents", run.agentId);
  const router = run.routerId ? await ctx.db.get("routers", run.routerId) : null;
  return router ? await ctx.db.get("agents", router.fallbackAgentId) : null;
}

/** Whether the run sent its reply before its action stopped. */
async function alreadyReplied(ctx: MutationCtx, run: Doc<"agentRuns">) {
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_seq", (q) => q.eq("threadId", run.threadId))
    .order("desc")
    .take(REPLY_LOOKBACK);
  return newest.some((m) => m.agentRunId === run._id);
}

/** The fallback reply, when it can still be sent (e.g. the 24-hour window may have closed). */
async function sendFallback(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  run: Doc<"agentRuns">,
  text: string,
) {
  try {
    await enqueueOutbound(ctx, {
      threadId: thread._id,
      role: "assistant",
      agentRunId: run._id,
      content: { kind: "text", text },
    });
    return true;
  } catch (error) {
    if (!isAppError(error)) throw error;
    return false;
  }
}

/** Closes a `running` run that outlived its action (the watchdog's deadline passed). */
export async function moveStalledTurn(ctx: MutationCtx, run: Doc<"agentRuns">, now: number) {
  if (run.outcome !== "running") return;
  const minutes = Math.round((now - run.startedAt) / 60_000);
  const why = `The turn did not finish: its action stopped (${minutes} min after it started).`;
  const close = (outcome: RunOutcome, extra: Partial<Doc<"agentRuns">> = {}) =>
    finishRun(ctx, run, { outcome, error: why, ...extra }, now);
  const thread = await ctx.db.get("threads", run.threadId);
  if (thread === null) return await close("failed");
  // A newer message started a newer turn, which answers; a person may own the thread now.
  if (thread.generation !== run.generation) return await close("superseded");
  if (thread.owner !== "ai") return await close("failed");
  if (await alreadyReplied(ctx, run)) return await close("replied");
  const agent = await agentOf(ctx, run);
  if (agent === null) return await close("failed");
  const sent = await sendFallback(ctx, thread, run, agent.handoff.fallbackReply);
  await close("failed", sent ? { usedFallback: true } : {});
  const streak = await fallbackStreak(ctx, { ...run, usedFallback: sent });
  if (!agent.handoff.handoffOnFailure && streak.consecutive < streak.limit) return;
  await handOffToHuman(ctx, thread, {
    reason: "repeated_failure",
    summary: `The AI could not answer (${why})`.slice(0, 500),
    by: { kind: "agent", agentId: agent._id },
    now,
    trigger: { signal: "model_unavailable", detail: why },
  });
  await setRunOutcome(ctx, run._id, "handed_off");
}
