/**
 * Settling an `unconfirmed` send (its provider call got no clear answer: a timeout, a reset, a
 * gateway's 502/504, Meta's 131000–131002, or an action that died after the claim), without
 * ever sending a duplicate. Each send carries our message id as `biz_opaque_callback_data`: a
 * status webhook echoing it (statuses.ts writes the provider id on the row) settles it; for
 * Kapso numbers the provider's message history is searched, every page of it. Meta-direct
 * numbers have no history API: with no echo, the send ends `failed` ("unconfirmed") rather
 * than risking a duplicate.
 *
 * "Not found" is trusted only when it cannot be early. A request may reach the provider well
 * after our call gave up on it, so: the first lookup runs no sooner than the call's start + the
 * send timeout + the reconcile delay (lifecycle.ts, `firstLookupDelayMs`), and a send is sent
 * again only after NOT_FOUND_LOOKUPS lookups in a row, each a reconcile delay after the last,
 * found nothing. A history that cannot be read in full is a failed lookup, never "not found".
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { backoffMs } from "../lib/backoff";
import { outboundConfig } from "../lib/config";
import type { SendAttempt } from "../lib/validators";
import { readProviderTarget } from "../whatsapp/connections";
import {
  awaitReconciliation,
  backToPacing,
  isProviderCall,
  providerCalls,
  settleFailed,
  settleSent,
} from "./lifecycle";

/** History lookups of one unconfirmed send that fail before it is given up. */
const MAX_LOOKUPS = 4;
/** Lookups in a row, spaced a reconcile delay apart, that must find nothing before a resend. */
export const NOT_FOUND_LOOKUPS = 2;

/** "Not found" answers since the last provider call. */
function notFoundSinceLastCall(attempts: SendAttempt[]) {
  let count = 0;
  for (let i = attempts.length - 1; i >= 0 && !isProviderCall(attempts[i]!); i--) {
    if (attempts[i]!.outcome === "not_found") count++;
  }
  return count;
}

const UNCONFIRMED = {
  code: 0,
  title: "Send unconfirmed",
  message:
    "The provider did not answer and no status confirmed the message; it was not resent to avoid a duplicate.",
};

/** The history could not be read: look again later (never resend on a guess), then give up. */
async function lookupFailed(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  startedAt: number,
  error: string,
) {
  const lookups = send.attempts.filter((a) => a.outcome === "lookup_failed").length;
  const attempt: SendAttempt = {
    startedAt,
    finishedAt: Date.now(),
    outcome: "lookup_failed",
    error,
  };
  const attempts = [...send.attempts, attempt];
  if (lookups + 1 >= MAX_LOOKUPS) return await settleFailed(ctx, send, attempts, UNCONFIRMED);
  // reconcileDelay·2, ·4, ·8: the same wait every time, no jitter needed for one send.
  const delay = backoffMs(lookups + 2, {
    baseMs: outboundConfig().reconcileDelayMs,
    jitter: [0, 0],
  });
  await awaitReconciliation(ctx, send._id, attempts, delay);
}

/**
 * The provider has no such message: look once more a reconcile delay later (the request may
 * still be on its way), then send it again, unless the calls are used up.
 */
async function notFound(ctx: MutationCtx, send: Doc<"outboundSends">, startedAt: number) {
  const attempt: SendAttempt = { startedAt, finishedAt: Date.now(), outcome: "not_found" };
  const attempts = [...send.attempts, attempt];
  if (notFoundSinceLastCall(attempts) < NOT_FOUND_LOOKUPS) {
    return await awaitReconciliation(ctx, send._id, attempts, outboundConfig().reconcileDelayMs);
  }
  if (providerCalls(attempts) >= outboundConfig().maxAttempts) {
    return await settleFailed(ctx, send, attempts, {
      code: 0,
      title: "Gave up after retries",
      message: "The provider never confirmed the message.",
    });
  }
  await backToPacing(ctx, send._id, attempts, 0);
}

/**
 * Settles what can be settled without the provider (a status echo of our id; a Meta-direct
 * number, which has no history to search; a number no longer connected) and otherwise returns
 * what the history lookup needs; null when there is nothing to look up.
 */
export const startReconciliation = internalMutation({
  args: { sendId: v.id("outboundSends") },
  handler: async (ctx, { sendId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "unconfirmed") return null;
    const startedAt = Date.now();
    const message = await ctx.db.get("messages", send.messageId);
    const echoed = message?.channelData.providerMessageId;
    if (echoed !== undefined) {
      await settleSent(ctx, send, echoed, { startedAt, finishedAt: startedAt, outcome: "found" });
      return null;
    }
    const target = await readProviderTarget(ctx, send.connectionId);
    if (target === null) {
      await lookupFailed(ctx, send, startedAt, "This number is not connected.");
      return null;
    }
    if (target.provider !== "kapso") {
      const attempt: SendAttempt = { startedAt, finishedAt: startedAt, outcome: "ambiguous" };
      await settleFailed(ctx, send, [...send.attempts, attempt], UNCONFIRMED);
      return null;
    }
    // From the first unanswered call: any of them may be the one that went out.
    const firstCall = send.attempts.find((a) => a.outcome === "ambiguous");
    return {
      target,
      startedAt,
      connectionId: send.connectionId,
      messageId: send.messageId,
      recipient: send.recipient,
      content: send.content,
      since: firstCall?.startedAt ?? send.createdAt,
    };
  },
});

/** Whether a provider message id already belongs to one of our rows on this number. */
export const isProviderIdClaimed = internalQuery({
  args: { connectionId: v.id("whatsappConnections"), providerMessageId: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { connectionId, providerMessageId }) => {
    const row = await ctx.db
      .query("messages")
      .withIndex("by_connectionId_and_providerMessageId", (q) =>
        q.eq("connectionId", connectionId).eq("channelData.providerMessageId", providerMessageId),
      )
      .first();
    return row !== null;
  },
});

/** What the provider's history said about an unconfirmed send. */
export const recordLookup = internalMutation({
  args: {
    sendId: v.id("outboundSends"),
    startedAt: v.number(),
    result: v.union(
      v.object({ kind: v.literal("found"), providerMessageId: v.string() }),
      v.object({ kind: v.literal("not_found") }),
      v.object({ kind: v.literal("lookup_failed"), error: v.string() }),
    ),
  },
  returns: v.null(),
  handler: async (ctx, { sendId, startedAt, result }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "unconfirmed") return null;
    if (result.kind === "found") {
      await settleSent(ctx, send, result.providerMessageId, {
        startedAt,
        finishedAt: Date.now(),
        outcome: "found",
      });
    } else if (result.kind === "lookup_failed") {
      await lookupFailed(ctx, send, startedAt, result.error);
    } else {
      await notFound(ctx, send, startedAt);
    }
    return null;
  },
});
