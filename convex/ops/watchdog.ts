/**
 * The watchdog: work whose action died leaves a row in progress forever (a send `sending`
 * after its claim, `scheduled` or `unconfirmed` with no action left to run it; an agent turn
 * `running` past the action time limit). A cron sweeps rows that have not moved for
 * `WATCHDOG_STALE_MS` (lib/config.ts) and hands each to its own module, which moves it on
 * exactly once: sends to outbound/lifecycle.ts (never a blind resend), turns to
 * agents/stalledTurns.ts (fallback reply, and a handoff per the agent's policy).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { watchdogStaleMs } from "../lib/config";
import { moveStalledTurn } from "../agents/stalledTurns";
import { moveStalledSend, WATCHED_SEND_STATES } from "../outbound/lifecycle";

/** Sends one sweep moves at most per state (one mutation, far below Convex's limits). */
export const WATCHDOG_BATCH = 100;
/** Turns one sweep closes at most (each may queue a reply and hand off: more writes). */
export const WATCHDOG_TURN_BATCH = 25;

/** Sends stuck in `state` since before `cutoff` (and due before it), moved on; how many. */
async function moveStuckSends(
  ctx: MutationCtx,
  state: (typeof WATCHED_SEND_STATES)[number],
  cutoff: number,
  now: number,
) {
  const rows = await ctx.db
    .query("outboundSends")
    .withIndex("by_state_and_updatedAt", (q) => q.eq("state", state).lt("updatedAt", cutoff))
    .take(WATCHDOG_BATCH);
  let moved = 0;
  for (const send of rows) {
    // A send waiting for a far slot or lookup is not stuck until that time has long passed.
    if (state !== "sending" && (send.nextAttemptAt ?? send.updatedAt) >= cutoff) continue;
    await moveStalledSend(ctx, send, now);
    moved++;
  }
  return { moved, full: rows.length === WATCHDOG_BATCH };
}

/** Agent turns still `running` that started before `cutoff`, closed; how many. */
async function moveStuckTurns(ctx: MutationCtx, cutoff: number, now: number) {
  const runs = await ctx.db
    .query("agentRuns")
    .withIndex("by_outcome_and_startedAt", (q) =>
      q.eq("outcome", "running").lt("startedAt", cutoff),
    )
    .take(WATCHDOG_TURN_BATCH);
  for (const run of runs) await moveStalledTurn(ctx, run, now);
  return { moved: runs.length, full: runs.length === WATCHDOG_TURN_BATCH };
}

/** One sweep (the cron's); sweeps again at once while a batch came back full. */
export const sweep = internalMutation({
  args: {},
  returns: v.object({ sends: v.number(), turns: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const cutoff = now - watchdogStaleMs();
    let sends = 0;
    let more = false;
    for (const state of WATCHED_SEND_STATES) {
      const { moved, full } = await moveStuckSends(ctx, state, cutoff, now);
      sends += moved;
      more ||= full && moved > 0;
    }
    const turns = await moveStuckTurns(ctx, cutoff, now);
    more ||= turns.full;
    if (more) await ctx.scheduler.runAfter(0, internal.ops.watchdog.sweep, {});
    return { sends, turns: turns.moved };
  },
});
