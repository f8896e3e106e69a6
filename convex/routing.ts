/**
 * Routing of inbound messages to an agent. The ingest mutation bumps `thread.generation` for
 * every new customer message and schedules `route` after a short coalescing window; a run
 * whose generation is no longer current was superseded by a newer message and does nothing,
 * so a burst of messages gets one turn, run by agentTurn.ts (router, agent, model, reply).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction, internalQuery } from "./_generated/server";
import { runAgentTurn } from "./agentTurn";
import { routingCoalesceMs } from "./lib/config";

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

export const route = internalAction({
  args: { threadId: v.id("threads"), generation: v.number() },
  returns: v.null(),
  handler: async (ctx, { threadId, generation }) => {
    const thread = await ctx.runQuery(internal.routing.getThreadForRouting, { threadId });
    if (thread === null || thread.generation !== generation) return null; // stale: superseded
    await runAgentTurn(ctx, { threadId, generation });
    return null;
  },
});
