/**
 * The data model. One table per concept; every tenant row carries `organizationId` and
 * `environment`, and every index a public read path uses starts with them, so a tenant's
 * reads are index ranges inside its own rows. See DESIGN.md ("Data model") for the flows.
 */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  agentFields,
  agentRunFields,
  vChannelData,
  vChannelParams,
  vConnectionStatus,
  vDeliverySource,
  vDeliveryVerdict,
  vEnvironment,
  vFollowUpState,
  vFollowUpTemplate,
  vHandoffActor,
  vHandoffReason,
  vHookKind,
  vHookState,
  vIntegrationStatus,
  vTenantHandoffSettings,
  vMessageRole,
  vMetaCredentials,
  vPacing,
  vProvider,
  vRouterMode,
  vRouterRule,
  vOutboundContent,
  vSendAttempt,
  vSendState,
  vStatusUpdate,
  vTemplateCategory,
  vThreadOwner,
  vWebhookSecret,
} from "./lib/validators";

const tenant = {
  organizationId: v.id("organizations"),
  environment: vEnvironment,
};

export default defineSchema({
  /** A Clerk organization, mirrored the first time one of its members signs in. */
  organizations: defineTable({
    clerkOrgId: v.string(),
    name: v.string(),
    createdAt: v.number(),
  }).index("by_clerkOrgId", ["clerkOrgId"]), // identity → organization, on every call

  /** WhatsApp enabled (or not) for one organization and environment. */
  integrationConfigs: defineTable({
    ...tenant,
    provider: v.literal("whatsapp"),
    status: vIntegrationStatus,
    /** Agent for connected numbers that have neither agent nor router. */
    defaultAgentId: v.optional(v.id("agents")),
    /** The provider's customer for this tenant; kept across disconnects for reconnection. */
    kapsoCustomerId: v.optional(v.string()),
    /** Handoff policy and outgoing hooks of this tenant and environment (hooks hold secrets). */
    handoff: v.optional(vTenantHandoffSettings),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_provider", [
    "organizationId",
    "environment",
    "provider",
  ]),

  /** Memory pools: connections of one business that share one customer memory (seed 000). */
  memoryPools: defineTable({
    ...tenant,
    name: v.string(),
    createdAt: v.number(),
  }).index("by_organizationId_and_environment", ["organizationId", "environment"]),

  /** One WhatsApp Business number of a tenant and how it is handled. */
  whatsappConnections: defineTable({
    ...tenant,
    label: v.string(),
    provider: vProvider,
    status: vConnectionStatus,
    /** The business number, E.164. */
    phoneNumber: v.optional(v.string()),
    /** The provider's phone number id: how inbound webhooks find this connection. */
    providerPhoneNumberId: v.optional(v.string()),
    businessAccountId: v.optional(v.string()),
    kapsoCustomerId: v.optional(v.string()),
    setupLinkUrl: v.optional(v.string()),
    setupError: v.optional(v.string()),
    /** Exactly one of these two handles inbound messages (enforced by whatsapp.ts). */
    agentId: v.optional(v.id("agents")),
    routerId: v.optional(v.id("routers")),
    /** SECRET. Signing secrets of the message webhook; several while one is rotated. */
    webhookSecrets: v.array(vWebhookSecret),
    /** SECRET. Credentials of a number connected to Meta directly. */
    metaCredentials: v.optional(vMetaCredentials),
    /** Provider id of the message webhook registered for this number. */
    providerWebhookId: v.optional(v.string()),
    memoryPoolId: v.optional(v.id("memoryPools")),
    /** Persona of this number, placed in its agent's system prompt. */
    persona: v.optional(v.string()),
    pacing: vPacing,
    createdAt: v.number(),
    lastConnectedAt: v.optional(v.number()),
    lastDisconnectedAt: v.optional(v.number()),
  })
    .index("by_organizationId_and_environment", ["organizationId", "environment"]) // dashboard list
    .index("by_providerPhoneNumberId", ["providerPhoneNumberId"]) // inbound webhook → connection
    .index("by_kapsoCustomerId", ["kapsoCustomerId"]) // project webhook → pending connection
    .index("by_verifyToken", ["metaCredentials.verifyToken"]) // Meta GET handshake
    .index("by_businessAccountId", ["businessAccountId"]), // Meta template webhooks (WABA id)

  /** An AI agent: prompt template, model, tools and handoff policy. */
  agents: defineTable({
    ...tenant,
    ...agentFields,
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_slug", ["organizationId", "environment", "slug"]),

  /** Chooses an agent per inbound: ordered rules, or model classification, then the fallback. */
  routers: defineTable({
    ...tenant,
    name: v.string(),
    slug: v.string(),
    mode: vRouterMode,
    rules: v.array(vRouterRule),
    classifierPrompt: v.optional(v.string()),
    /** Agents the classifier may pick from (their descriptions are shown to the model). */
    classifierAgentIds: v.array(v.id("agents")),
    fallbackAgentId: v.id("agents"),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_slug", ["organizationId", "environment", "slug"]),

  /**
   * A customer, one per (memory pool, person). `poolKey` is `pool:{memoryPoolId}` for pooled
   * connections and `connection:{connectionId}` otherwise, so unpooled numbers share nothing.
   */
  contacts: defineTable({
    ...tenant,
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

  /** One conversation of one customer with one number: `whatsapp:{connectionId}:{contactKey}`. */
  threads: defineTable({
    ...tenant,
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
    lastMessageAt: v.number(),
    createdAt: v.number(),
  })
    .index("by_externalId", ["externalId"]) // inbound get-or-create
    .index("by_organizationId_and_environment_and_lastMessageAt", [
      "organizationId",
      "environment",
      "lastMessageAt",
    ]) // inbox
    .index("by_contactId", ["contactId"]),

  /** Who took a thread, when and why: the history of its ownership (`ai` ↔ `human`). */
  handoffEvents: defineTable({
    ...tenant,
    threadId: v.id("threads"),
    to: vThreadOwner,
    reason: vHandoffReason,
    summary: v.optional(v.string()),
    by: vHandoffActor,
    at: v.number(),
  }).index("by_threadId_and_at", ["threadId", "at"]),

  /** A message to send later on a thread (e.g. 24 h and 72 h after an appointment). */
  followUps: defineTable({
    ...tenant,
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
    ...tenant,
    threadId: v.id("threads"),
    kind: v.literal("handoff"),
    title: v.string(),
    body: v.string(),
    createdAt: v.number(),
    readAt: v.optional(v.number()),
  }).index("by_organizationId_and_environment_and_createdAt", [
    "organizationId",
    "environment",
    "createdAt",
  ]),

  /** Outgoing hook calls (Slack, signed HTTP, CRM lead), queued and retried with backoff. */
  hookDeliveries: defineTable({
    ...tenant,
    hook: vHookKind,
    event: v.string(),
    payload: v.any(),
    state: vHookState,
    attempts: v.number(),
    lastError: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_organizationId_and_environment_and_createdAt", [
    "organizationId",
    "environment",
    "createdAt",
  ]),

  /** The unified message table: every turn of every thread, WhatsApp details in `channelData`. */
  messages: defineTable({
    ...tenant,
    threadId: v.id("threads"),
    /** The number the message came in on or went out from (its source, for pooled memory). */
    connectionId: v.id("whatsappConnections"),
    role: vMessageRole,
    content: v.string(),
    channelData: vChannelData,
    /** Sort key inside the thread: WhatsApp timestamp for inbound, creation time otherwise. */
    createdAt: v.number(),
    agentRunId: v.optional(v.id("agentRuns")),
    /** Clerk subject of the human who wrote it (role `human` from the dashboard). */
    authorId: v.optional(v.string()),
  })
    .index("by_threadId_and_createdAt", ["threadId", "createdAt"]) // context and history
    .index("by_connectionId_and_providerMessageId", [
      "connectionId",
      "channelData.providerMessageId",
    ]), // dedup and status reconciliation

  /** Every webhook delivery received: audit log, verdict, dead letters and replay source. */
  webhookDeliveries: defineTable({
    source: vDeliverySource,
    receivedAt: v.number(),
    /** Set once the delivery is tied to a connection (absent for unknown numbers). */
    organizationId: v.optional(v.id("organizations")),
    environment: v.optional(vEnvironment),
    connectionId: v.optional(v.id("whatsappConnections")),
    verdict: vDeliveryVerdict,
    eventType: v.optional(v.string()),
    idempotencyKey: v.optional(v.string()),
    /** SHA-256 of the raw body. */
    bodySha256: v.string(),
    /** The raw body, kept (bounded) so a dead letter can be replayed once its cause is fixed. */
    body: v.optional(v.string()),
    /** Header names and the non-secret values we act on. */
    headers: v.record(v.string(), v.string()),
    counts: v.object({
      messages: v.number(),
      duplicates: v.number(),
      statuses: v.number(),
      ignored: v.number(),
    }),
    deadLetter: v.optional(v.object({ reason: v.string(), detail: v.optional(v.string()) })),
    /** True while the delivery needs attention (rejected, or dead-lettered and not resolved). */
    failed: v.optional(v.boolean()),
    replays: v.number(),
    resolvedAt: v.optional(v.number()),
  })
    .index("by_receivedAt", ["receivedAt"])
    .index("by_organizationId_and_environment_and_failed_and_receivedAt", [
      "organizationId",
      "environment",
      "failed",
      "receivedAt",
    ]) // dashboard "failed only"
    .index("by_failed_and_receivedAt", ["failed", "receivedAt"]) // CLI: all failed, any tenant
    .index("by_organizationId_and_environment_and_receivedAt", [
      "organizationId",
      "environment",
      "receivedAt",
    ]),

  /**
   * A delivery status whose outbound row was not there yet (the status beat the send call's
   * return). Applied and deleted by `statuses.applyPendingStatuses` once the row has its id.
   */
  pendingStatuses: defineTable({
    ...tenant,
    connectionId: v.id("whatsappConnections"),
    providerMessageId: v.string(),
    status: vStatusUpdate.fields.status,
    update: vStatusUpdate,
    /** What we put in `biz_opaque_callback_data` on send, echoed back by the provider. */
    bizOpaqueCallbackData: v.optional(v.string()),
    receivedAt: v.number(),
  })
    .index("by_connectionId_and_providerMessageId_and_status", [
      "connectionId",
      "providerMessageId",
      "status",
    ])
    .index("by_bizOpaqueCallbackData", ["bizOpaqueCallbackData"])
    .index("by_receivedAt", ["receivedAt"]),

  /** One agent turn: what triggered it, what was decided, what it cost and how it ended. */
  agentRuns: defineTable({
    ...tenant,
    ...agentRunFields,
  })
    .index("by_threadId_and_startedAt", ["threadId", "startedAt"])
    .index("by_organizationId_and_environment_and_startedAt", [
      "organizationId",
      "environment",
      "startedAt",
    ]),

  /** Notes and facts about a customer, shared by the numbers of its memory pool. */
  memories: defineTable({
    ...tenant,
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

  /** Message templates of a number's WhatsApp Business Account, kept current by webhooks. */
  templates: defineTable({
    ...tenant,
    connectionId: v.id("whatsappConnections"),
    businessAccountId: v.string(),
    providerTemplateId: v.optional(v.string()),
    name: v.string(),
    language: v.string(),
    category: vTemplateCategory,
    parameterFormat: v.union(v.literal("named"), v.literal("positional")),
    /** Status as Meta reports it: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ... */
    status: v.string(),
    statusReason: v.optional(v.string()),
    components: v.any(),
    updatedAt: v.number(),
  })
    .index("by_connectionId_and_name_and_language", ["connectionId", "name", "language"])
    .index("by_businessAccountId_and_name_and_language", ["businessAccountId", "name", "language"])
    .index("by_providerTemplateId", ["providerTemplateId"]),

  /** How one outbound message is being sent: pacing, attempts, retries and reconciliation. */
  outboundSends: defineTable({
    ...tenant,
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
  }).index("by_messageId", ["messageId"]),
});
