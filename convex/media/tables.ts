/**
 * Media files kept in Convex file storage for the agent (voice notes, images, documents).
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { tenantFields } from "../lib/validators";

export const mediaTables = {
  /** A stored copy of an inbound message's media (media/store.ts), purged after its retention. */
  mediaFiles: defineTable({
    ...tenantFields,
    messageId: v.id("messages"),
    storageId: v.id("_storage"),
    mimeType: v.string(),
    size: v.number(),
    storedAt: v.number(),
  })
    .index("by_storedAt", ["storedAt"]) // retention
    .index("by_messageId", ["messageId"]),
};
