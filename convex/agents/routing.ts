/**
 * Routing of inbound messages to an agent. The ingest mutation bumps `thread.generation` for
 * every new customer message and schedules `route` after a short coalescing window; a run
 * whose generation is no longer current was superseded by a newer message and does nothing,
 * so a burst of messages gets one turn, run by agentTurn.ts (router, agent, model, reply). A
 * turn over its tenant's fairness limits is rescheduled here by `agentRuns.begin`, not dropped.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalQuery } from "../_generated/server";
import { runAgentTurn } from "./turn";
import { routingCoalesceMs } from "../lib/config";

/** Default wait before routing a new inbound message (override with ROUTING_COALESCE_MS). */
export const ROUTING_COALESCE_MS = 2000;

/** The coalescing window in effect on this deployment. */
export function routingDelayMs(): number {
  return routingCoalesceMs(ROUTING_COALESCE_MS);
}

export const getThreadForRouting = internalQuery({
  args: { threadId: v.id("threads") },
  handler: async (ctx, { threadId }) => {
    const thread = await ctx.db.get("threads", threadId);
    if (thread === null) return null;
    return { generation: thread.generation, owner: thread.owner };
  },
});

/**
 * `reserved`: a turn delayed by the tenant's limits, already holding its slot (tenantLimits.ts).
 * `handoverFrom`: the run of an agent that passed the thread to another agent (agents.handoff).
 */
export const route = internalAction({
  args: {
    threadId: v.id("threads"),
    generation: v.number(),
    reserved: v.optional(v.boolean()),
    handoverFrom: v.optional(v.id("agentRuns")),
  },
  returns: v.null(),
  handler: async (ctx, { threadId, generation, reserved, handoverFrom }) => {
    const thread = await ctx.runQuery(internal.agents.routing.getThreadForRouting, { threadId });
    if (thread === null || thread.generation !== generation) return null; // stale: superseded
    await runAgentTurn(ctx, {
      threadId,
      generation,
      ...(reserved !== undefined ? { reserved } : {}),
      ...(handoverFrom !== undefined ? { handoverFrom } : {}),
    });
    return null;
  },
});
