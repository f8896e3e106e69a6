/**
 * The inbox's tables: threads, the unified messages table, handoff history, follow-ups,
 * notifications and outgoing hook calls.
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vChannelData,
  vChannelParams,
  vEscalationNotice,
  vFollowUpState,
  vFollowUpTemplate,
  vHandoffActor,
  vHandoffReason,
  vHandoffTrigger,
  vHookKind,
  vHookState,
  vLastMessage,
  vMessageRole,
  vThreadOwner,
  tenantFields,
} from "../lib/validators";

export const inboxTables = {
  /** One conversation of one customer with one number: `whatsapp:{connectionId}:{contactKey}`. */
  threads: defineTable({
    ...tenantFields,
    connectionId: v.id("whatsappConnections"),
    contactId: v.id("contacts"),
    channel: v.literal("whatsapp"),
    externalId: v.string(),
    channelParams: vChannelParams,
    owner: vThreadOwner,
    ownerChangedAt: v.number(),
    /** The agent currently answering (set by routing, or by agent-to-agent handoff). */
    currentAgentId: v.optional(v.id("agents")),
    /**
     * Set by the `agents.handoff` tool: routing keeps `currentAgentId` for this thread (instead
     * of the connection's agent or router) until another agent handoff, and the agent sees `note`.
     */
    agentHandoff: v.optional(
      v.object({ fromAgentId: v.optional(v.id("agents")), note: v.string(), at: v.number() }),
    ),
    /** Single-flight counter: a routing run acts only while its generation is current. */
    generation: v.number(),
    /** Summary written when the thread last went to a human, shown to the AI after release. */
    handoffSummary: v.optional(v.string()),
    /** Last time a human acted on the thread (reply or take-over): drives auto-release. */
    lastHumanActivityAt: v.optional(v.number()),
    /** The `seq` of the thread's newest message (arrival order); absent before its first. */
    messageSeq: v.optional(v.number()),
    lastMessageAt: v.number(),
    /** The newest message (by its timestamp) as the list shows it; absent on older rows. */
    lastMessage: v.optional(vLastMessage),
    /**
     * Customer messages since a teammate last opened the thread. Shared by the whole team (like
     * Chatwoot's per-conversation unread count), not per person: whoever opens it clears it.
     */
    unreadCount: v.optional(v.number()),
    /** When a teammate last opened the thread (`inbox.threads.markSeen`), and who. */
    lastSeenAt: v.optional(v.number()),
    lastSeenBy: v.optional(v.string()),
    createdAt: v.number(),
  })
    .index("by_externalId", ["externalId"]) // inbound get-or-create
    .index("by_organizationId_and_environment_and_lastMessageAt", [
      "organizationId",
      "environment",
      "lastMessageAt",
    ]) // inbox
    .index("by_contactId", ["contactId"]),

  /** The unified message table: every turn of every thread, WhatsApp details in `channelData`. */
  messages: defineTable({
    ...tenantFields,
    threadId: v.id("threads"),
    /** The number the message came in on or went out from (its source, for pooled memory). */
    connectionId: v.id("whatsappConnections"),
    role: vMessageRole,
    content: v.string(),
    channelData: vChannelData,
    /** Sort key inside the thread: WhatsApp timestamp for inbound, creation time otherwise. */
    createdAt: v.number(),
    /**
     * Arrival order inside the thread (1, 2, …, stamped by `insertMessage` in inbox/messages.ts). A
     * customer message written before our reply but delivered after it comes after the reply
     * here, though its WhatsApp timestamp is earlier. Absent on rows stored before it existed.
     */
    seq: v.optional(v.number()),
    agentRunId: v.optional(v.id("agentRuns")),
    /** Clerk subject of the human who wrote it (role `human` from the dashboard). */
    authorId: v.optional(v.string()),
  })
    .index("by_threadId_and_createdAt", ["threadId", "createdAt"]) // context and history
    .index("by_threadId_and_seq", ["threadId", "seq"]) // the burst a turn answers
    .index("by_connectionId_and_providerMessageId", [
      "connectionId",
      "channelData.providerMessageId",
    ]), // dedup and status reconciliation

  /** Who took a thread, when and why: the history of its ownership (`ai` ↔ `human`). */
  handoffEvents: defineTable({
    ...tenantFields,
    threadId: v.id("threads"),
    to: vThreadOwner,
    reason: vHandoffReason,
    summary: v.optional(v.string()),
    by: vHandoffActor,
    /** The signal that set the handoff off and what exactly triggered it. */
    trigger: v.optional(vHandoffTrigger),
    /** Whether the tenant's escalation contact was told, and how. */
    escalationNotice: v.optional(vEscalationNotice),
    at: v.number(),
  })
    .index("by_threadId_and_at", ["threadId", "at"])
    .index("by_at", ["at"]), // retention

  /** A message to send later on a thread (e.g. 24 h and 72 h after an appointment). */
  followUps: defineTable({
    ...tenantFields,
    threadId: v.id("threads"),
    dueAt: v.number(),
    /** Sent as free-form text when the customer-service window is open at `dueAt`. */
    text: v.string(),
    /** Sent instead when the window has closed; without one the follow-up fails visibly. */
    template: v.optional(vFollowUpTemplate),
    /** Cancel if the customer writes again before `dueAt` (the thread moved on). */
    cancelOnReply: v.boolean(),
    createdBy: vHandoffActor,
    state: vFollowUpState,
    createdAt: v.number(),
  }).index("by_threadId_and_dueAt", ["threadId", "dueAt"]),

  /** What the dashboard inbox shows live: a thread needs a person. */
  notifications: defineTable({
    ...tenantFields,
    threadId: v.id("threads"),
    kind: v.literal("handoff"),
    title: v.string(),
    body: v.string(),
    createdAt: v.number(),
    readAt: v.optional(v.number()),
  })
    .index("by_organizationId_and_environment_and_createdAt", [
      "organizationId",
      "environment",
      "createdAt",
    ])
    .index("by_organizationId_and_environment_and_readAt_and_createdAt", [
      "organizationId",
      "environment",
      "readAt",
      "createdAt",
    ]) // unread (readAt absent), newest first
    .index("by_createdAt", ["createdAt"]), // retention

  /** Outgoing hook calls (Slack, signed HTTP, CRM lead), queued and retried with backoff. */
  hookDeliveries: defineTable({
    ...tenantFields,
    hook: vHookKind,
    event: v.string(),
    payload: v.any(),
    state: vHookState,
    attempts: v.number(),
    lastError: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_organizationId_and_environment_and_createdAt", [
      "organizationId",
      "environment",
      "createdAt",
    ])
    .index("by_createdAt", ["createdAt"]), // retention
};
