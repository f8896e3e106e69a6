/**
 * The outbound send records: one per message we send, with its pacing and attempts.
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { tenantFields, vOutboundContent, vSendAttempt, vSendState } from "../lib/validators";

export const outboundTables = {
  /** How one outbound message is being sent: pacing, attempts, retries and reconciliation. */
  outboundSends: defineTable({
    ...tenantFields,
    messageId: v.id("messages"),
    connectionId: v.id("whatsappConnections"),
    threadId: v.id("threads"),
    /** The customer: E.164 phone number, or a business-scoped user id. */
    recipient: v.string(),
    content: vOutboundContent,
    /** Cloud API `template` object, validated and built when the send was queued. */
    templatePayload: v.optional(v.any()),
    state: vSendState,
    attempts: v.array(vSendAttempt),
    /** When the next provider call (or reconciliation) is due. */
    nextAttemptAt: v.optional(v.number()),
    /** When the current provider call was claimed (its pacing decision time); set while `sending`. */
    claimedAt: v.optional(v.number()),
    /** Media uploaded for this send, reused by retries. */
    providerMediaId: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_messageId", ["messageId"])
    .index("by_createdAt", ["createdAt"]) // retention
    .index("by_state_and_updatedAt", ["state", "updatedAt"]), // watchdog: work stuck in a state
};
