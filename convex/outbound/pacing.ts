/**
 * Pacing of outbound sends, so throttled sends wait in order instead of being dropped: a token
 * of the customer's pair limit (Meta: 1 per 6 s, bursts of 45), then a slot in the number's
 * per-second window (80/s by default, `connection.pacing`), both reserved with
 * @convex-dev/rate-limiter. Every retry and resend comes back through the number's window, so a
 * retry storm cannot exceed the rate. `checkSlot` re-checks both when the call is claimed.
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { outboundConfig } from "../lib/config";
import { markScheduled, waitInPacing } from "./lifecycle";

const rateLimiter = new RateLimiter(components.rateLimiter);

/** Meta's pair limit (one message per customer every few seconds, with a burst allowance). */
function pairLimit() {
  const config = outboundConfig();
  return {
    kind: "token bucket" as const,
    rate: config.pairPerMinute,
    period: 60_000,
    capacity: config.pairBurst,
  };
}

/** `pacing`, waiting `wait` ms before it queues for the number's window again. */
async function waitForNumber(ctx: MutationCtx, sendId: Id<"outboundSends">, wait: number) {
  const now = Date.now();
  await waitInPacing(ctx, sendId, now + wait, now);
  await ctx.scheduler.runAfter(wait, internal.outbound.pacing.paceForNumber, { sendId });
}

/**
 * First pacing stage of a new send: a reserved token of the customer's pair limit, which
 * spreads a burst to one customer over time before it queues for the number. The limit is
 * enforced again, authoritatively, when the call is claimed (`checkSlot`), because time spent
 * queueing for the number could otherwise bunch the spread-out sends back together.
 */
export async function paceForCustomer(
  ctx: MutationCtx,
  send: Pick<Doc<"outboundSends">, "_id" | "connectionId" | "recipient">,
) {
  const pair = await rateLimiter.limit(ctx, "whatsappPairQueue", {
    key: `${send.connectionId}:${send.recipient}`,
    reserve: true,
    config: pairLimit(),
  });
  const wait = Math.max(0, Math.ceil(pair.retryAfter ?? 0));
  if (wait > 0) await waitForNumber(ctx, send._id, wait);
  else await reserveNumberSlot(ctx, send._id);
}

/**
 * Second pacing stage (also the entry of every retry and resend), `pacing` → `scheduled`: a
 * slot in the number's per-second window, aligned to whole seconds; the provider call is
 * scheduled at the slot.
 */
export async function reserveNumberSlot(ctx: MutationCtx, sendId: Id<"outboundSends">) {
  const send = await ctx.db.get("outboundSends", sendId);
  if (send === null || send.state === "sent" || send.state === "failed") return;
  const connection = await ctx.db.get("whatsappConnections", send.connectionId);
  const perSecond = Math.max(1, Math.floor(connection?.pacing.messagesPerSecond ?? 80));
  const slot = await rateLimiter.limit(ctx, "whatsappNumber", {
    key: send.connectionId,
    reserve: true,
    config: { kind: "fixed window", rate: perSecond, period: 1_000, start: 0 },
  });
  const wait = Math.max(0, Math.ceil(slot.retryAfter ?? 0));
  const now = Date.now();
  await markScheduled(ctx, sendId, now + wait, now);
  await ctx.scheduler.runAfter(wait, internal.whatsapp.provider.sendOutbound, { sendId });
}

/** Scheduled when a send has waited out its customer's pair limit or a retry delay. */
export const paceForNumber = internalMutation({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    await reserveNumberSlot(ctx, sendId);
    return null;
  },
});

/**
 * Whether a `scheduled` send may make its call now. A call that runs too late for its
 * one-second slot (the scheduler was busy) does not go out in someone else's second: it takes
 * a new slot; one that comes too soon after the last message to its customer queues again.
 */
export async function checkSlot(ctx: MutationCtx, send: Doc<"outboundSends">, now: number) {
  const slotStart = Math.floor((send.nextAttemptAt ?? now) / 1_000) * 1_000;
  if (now < slotStart) {
    // Timers may fire a little early: never call before the slot's second starts.
    await ctx.scheduler.runAfter(slotStart - now, internal.whatsapp.provider.sendOutbound, {
      sendId: send._id,
    });
    return false;
  }
  if (now >= slotStart + 1_000 - outboundConfig().slotMarginMs) {
    await reserveNumberSlot(ctx, send._id);
    return false;
  }
  const pair = await rateLimiter.limit(ctx, "whatsappPair", {
    key: `${send.connectionId}:${send.recipient}`,
    config: pairLimit(),
  });
  if (!pair.ok) {
    await waitForNumber(ctx, send._id, Math.max(1, Math.ceil(pair.retryAfter)));
    return false;
  }
  return true;
}
