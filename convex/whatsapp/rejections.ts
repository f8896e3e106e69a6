/**
 * Deliveries that could not be verified, which this module owns: rate-limited per route, and
 * kept only as counters (`webhookRejections`, one row per route and reason, with the digest of
 * the last body) plus a count of bad signatures per connected number that a delivery named
 * (`webhookSignatureFailures`). Nothing of such a delivery's body is stored.
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import type { Tenant } from "../lib/auth";
import { vDeliverySource, type DeliverySource } from "../lib/validators";

const rateLimiter = new RateLimiter(components.rateLimiter);

/** Unverifiable deliveries recorded per route and minute; past it they are answered 429. */
export const UNVERIFIED_PER_MINUTE = 60;
/** How many may arrive at once before the per-minute rate applies. */
export const UNVERIFIED_BURST = 60;

export const vRejectionReason = v.union(
  v.literal("missing_signature"),
  v.literal("bad_signature"),
  v.literal("unknown_connection"),
  v.literal("malformed"),
);
export type RejectionReason = typeof vRejectionReason.type;

const LIMIT = {
  kind: "token bucket" as const,
  rate: UNVERIFIED_PER_MINUTE,
  period: 60_000,
  capacity: UNVERIFIED_BURST,
};

const vAllowance = v.object({ ok: v.boolean(), retryAfterMs: v.number() });

function allowance(result: { ok: boolean; retryAfter?: number }) {
  return { ok: result.ok, retryAfterMs: result.ok ? 0 : Math.ceil(result.retryAfter ?? 1000) };
}

/** Whether the route still takes unverifiable deliveries (a read: refusing past it costs no write). */
export const checkAllowance = internalQuery({
  args: { source: vDeliverySource },
  returns: vAllowance,
  handler: async (ctx, { source }) =>
    allowance(await rateLimiter.check(ctx, "unverifiedWebhooks", { key: source, config: LIMIT })),
});

/**
 * Takes one unit of the route's allowance and, when granted, counts the refusal: per route
 * and reason, and per connection for a bad signature on a delivery that named connected numbers.
 */
export const recordRejection = internalMutation({
  args: {
    source: vDeliverySource,
    reason: vRejectionReason,
    connectionIds: v.array(v.id("whatsappConnections")),
    bodySha256: v.string(),
    at: v.number(),
  },
  returns: vAllowance,
  handler: async (ctx, args) => {
    const granted = allowance(
      await rateLimiter.limit(ctx, "unverifiedWebhooks", { key: args.source, config: LIMIT }),
    );
    if (!granted.ok) return granted;
    await countRejection(ctx, args.source, args.reason, args.bodySha256, args.at);
    if (args.reason === "bad_signature") {
      for (const connectionId of args.connectionIds.slice(0, 20)) {
        await countSignatureFailure(ctx, connectionId, args.at);
      }
    }
    return granted;
  },
});

async function countRejection(
  ctx: MutationCtx,
  source: DeliverySource,
  reason: RejectionReason,
  bodySha256: string,
  at: number,
) {
  const row = await ctx.db
    .query("webhookRejections")
    .withIndex("by_source_and_reason", (q) => q.eq("source", source).eq("reason", reason))
    .unique();
  if (row === null) {
    await ctx.db.insert("webhookRejections", {
      source,
      reason,
      count: 1,
      firstAt: at,
      lastAt: at,
      lastBodySha256: bodySha256,
    });
  } else {
    await ctx.db.patch("webhookRejections", row._id, {
      count: row.count + 1,
      lastAt: Math.max(row.lastAt, at),
      lastBodySha256: bodySha256,
    });
  }
}

async function countSignatureFailure(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  at: number,
) {
  const row = await ctx.db
    .query("webhookSignatureFailures")
    .withIndex("by_connectionId", (q) => q.eq("connectionId", connectionId))
    .unique();
  if (row !== null) {
    await ctx.db.patch("webhookSignatureFailures", row._id, {
      count: row.count + 1,
      lastAt: Math.max(row.lastAt, at),
    });
    return;
  }
  const connection = await ctx.db.get("whatsappConnections", connectionId);
  if (connection === null) return;
  await ctx.db.insert("webhookSignatureFailures", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    connectionId,
    count: 1,
    lastAt: at,
  });
}

export const vSignatureFailures = v.object({
  connectionId: v.id("whatsappConnections"),
  badSignatures: v.number(),
  lastBadSignatureAt: v.number(),
});

/** Bad signatures per number of a tenant (numbers without any are not listed). */
export async function signatureFailuresOf(
  ctx: QueryCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
) {
  const rows = await ctx.db
    .query("webhookSignatureFailures")
    .withIndex("by_organizationId_and_environment", (q) =>
      q.eq("organizationId", tenant.organizationId).eq("environment", tenant.environment),
    )
    .take(500);
  return rows.map((r) => ({
    connectionId: r.connectionId,
    badSignatures: r.count,
    lastBadSignatureAt: r.lastAt,
  }));
}

/** Every route's refusal counters (operators, deploy key). */
export const listRejections = internalQuery({
  args: {},
  returns: v.array(
    v.object({
      source: vDeliverySource,
      reason: v.string(),
      count: v.number(),
      firstAt: v.number(),
      lastAt: v.number(),
      lastBodySha256: v.string(),
    }),
  ),
  handler: async (ctx) =>
    (await ctx.db.query("webhookRejections").take(100)).map(
      ({ _id, _creationTime, ...counter }) => counter,
    ),
});
