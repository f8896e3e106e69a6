/**
 * Retention: the logs that grow with traffic (webhook deliveries, agent runs, hook calls,
 * notifications, handoff events, send records, finished bulk replays) keep their rows for a
 * configurable number of days (`RETENTION_*_DAYS`, lib/config.ts). A daily cron starts one purge
 * per table; each purge deletes a bounded batch of rows older than the cutoff and schedules
 * itself again while more remain. Rows still in use (a running turn or replay, a pending hook
 * call or send) are skipped; the conversation itself (threads, messages, contacts, memories) is
 * never deleted here. Each table's purge is a helper of the module that owns the table.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation } from "../_generated/server";
import { purgeRunsOlderThan } from "../agents/runs";
import { purgeHandoffEventsOlderThan, purgeNotificationsOlderThan } from "../inbox/handoff";
import { purgeHookDeliveriesOlderThan } from "../inbox/hooks";
import { RETENTION_DEFAULTS, retentionDays, type RetainedTable } from "../lib/config";
import type { Purge } from "../lib/purge";
import { purgeMediaOlderThan } from "../media/store";
import { purgeSendsOlderThan } from "../outbound/lifecycle";
import { purgeDeliveriesOlderThan } from "../whatsapp/deliveries";
import { purgeReplayJobsOlderThan } from "../whatsapp/deliveryReplay";

/** Rows one purge run reads at most (each run is one mutation, far below Convex's limits). */
export const RETENTION_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

export const vRetainedTable = v.union(
  v.literal("webhookDeliveries"),
  v.literal("agentRuns"),
  v.literal("hookDeliveries"),
  v.literal("notifications"),
  v.literal("handoffEvents"),
  v.literal("outboundSends"),
  v.literal("mediaFiles"),
  v.literal("deliveryReplayJobs"),
);

/**
 * Each table's purge, in the module that owns it: one page of rows before `cutoff` by the
 * table's time index, deleting those no longer in use.
 */
const PURGES: Record<RetainedTable, Purge> = {
  webhookDeliveries: purgeDeliveriesOlderThan,
  agentRuns: purgeRunsOlderThan,
  hookDeliveries: purgeHookDeliveriesOlderThan,
  notifications: purgeNotificationsOlderThan,
  handoffEvents: purgeHandoffEventsOlderThan,
  outboundSends: purgeSendsOlderThan,
  // Stored media copies: the file goes with its row; the message keeps the metadata.
  mediaFiles: purgeMediaOlderThan,
  // Bulk replays of failed deliveries: finished ones only.
  deliveryReplayJobs: purgeReplayJobsOlderThan,
};

/** Starts one purge per table whose retention is on (the daily cron). */
export const run = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    for (const table of Object.keys(RETENTION_DEFAULTS) as RetainedTable[]) {
      const days = retentionDays(table);
      if (days === null) continue;
      await ctx.scheduler.runAfter(0, internal.ops.retention.purge, {
        table,
        cutoff: Date.now() - days * DAY_MS,
        cursor: null,
      });
    }
    return null;
  },
});

/**
 * Deletes one batch of `table`'s rows older than `cutoff` and, while the index has more, runs
 * again from where it stopped (so rows it must keep are passed over, not read forever).
 */
export const purge = internalMutation({
  args: { table: vRetainedTable, cutoff: v.number(), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  handler: async (ctx, { table, cutoff, cursor }) => {
    const page = await PURGES[table](ctx, cutoff, { numItems: RETENTION_BATCH, cursor });
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.ops.retention.purge, {
        table,
        cutoff,
        cursor: page.continueCursor,
      });
    }
    return { deleted: page.deleted, done: page.isDone };
  },
});
