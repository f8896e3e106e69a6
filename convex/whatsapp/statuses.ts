/**
 * Delivery statuses of our outbound messages (sent → delivered → read → played, or failed),
 * reported by webhooks in any order, any number of times. `mergeStatus` is the whole rule:
 *
 * - Every report records its stage's timestamp (`sentAt`, `deliveredAt`, `readAt`, `playedAt`,
 *   `failedAt`), even when it arrives late; a stage's first timestamp is kept on duplicates.
 * - Without a `failed` report the status is the highest stage reported:
 *   queued < sent < delivered < read < played. A late `delivered` never overwrites `read`.
 * - `failed` is terminal: once reported, the status is `failed` whatever arrives before or after
 *   it, and the first error (code, title, message, details) is kept.
 *
 * So the final state depends only on the set of reports, never on their order: for the 24
 * orders of {sent, delivered, read, failed} it is always `failed` with all four timestamps; for
 * the 6 orders of {sent, delivered, read} it is `read` with three. `ingestStatus` is the one entry
 * for a status webhook: a status whose outbound row is not there yet is parked in
 * `pendingStatuses`, and the outbound code calls `applyPendingStatuses` once the row has its
 * provider message id. This module owns `pendingStatuses`; the message rows change through
 * inbox/messages.ts.
 */
import type { Doc, Id } from "../_generated/dataModel";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalMutation, type MutationCtx } from "../_generated/server";
import type { ChannelData, DeliveryStatus, StatusUpdate } from "../lib/validators";
import { setChannelData } from "../inbox/messages";

const RANK: Record<DeliveryStatus, number> = {
  received: 0,
  queued: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5,
};

const STAMP = {
  sent: "sentAt",
  delivered: "deliveredAt",
  read: "readAt",
  played: "playedAt",
  failed: "failedAt",
} as const;

/** Merges one status report into an outbound message's channel data (pure, order-independent). */
export function mergeStatus(data: ChannelData, update: StatusUpdate): ChannelData {
  const stampKey = STAMP[update.status];
  const statusTimestamps = { ...data.statusTimestamps };
  if (statusTimestamps[stampKey] === undefined) statusTimestamps[stampKey] = update.timestamp;
  const status = RANK[update.status] > RANK[data.status] ? update.status : data.status;
  const error =
    update.status === "failed" && data.error === undefined && update.error !== undefined
      ? update.error
      : data.error;
  return {
    ...data,
    status,
    statusTimestamps,
    ...(error !== undefined ? { error } : {}),
  };
}

/** Whether a report would change nothing (a redelivered status). */
function isDuplicateStatus(data: ChannelData, update: StatusUpdate): boolean {
  return JSON.stringify(mergeStatus(data, update)) === JSON.stringify(data);
}

/** Applies reports to an outbound message row; inbound rows have no delivery ladder. */
export async function applyStatusUpdates(
  ctx: MutationCtx,
  message: Doc<"messages">,
  updates: StatusUpdate[],
): Promise<{ changed: boolean }> {
  if (message.channelData.direction !== "outbound") return { changed: false };
  let data = message.channelData;
  for (const update of updates) data = mergeStatus(data, update);
  if (JSON.stringify(data) === JSON.stringify(message.channelData)) return { changed: false };
  await setChannelData(ctx, message._id, data);
  return { changed: true };
}

/** Parks a status whose outbound row does not exist (yet); duplicates are stored once. */
async function parkStatus(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  providerMessageId: string,
  update: StatusUpdate,
  receivedAt: number,
): Promise<{ parked: boolean }> {
  const existing = await ctx.db
    .query("pendingStatuses")
    .withIndex("by_connectionId_and_providerMessageId_and_status", (q) =>
      q
        .eq("connectionId", connection._id)
        .eq("providerMessageId", providerMessageId)
        .eq("status", update.status),
    )
    .first();
  if (existing !== null) return { parked: false };
  await ctx.db.insert("pendingStatuses", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    connectionId: connection._id,
    providerMessageId,
    status: update.status,
    update,
    bizOpaqueCallbackData: update.bizOpaqueCallbackData,
    receivedAt,
  });
  return { parked: true };
}

/**
 * Applies and deletes the statuses parked for a message. The outbound code calls this right
 * after it records `channelData.providerMessageId` on the row.
 */
export async function applyPendingStatuses(
  ctx: MutationCtx,
  message: Doc<"messages">,
): Promise<void> {
  const providerMessageId = message.channelData.providerMessageId;
  if (providerMessageId === undefined) return;
  const pending = await ctx.db
    .query("pendingStatuses")
    .withIndex("by_connectionId_and_providerMessageId_and_status", (q) =>
      q.eq("connectionId", message.connectionId).eq("providerMessageId", providerMessageId),
    )
    .take(20);
  if (pending.length === 0) return;
  await applyStatusUpdates(
    ctx,
    message,
    pending.map((p) => p.update),
  );
  for (const p of pending) await ctx.db.delete("pendingStatuses", p._id);
}

/**
 * Finds the outbound row a status is about: by provider message id, or, when the send response
 * has not been recorded yet, by a `biz_opaque_callback_data` that names one of our message rows
 * of the same connection that has no provider id yet (the id is then recorded on it).
 */
async function findStatusTarget(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  providerMessageId: string,
  bizOpaqueCallbackData: string | undefined,
): Promise<Doc<"messages"> | null> {
  const byId = await ctx.db
    .query("messages")
    .withIndex("by_connectionId_and_providerMessageId", (q) =>
      q.eq("connectionId", connectionId).eq("channelData.providerMessageId", providerMessageId),
    )
    .first();
  if (byId !== null || bizOpaqueCallbackData === undefined) return byId;
  const rowId = ctx.db.normalizeId("messages", bizOpaqueCallbackData);
  if (rowId === null) return null;
  const row = await ctx.db.get("messages", rowId);
  if (
    row === null ||
    row.connectionId !== connectionId ||
    row.channelData.direction !== "outbound" ||
    row.channelData.providerMessageId !== undefined
  ) {
    return null;
  }
  const channelData = { ...row.channelData, providerMessageId };
  await setChannelData(ctx, row._id, channelData);
  return { ...row, channelData };
}

/** What one status report did: applied to its row, parked for later, or nothing. */
export type StatusOutcome = "applied" | "parked" | "duplicate" | "ignored";

/**
 * One status report of a webhook, for a verified connection: applied to the outbound row it is
 * about (then anything parked for that row too), parked when the row is not there yet, or
 * recognised as a redelivery. Reports about inbound rows are ignored.
 */
export async function ingestStatus(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  report: { providerMessageId: string; update: StatusUpdate; receivedAt: number },
): Promise<StatusOutcome> {
  const { providerMessageId, update, receivedAt } = report;
  const target = await findStatusTarget(
    ctx,
    connection._id,
    providerMessageId,
    update.bizOpaqueCallbackData,
  );
  if (target === null) {
    const { parked } = await parkStatus(ctx, connection, providerMessageId, update, receivedAt);
    return parked ? "parked" : "duplicate";
  }
  if (target.channelData.direction !== "outbound") return "ignored";
  if (isDuplicateStatus(target.channelData, update)) return "duplicate";
  await applyStatusUpdates(ctx, target, [update]);
  const fresh = await ctx.db.get("messages", target._id);
  if (fresh !== null) await applyPendingStatuses(ctx, fresh);
  return "applied";
}

/** Parked statuses whose message never appeared (e.g. sent by another tool) are kept this long. */
export const PENDING_STATUS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PURGE_BATCH = 500;

/**
 * Deletes parked statuses older than the retention, a batch at a time, rescheduling itself
 * while more remain (run by crons.ts). Returns how many it deleted in this batch.
 */
export const purgeStalePendingStatuses = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const cutoff = Date.now() - PENDING_STATUS_RETENTION_MS;
    const stale = await ctx.db
      .query("pendingStatuses")
      .withIndex("by_receivedAt", (q) => q.lt("receivedAt", cutoff))
      .take(PURGE_BATCH);
    for (const row of stale) await ctx.db.delete("pendingStatuses", row._id);
    if (stale.length === PURGE_BATCH) {
      await ctx.scheduler.runAfter(0, internal.whatsapp.statuses.purgeStalePendingStatuses, {});
    }
    return stale.length;
  },
});
