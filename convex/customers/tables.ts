/**
 * What the business knows about its customers: memory pools, contacts (one per pool and
 * customer) and their memories.
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { tenantFields } from "../lib/validators";

export const customersTables = {
  /** Memory pools: connections of one business that share one customer memory. */
  memoryPools: defineTable({
    ...tenantFields,
    name: v.string(),
    createdAt: v.number(),
  }).index("by_organizationId_and_environment", ["organizationId", "environment"]),

  /**
   * A customer, one per (memory pool, person). `poolKey` is `pool:{memoryPoolId}` for pooled
   * connections and `connection:{connectionId}` otherwise, so unpooled numbers share nothing.
   */
  contacts: defineTable({
    ...tenantFields,
    poolKey: v.string(),
    phoneNumber: v.optional(v.string()),
    bsuid: v.optional(v.string()),
    name: v.optional(v.string()),
    attributes: v.record(v.string(), v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_organizationId_and_poolKey_and_phoneNumber", [
      "organizationId",
      "poolKey",
      "phoneNumber",
    ])
    .index("by_organizationId_and_poolKey_and_bsuid", ["organizationId", "poolKey", "bsuid"]),

  /** Notes and facts about a customer, shared by the numbers of its memory pool. */
  memories: defineTable({
    ...tenantFields,
    contactId: v.id("contacts"),
    poolKey: v.string(),
    /** The number on which this was learned. */
    sourceConnectionId: v.id("whatsappConnections"),
    kind: v.union(v.literal("note"), v.literal("fact"), v.literal("summary")),
    content: v.string(),
    createdAt: v.number(),
  })
    .index("by_contactId_and_createdAt", ["contactId", "createdAt"])
    .searchIndex("search_content", {
      searchField: "content",
      filterFields: ["contactId", "sourceConnectionId"],
    }),
};
