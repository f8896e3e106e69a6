/**
 * The life of one outbound send (`outboundSends.state`, a table this module owns), one named
 * transition each:
 *   queued as `pacing`          `createSend`, from sends.ts (`enqueueOutbound`)
 *   pacing → scheduled          `markScheduled`, when pacing.ts reserved a slot (the customer's
 *                               pair limit, then the number's window; `waitInPacing` meanwhile)
 *   scheduled → sending         `claimSend`, right before the provider call
 *   sending → sent              `settleSent`
 *   sending → failed            `settleFailed`: permanent error, or the retries are used up
 *   sending → pacing            `backToPacing`: transient error, retried after a backoff
 *   sending → unconfirmed       `awaitReconciliation`: an answer that does not say whether it
 *                               went out (timeout, reset, 502/504, 131000–131002), or the
 *                               watchdog found the claim stale (`moveStalledSend`)
 *   unconfirmed → sent | failed | pacing   reconciliation.ts (never a blind resend)
 * provider.ts only makes the calls (`getJob` → `claimSend` → call → `recordOutcome`); every
 * decision is taken here, in mutations. Every call is recorded in `attempts`.
 *
 * When an unconfirmed send is looked up: not before its call started + the send timeout + the
 * reconcile delay (`firstLookupDelayMs`), so a request still on its way to the provider has
 * arrived before its history is read; see reconciliation.ts for when it may be sent again.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { backoffMs } from "../lib/backoff";
import { setChannelData } from "../inbox/messages";
import { outboundConfig } from "../lib/config";
import { purgePage, type Purge } from "../lib/purge";
import type { SendAttempt } from "../lib/validators";
import { readProviderTarget } from "../whatsapp/connections";
import { applyPendingStatuses, mergeStatus } from "../whatsapp/statuses";
import { checkSlot, reserveNumberSlot } from "./pacing";

/** Attempt outcomes that were provider calls (the rest are reconciliation steps). */
const PROVIDER_CALLS: SendAttempt["outcome"][] = [
  "accepted",
  "transient",
  "permanent",
  "ambiguous",
];

/** Whether an attempt was a provider call (not a reconciliation step). */
export function isProviderCall(attempt: SendAttempt) {
  return PROVIDER_CALLS.includes(attempt.outcome);
}

/** How many provider calls a send has made. */
export function providerCalls(attempts: SendAttempt[]) {
  return attempts.filter(isProviderCall).length;
}

/**
 * Wait before the first history lookup of a call that started at `callStartedAt` with no
 * clear answer: at least the reconcile delay (time for a status echo), and never before the
 * call started + the send timeout + the reconcile delay, however early the call failed.
 */
export function firstLookupDelayMs(callStartedAt: number, now: number) {
  const { reconcileDelayMs, sendTimeoutMs } = outboundConfig();
  return Math.max(reconcileDelayMs, callStartedAt + sendTimeoutMs + reconcileDelayMs - now);
}

/** Delay before the next try after `attemptNumber` calls: doubling, jittered, capped. */
export function retryDelayMs(attemptNumber: number, baseMs: number, maxMs: number) {
  return backoffMs(attemptNumber, { baseMs, maxMs });
}

/** The fields of a new send (its state, attempts and timestamps are set here). */
export type NewSend = Omit<
  Doc<"outboundSends">,
  "_id" | "_creationTime" | "state" | "attempts" | "createdAt" | "updatedAt"
>;

/** Queued as `pacing`: the send record of a message `enqueueOutbound` just stored. */
export async function createSend(ctx: MutationCtx, send: NewSend, now: number) {
  return await ctx.db.insert("outboundSends", {
    ...send,
    state: "pacing",
    attempts: [],
    createdAt: now,
    updatedAt: now,
  });
}

/** Still `pacing`: the send queues for the number's window again at `nextAttemptAt`. */
export async function waitInPacing(
  ctx: MutationCtx,
  sendId: Id<"outboundSends">,
  nextAttemptAt: number,
  now: number,
) {
  await ctx.db.patch("outboundSends", sendId, { nextAttemptAt, updatedAt: now });
}

/** `pacing` → `scheduled`: the provider call is scheduled at `nextAttemptAt`, its slot. */
export async function markScheduled(
  ctx: MutationCtx,
  sendId: Id<"outboundSends">,
  nextAttemptAt: number,
  now: number,
) {
  await ctx.db.patch("outboundSends", sendId, {
    state: "scheduled",
    nextAttemptAt,
    updatedAt: now,
  });
}

/** What the provider action needs for one call; null when the send is no longer due. */
export const getJob = internalQuery({
  args: { sendId: v.id("outboundSends") },
  handler: async (ctx, { sendId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "scheduled") return null;
    return {
      messageId: send.messageId,
      recipient: send.recipient,
      content: send.content,
      templatePayload: send.templatePayload,
      providerMediaId: send.providerMediaId,
      target: await readProviderTarget(ctx, send.connectionId),
    };
  },
});

/** Keeps a file uploaded for this send, so retries reuse it, and shows it on the message. */
async function recordUploadedMedia(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  providerMediaId: string,
) {
  await ctx.db.patch("outboundSends", send._id, { providerMediaId });
  const message = await ctx.db.get("messages", send.messageId);
  if (message === null) return;
  await setChannelData(ctx, message._id, {
    ...message.channelData,
    media: { ...message.channelData.media, providerMediaId },
  });
}

/**
 * `scheduled` → `sending`, right before the call, when its pacing slot still holds (see
 * `checkSlot`); false when the call must not be made now. A file uploaded for the call is
 * recorded either way.
 */
export const claimSend = internalMutation({
  args: { sendId: v.id("outboundSends"), providerMediaId: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { sendId, providerMediaId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "scheduled") return false;
    if (providerMediaId !== undefined && providerMediaId !== send.providerMediaId) {
      await recordUploadedMedia(ctx, send, providerMediaId);
    }
    const now = Date.now();
    if (!(await checkSlot(ctx, send, now))) return false;
    await ctx.db.patch("outboundSends", sendId, {
      state: "sending",
      claimedAt: now,
      updatedAt: now,
    });
    return true;
  },
});

/**
 * → `sent`: records the provider's message id (or one found while reconciling). A message the
 * provider holds (`messageStatus` other than `accepted`) keeps its `queued` status until a
 * `sent` or `failed` report comes.
 */
export async function settleSent(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  providerMessageId: string,
  attempt: SendAttempt,
  messageStatus?: string,
) {
  await ctx.db.patch("outboundSends", send._id, {
    state: "sent",
    attempts: [...send.attempts, attempt],
    nextAttemptAt: undefined,
    updatedAt: Date.now(),
  });
  const message = await ctx.db.get("messages", send.messageId);
  if (message === null) return;
  // `sent` only raises the status: a status webhook may already have said delivered or read.
  const recorded = {
    ...message.channelData,
    providerMessageId,
    ...(messageStatus && { messageStatus }),
  };
  const held = messageStatus !== undefined && messageStatus !== "accepted";
  const channelData = held
    ? recorded
    : mergeStatus(recorded, { status: "sent", timestamp: attempt.finishedAt });
  await setChannelData(ctx, message._id, channelData);
  await applyPendingStatuses(ctx, { ...message, channelData });
}

/** → `failed`, with the provider's code and reason on the message. */
export async function settleFailed(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  attempts: SendAttempt[],
  error: { code: number; title: string; message?: string },
) {
  const now = Date.now();
  await ctx.db.patch("outboundSends", send._id, {
    state: "failed",
    attempts,
    nextAttemptAt: undefined,
    updatedAt: now,
  });
  const message = await ctx.db.get("messages", send.messageId);
  if (message === null) return;
  const channelData = mergeStatus(message.channelData, { status: "failed", timestamp: now, error });
  await setChannelData(ctx, message._id, channelData);
}

/** → `pacing`: back to the number's window, after `delayMs` (retries) or at once (resends). */
export async function backToPacing(
  ctx: MutationCtx,
  sendId: Id<"outboundSends">,
  attempts: SendAttempt[],
  delayMs: number,
) {
  const now = Date.now();
  if (delayMs <= 0) {
    await ctx.db.patch("outboundSends", sendId, { state: "pacing", attempts, updatedAt: now });
    await reserveNumberSlot(ctx, sendId);
    return;
  }
  await ctx.db.patch("outboundSends", sendId, {
    state: "pacing",
    attempts,
    nextAttemptAt: now + delayMs,
    updatedAt: now,
  });
  await ctx.scheduler.runAfter(delayMs, internal.outbound.pacing.paceForNumber, { sendId });
}

/** → `unconfirmed` (or stays so): the provider's history is checked after `delayMs`. */
export async function awaitReconciliation(
  ctx: MutationCtx,
  sendId: Id<"outboundSends">,
  attempts: SendAttempt[],
  delayMs: number,
) {
  const now = Date.now();
  await ctx.db.patch("outboundSends", sendId, {
    state: "unconfirmed",
    attempts,
    nextAttemptAt: now + delayMs,
    updatedAt: now,
  });
  await ctx.scheduler.runAfter(delayMs, internal.whatsapp.provider.reconcileOutbound, { sendId });
}

const vOutcome = v.union(
  v.object({
    kind: v.literal("accepted"),
    providerMessageId: v.string(),
    /** The send response's `message_status` (`accepted`, `held_for_quality_assessment`). */
    messageStatus: v.optional(v.string()),
  }),
  v.object({
    kind: v.union(v.literal("transient"), v.literal("permanent"), v.literal("ambiguous")),
    message: v.string(),
    code: v.optional(v.number()),
    httpStatus: v.optional(v.number()),
    /** The provider asked us to wait this long before trying again. */
    retryAfterMs: v.optional(v.number()),
  }),
);
type Failure = Exclude<Infer<typeof vOutcome>, { kind: "accepted" }>;

/** After a failed call: give up, retry later, or find out whether it went out after all. */
async function afterFailure(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  attempt: SendAttempt,
  failure: Failure,
) {
  const attempts = [...send.attempts, attempt];
  const config = outboundConfig();
  const calls = providerCalls(attempts);
  if (failure.kind === "ambiguous") {
    const delay = firstLookupDelayMs(attempt.startedAt, attempt.finishedAt);
    return await awaitReconciliation(ctx, send._id, attempts, delay);
  }
  if (failure.kind === "permanent" || calls >= config.maxAttempts) {
    return await settleFailed(ctx, send, attempts, {
      code: failure.code ?? failure.httpStatus ?? 0,
      title: failure.kind === "permanent" ? "Rejected by the provider" : "Gave up after retries",
      message: attempt.error,
    });
  }
  const delay = Math.max(
    retryDelayMs(calls, config.retryBaseMs, config.retryMaxDelayMs),
    failure.retryAfterMs ?? 0,
  );
  await backToPacing(ctx, send._id, attempts, delay);
}

/** The outcome of one provider call (or of its preparation: media upload, credentials). */
export const recordOutcome = internalMutation({
  args: { sendId: v.id("outboundSends"), startedAt: v.number(), outcome: vOutcome },
  returns: v.null(),
  handler: async (ctx, { sendId, startedAt, outcome }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null) return null;
    const finishedAt = Date.now();
    // A late acceptance of a call the watchdog gave up on still settles it.
    const late = send.state === "unconfirmed" && outcome.kind === "accepted";
    // `scheduled`: the call failed before it was claimed (media upload, missing credentials).
    if (send.state !== "sending" && send.state !== "scheduled" && !late) return null;
    if (outcome.kind === "accepted") {
      const attempt = { startedAt, finishedAt, outcome: "accepted" as const };
      await settleSent(ctx, send, outcome.providerMessageId, attempt, outcome.messageStatus);
      return null;
    }
    const attempt: SendAttempt = {
      startedAt,
      finishedAt,
      outcome: outcome.kind,
      httpStatus: outcome.httpStatus,
      code: outcome.code,
      error: outcome.message.slice(0, 500),
    };
    await afterFailure(ctx, send, attempt, outcome);
    return null;
  },
});

/** The states the watchdog looks after: each waits on an action that may have died. */
export const WATCHED_SEND_STATES = ["sending", "scheduled", "unconfirmed"] as const;

/**
 * Moves on a send whose action never reported back (ops/watchdog.ts finds them; the state or
 * `updatedAt` change makes each move happen once):
 * - `sending`: the action died after the claim, so the call may have gone out → reconciled
 *   like any unanswered call, from its claim time (never resent blindly);
 * - `scheduled`: the call's action never ran or died before the claim (nothing went out) →
 *   a new slot in the number's window;
 * - `unconfirmed`: the lookup's action died → the lookup runs again now.
 */
export async function moveStalledSend(ctx: MutationCtx, send: Doc<"outboundSends">, now: number) {
  if (send.state === "scheduled") return await reserveNumberSlot(ctx, send._id);
  if (send.state === "unconfirmed") {
    return await awaitReconciliation(ctx, send._id, send.attempts, 0);
  }
  if (send.state !== "sending") return;
  const startedAt = send.claimedAt ?? send.updatedAt;
  const attempt: SendAttempt = {
    startedAt,
    finishedAt: now,
    outcome: "ambiguous",
    error: "The send's action stopped after claiming it; the call may have gone out.",
  };
  await awaitReconciliation(
    ctx,
    send._id,
    [...send.attempts, attempt],
    firstLookupDelayMs(startedAt, now),
  );
}

/** Retention (ops/retention.ts): one page of sends created before `cutoff`; unsettled ones stay. */
export const purgeSendsOlderThan: Purge = async (ctx, cutoff, page) => {
  const sends = await ctx.db
    .query("outboundSends")
    .withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff))
    .paginate(page);
  return await purgePage(
    sends,
    (send) => ctx.db.delete("outboundSends", send._id),
    (send) => send.state === "sent" || send.state === "failed",
  );
};
