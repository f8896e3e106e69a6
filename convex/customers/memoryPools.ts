/**
 * Memory pools: the numbers of one business that share one customer memory. A
 * customer writing to any number of a pool is one contact with one memory; numbers outside a
 * pool share nothing. Numbers join a pool with `whatsapp.updateConnection({ memoryPoolId })`.
 * Contacts are keyed by pool, so moving a number between pools starts fresh contacts there.
 */
import { v } from "convex/values";
import { getOwned, orgAdminMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";

export const list = orgQuery({
  args: {},
  returns: v.array(
    v.object({
      _id: v.id("memoryPools"),
      name: v.string(),
      createdAt: v.number(),
      connectionIds: v.array(v.id("whatsappConnections")),
    }),
  ),
  handler: async (ctx) => {
    const pools = await ctx.db
      .query("memoryPools")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(200);
    const connections = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(1000);
    return pools.map((p) => ({
      _id: p._id,
      name: p.name,
      createdAt: p.createdAt,
      connectionIds: connections.filter((c) => c.memoryPoolId === p._id).map((c) => c._id),
    }));
  },
});

export const create = orgAdminMutation({
  args: { name: v.string() },
  returns: v.id("memoryPools"),
  handler: async (ctx, { name }) => {
    if (name.trim() === "") throw appError("INVALID_ARGUMENT", "A memory pool needs a name.");
    return await ctx.db.insert("memoryPools", {
      organizationId: ctx.tenant.organizationId,
      environment: ctx.tenant.environment,
      name: name.trim(),
      createdAt: Date.now(),
    });
  },
});

/** Deletes an empty pool; a pool that numbers still use is refused with IN_USE. */
export const remove = orgAdminMutation({
  args: { memoryPoolId: v.id("memoryPools") },
  returns: v.null(),
  handler: async (ctx, { memoryPoolId }) => {
    await getOwned(ctx, ctx.tenant, "memoryPools", memoryPoolId);
    const connections = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(1000);
    const member = connections.find((c) => c.memoryPoolId === memoryPoolId);
    if (member) {
      throw appError(
        "IN_USE",
        `Number "${member.label}" is still in this pool; move it out first.`,
      );
    }
    await ctx.db.delete("memoryPools", memoryPoolId);
    return null;
  },
});
