/**
 * The webhook delivery log: what arrived, its verdict, what was stored and why anything was
 * not (dead letters). The dashboard lists a tenant's deliveries and replays failed ones once
 * the cause is fixed; the CLI (deploy key) uses the internal variants, which also see
 * deliveries that never reached a tenant (unknown numbers, bad signatures).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import {
  internalAction,
  internalMutation,
  internalQuery,
  type QueryCtx,
} from "../_generated/server";
import { orgAdminMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";
import { vDeliveryView, type DeliveryView } from "../lib/validators";
import { ingestDelivery } from "./inbound";
import { handleDelivery } from "./webhooks";

const MAX_LIST = 200;

function deliveryView(d: Doc<"webhookDeliveries">): DeliveryView {
  return {
    _id: d._id,
    source: d.source,
    receivedAt: d.receivedAt,
    connectionId: d.connectionId,
    verdict: d.verdict,
    eventType: d.eventType,
    counts: d.counts,
    deadLetter: d.deadLetter,
    failed: d.failed === true,
    replayable: d.body !== undefined,
    replays: d.replays,
    resolvedAt: d.resolvedAt,
  };
}

function clampLimit(limit: number | undefined) {
  return Math.max(1, Math.min(MAX_LIST, Math.floor(limit ?? 50)));
}

/** The tenant's deliveries, newest first; `failedOnly` keeps those that still need attention. */
export const list = orgQuery({
  args: { failedOnly: v.optional(v.boolean()), limit: v.optional(v.number()) },
  returns: v.array(vDeliveryView),
  handler: async (ctx, { failedOnly, limit }) => {
    const { organizationId, environment } = ctx.tenant;
    const rows = failedOnly
      ? await ctx.db
          .query("webhookDeliveries")
          .withIndex("by_organizationId_and_environment_and_failed_and_receivedAt", (q) =>
            q
              .eq("organizationId", organizationId)
              .eq("environment", environment)
              .eq("failed", true),
          )
          .order("desc")
          .take(clampLimit(limit))
      : await ctx.db
          .query("webhookDeliveries")
          .withIndex("by_organizationId_and_environment_and_receivedAt", (q) =>
            q.eq("organizationId", organizationId).eq("environment", environment),
          )
          .order("desc")
          .take(clampLimit(limit));
    return rows.map(deliveryView);
  },
});

/**
 * Processes a stored delivery of this tenant again (it was verified when it arrived):
 * messages already stored stay deduplicated, the rest is ingested; the delivery is marked
 * resolved when nothing is left dead-lettered.
 */
export const replay = orgAdminMutation({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: vDeliveryView,
  handler: async (ctx, { deliveryId }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (
      delivery === null ||
      delivery.organizationId !== ctx.tenant.organizationId ||
      delivery.environment !== ctx.tenant.environment
    ) {
      throw appError("NOT_FOUND", "No such webhook delivery in this environment.");
    }
    await replayVerified(ctx, delivery);
    return deliveryView((await ctx.db.get("webhookDeliveries", deliveryId))!);
  },
});

async function replayVerified(
  ctx: Parameters<typeof ingestDelivery>[0],
  delivery: Doc<"webhookDeliveries">,
) {
  if (delivery.body === undefined) {
    throw appError(
      "INVALID_ARGUMENT",
      "This delivery's body was not kept, so it cannot be replayed.",
    );
  }
  if (delivery.verdict !== "accepted" || delivery.connectionId === undefined) {
    throw appError("INVALID_ARGUMENT", "Only verified deliveries can be replayed here.");
  }
  return await ingestDelivery(ctx, {
    source: delivery.source,
    receivedAt: Date.now(),
    body: delivery.body,
    bodySha256: delivery.bodySha256,
    headers: delivery.headers,
    verdict: "accepted",
    verifiedConnectionIds: [delivery.connectionId],
    projectVerified: delivery.source === "kapso_project",
    deliveryId: delivery._id,
  });
}

// ---------------------------------------------------------------------------------------------
// Internal variants for the CLI (deploy key).

async function listAll(ctx: QueryCtx, failedOnly: boolean, limit: number) {
  if (!failedOnly) {
    return await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_receivedAt")
      .order("desc")
      .take(limit);
  }
  // Failed deliveries without a tenant (unknown number, bad signature) plus those of tenants.
  return await ctx.db
    .query("webhookDeliveries")
    .withIndex("by_failed_and_receivedAt", (q) => q.eq("failed", true))
    .order("desc")
    .take(limit);
}

export const listInternal = internalQuery({
  args: { failedOnly: v.optional(v.boolean()), limit: v.optional(v.number()) },
  returns: v.array(vDeliveryView),
  handler: async (ctx, { failedOnly, limit }) =>
    (await listAll(ctx, failedOnly === true, clampLimit(limit))).map(deliveryView),
});

export const getForReplay = internalQuery({
  args: { deliveryId: v.id("webhookDeliveries") },
  handler: async (ctx, { deliveryId }) => await ctx.db.get("webhookDeliveries", deliveryId),
});

export const replayVerifiedInternal = internalMutation({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.null(),
  handler: async (ctx, { deliveryId }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (delivery === null) throw appError("NOT_FOUND", "No such webhook delivery.");
    await replayVerified(ctx, delivery);
    return null;
  },
});

/**
 * Replays any stored delivery. Verified ones are ingested again; the others (unknown number,
 * bad signature, …) go through signature verification again with the recorded signature.
 */
export const replayInternal = internalAction({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.object({ verdict: v.string(), status: v.number() }),
  handler: async (ctx, { deliveryId }): Promise<{ verdict: string; status: number }> => {
    const delivery: Doc<"webhookDeliveries"> | null = await ctx.runQuery(
      internal.whatsapp.deliveries.getForReplay,
      { deliveryId },
    );
    if (delivery === null) throw appError("NOT_FOUND", "No such webhook delivery.");
    if (delivery.verdict === "accepted" && delivery.connectionId !== undefined) {
      await ctx.runMutation(internal.whatsapp.deliveries.replayVerifiedInternal, { deliveryId });
      return { verdict: "accepted", status: 200 };
    }
    if (delivery.body === undefined) {
      throw appError("INVALID_ARGUMENT", "This delivery's body was not kept.");
    }
    const headers = delivery.headers;
    return await handleDelivery(
      ctx,
      delivery.source,
      new TextEncoder().encode(delivery.body),
      (name) => headers[name] ?? null,
      { receivedAt: Date.now(), deliveryId },
    );
  },
});
