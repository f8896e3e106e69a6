/**
 * The webhook delivery log, which this module owns: every verified delivery ends in `ingest`
 * (once per chunk of a large one), which has inbound.ts act on it and records what arrived,
 * what was stored and why anything was not (dead letters). The dashboard lists a tenant's
 * deliveries, opens one (`get`: kept headers without secrets, failed items), replays failed ones
 * once the cause is fixed (all since a time: deliveryReplay.ts), and sees bad signatures per
 * number; the CLI (deploy key) uses the internal variants. Refused deliveries are only counted
 * (rejections.ts).
 */
import { doc } from "convex-helpers/validators";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalAction,
  internalMutation,
  internalQuery,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import schema from "../schema";
import { orgAdminMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import { purgePage, type Purge } from "../lib/purge";
import { failedItemsOf, shownHeaders, vFailedItem, vShownHeader } from "./deliveryDetail";
import { signatureFailuresOf, vSignatureFailures } from "./rejections";
import { vDeliveryVerdict } from "../lib/validators";
import {
  processDelivery,
  vIngestArgs,
  type Counts,
  type DeadLetter,
  type IngestArgs,
} from "./inbound";

const MAX_LIST = 200;
/** Bodies up to this size are kept on deliveries that may need a replay. */
export const MAX_STORED_BODY = 256 * 1024;

/**
 * A webhook delivery as the dashboard and CLI list it: never the raw body, headers or tenancy;
 * whether it can be replayed instead of the body.
 */
export const vDeliveryView = doc(schema, "webhookDeliveries")
  .omit(
    "_creationTime",
    "organizationId",
    "environment",
    "idempotencyKey",
    "bodySha256",
    "body",
    "headers",
    "failed",
  )
  .extend({ failed: v.boolean(), replayable: v.boolean() });
export type DeliveryView = Infer<typeof vDeliveryView>;

/** Whether a stored delivery can be replayed: verified, tied to a number, its body kept. */
export function canReplay(d: Doc<"webhookDeliveries">): boolean {
  return d.body !== undefined && d.verdict === "accepted" && d.connectionId !== undefined;
}

function deliveryView(d: Doc<"webhookDeliveries">): DeliveryView {
  return project({ ...d, failed: d.failed === true, replayable: canReplay(d) }, vDeliveryView);
}

// ---------------------------------------------------------------------------------------------
// Recording: the one mutation each webhook delivery ends in.

const vIngestResult = v.object({
  deliveryId: v.id("webhookDeliveries"),
  verdict: vDeliveryVerdict,
  messages: v.number(),
  duplicates: v.number(),
  statuses: v.number(),
  ignored: v.number(),
  deadLetter: v.optional(v.string()),
});

/** Acts on a delivery (inbound.ts) and records it, in one transaction (webhooks.ts calls it). */
export const ingest = internalMutation({
  args: vIngestArgs,
  returns: vIngestResult,
  handler: (ctx, args) => ingestDelivery(ctx, args),
});

/** The plain helper behind `ingest` (tests call it inside `t.run` to measure a transaction). */
export async function ingestDelivery(ctx: MutationCtx, args: IngestArgs) {
  const processed = await processDelivery(ctx, args);
  const { verdict, eventType, counts, tenant } = processed;
  const original =
    args.deliveryId === undefined ? null : await ctx.db.get("webhookDeliveries", args.deliveryId);
  if (args.deliveryId !== undefined && original === null) {
    throw new Error("Replayed delivery no longer exists.");
  }
  // A later chunk adds to what the earlier chunks of its delivery recorded.
  const earlier = args.append === true ? original : null;
  const reasons = earlier?.deadLetter
    ? [earlier.deadLetter, ...processed.deadLetters]
    : processed.deadLetters;
  const deadLetter = summarize(reasons);
  const failed = verdict !== "accepted" || deadLetter !== undefined;
  const keepBody = failed && args.body.length <= MAX_STORED_BODY;
  const fields = {
    verdict,
    eventType,
    counts: earlier ? addCounts(earlier.counts, counts) : counts,
    deadLetter,
    failed,
    ...(tenant && !earlier?.organizationId
      ? {
          organizationId: tenant.organizationId,
          environment: tenant.environment,
          connectionId: tenant._id,
        }
      : {}),
  };
  let deliveryId: Id<"webhookDeliveries">;
  if (original !== null) {
    await ctx.db.patch("webhookDeliveries", original._id, {
      ...fields,
      ...(earlier
        ? keepBody && original.body === undefined
          ? { body: args.body }
          : {}
        : { replays: original.replays + 1, ...(failed ? {} : { resolvedAt: args.receivedAt }) }),
    });
    deliveryId = original._id;
  } else {
    deliveryId = await ctx.db.insert("webhookDeliveries", {
      source: args.source,
      receivedAt: args.receivedAt,
      idempotencyKey: args.headers["x-idempotency-key"],
      bodySha256: args.bodySha256,
      ...(keepBody ? { body: args.body } : {}),
      headers: args.headers,
      replays: 0,
      ...fields,
    });
  }
  return { deliveryId, verdict, ...counts, deadLetter: deadLetter?.reason };
}

function addCounts(a: Counts, b: Counts): Counts {
  return {
    messages: a.messages + b.messages,
    duplicates: a.duplicates + b.duplicates,
    statuses: a.statuses + b.statuses,
    ignored: a.ignored + b.ignored,
  };
}

/**
 * Items of a verified delivery that failed even in a transaction of their own (the others were
 * ingested): recorded as a dead letter on the delivery, with the body when it is small enough
 * to replay once the cause is fixed.
 */
export const recordFailedItems = internalMutation({
  args: {
    deliveryId: v.optional(v.id("webhookDeliveries")),
    source: vIngestArgs.fields.source,
    receivedAt: v.number(),
    body: v.string(),
    bodySha256: v.optional(v.string()),
    headers: v.record(v.string(), v.string()),
    failures: v.array(v.object({ index: v.number(), error: v.string() })),
  },
  returns: v.id("webhookDeliveries"),
  handler: async (ctx, { deliveryId, failures, ...args }) => {
    const failed: DeadLetter = {
      reason: "item_failed",
      detail: failures.map((f) => `item ${f.index}: ${f.error}`).join("; "),
    };
    const body = args.body.length <= MAX_STORED_BODY ? { body: args.body } : {};
    const existing = deliveryId ? await ctx.db.get("webhookDeliveries", deliveryId) : null;
    if (existing !== null) {
      const reasons = existing.deadLetter ? [existing.deadLetter, failed] : [failed];
      await ctx.db.patch("webhookDeliveries", existing._id, {
        deadLetter: summarize(reasons),
        failed: true,
        counts: { ...existing.counts, ignored: existing.counts.ignored + failures.length },
        ...(existing.body === undefined ? body : {}),
      });
      return existing._id;
    }
    return await ctx.db.insert("webhookDeliveries", {
      source: args.source,
      receivedAt: args.receivedAt,
      idempotencyKey: args.headers["x-idempotency-key"],
      bodySha256: args.bodySha256,
      ...body,
      headers: args.headers,
      verdict: "accepted",
      counts: { messages: 0, duplicates: 0, statuses: 0, ignored: failures.length },
      deadLetter: summarize([failed]),
      failed: true,
      replays: 0,
    });
  },
});

/** The first reason, with every detail (and the other reasons) in one bounded text. */
function summarize(reasons: DeadLetter[]) {
  if (reasons.length === 0) return undefined;
  const [first, ...rest] = reasons;
  const detail = [
    first!.detail,
    ...rest.map((r) => (r.detail ? `${r.reason}: ${r.detail}` : r.reason)),
  ]
    .filter((d): d is string => d !== undefined)
    .join("; ")
    .slice(0, 2000);
  return { reason: first!.reason, ...(detail ? { detail } : {}) };
}

// ---------------------------------------------------------------------------------------------
// The dashboard: list and replay.

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
 * One delivery as the console's drawer shows it: the list view plus the headers that were kept
 * (deliveryDetail.ts decides what is shown of each), the items that failed and the number's
 * label. Null for an id that is not this tenant's, exactly like one that does not exist.
 */
export const vDeliveryDetail = vDeliveryView.extend({
  headers: v.array(vShownHeader),
  failedItems: v.array(vFailedItem),
  numberLabel: v.optional(v.string()),
});

export const get = orgQuery({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.union(vDeliveryDetail, v.null()),
  handler: async (ctx, { deliveryId }) => {
    const d = await ctx.db.get("webhookDeliveries", deliveryId);
    if (
      d === null ||
      d.organizationId !== ctx.tenant.organizationId ||
      d.environment !== ctx.tenant.environment
    ) {
      return null;
    }
    const connection = d.connectionId
      ? await ctx.db.get("whatsappConnections", d.connectionId)
      : null;
    return {
      ...deliveryView(d),
      headers: shownHeaders(d.headers),
      failedItems: failedItemsOf(d.deadLetter),
      ...(connection ? { numberLabel: connection.label } : {}),
    };
  },
});

/**
 * Bad signatures per number of this tenant, with the time of the last one: deliveries that
 * named the number but were signed with another secret (refused and not stored). A count that
 * grows after a secret rotation points at a secret the provider does not have.
 */
export const signatureFailures = orgQuery({
  args: {},
  returns: v.array(vSignatureFailures),
  handler: async (ctx) => await signatureFailuresOf(ctx, ctx.tenant),
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

async function replayVerified(ctx: MutationCtx, delivery: Doc<"webhookDeliveries">) {
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

/** Replays one stored delivery (the CLI and bulk replays, deliveryReplay.ts); `resolved` when nothing is left dead-lettered. */
export const replayVerifiedInternal = internalMutation({
  args: { deliveryId: v.id("webhookDeliveries") },
  returns: v.object({ resolved: v.boolean() }),
  handler: async (ctx, { deliveryId }) => {
    const delivery = await ctx.db.get("webhookDeliveries", deliveryId);
    if (delivery === null) throw appError("NOT_FOUND", "No such webhook delivery.");
    const result = await replayVerified(ctx, delivery);
    return { resolved: result.verdict === "accepted" && result.deadLetter === undefined };
  },
});

/**
 * Replays a stored delivery (deploy key). Only verified deliveries are stored with a body; one
 * that was refused left only counters, and the provider's retry delivers it again once its
 * number is connected.
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
    if (delivery.verdict !== "accepted" || delivery.connectionId === undefined) {
      throw appError("INVALID_ARGUMENT", "Only verified deliveries can be replayed.");
    }
    await ctx.runMutation(internal.whatsapp.deliveries.replayVerifiedInternal, { deliveryId });
    return { verdict: "accepted", status: 200 };
  },
});

/** Retention (ops/retention.ts): one page of deliveries received before `cutoff`. */
export const purgeDeliveriesOlderThan: Purge = async (ctx, cutoff, page) => {
  const deliveries = await ctx.db
    .query("webhookDeliveries")
    .withIndex("by_receivedAt", (q) => q.lt("receivedAt", cutoff))
    .paginate(page);
  return await purgePage(deliveries, (row) => ctx.db.delete("webhookDeliveries", row._id));
};
