/**
 * The WhatsApp channel's tables: enablement per environment, connected numbers, the webhook
 * delivery log, its bulk replays and its counters, parked statuses and message templates.
 * Spread into the schema by convex/schema.ts.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vConnectionStatus,
  vDeliveryReplayJobStatus,
  vDeliveryReplayProgress,
  vDeliverySource,
  vDeliveryVerdict,
  tenantFields,
  vEnvironment,
  vIntegrationStatus,
  vMetaCredentials,
  vPacing,
  vProvider,
  vStatusUpdate,
  vTemplateCategory,
  vTemplateCategoryChange,
  vTemplateEventNote,
  vTemplateQuality,
  vTemplateSyncState,
  vTenantHandoffSettings,
  vWebhookSecret,
} from "../lib/validators";

export const whatsappTables = {
  /** WhatsApp enabled (or not) for one organization and environment. */
  integrationConfigs: defineTable({
    ...tenantFields,
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

  /** One WhatsApp Business number of a tenant and how it is handled. */
  whatsappConnections: defineTable({
    ...tenantFields,
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
    /** At most one of these two handles inbound messages (whatsapp/connectionStore.ts). */
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
    /** When the template cron next syncs this number's templates (whatsapp/templateSync.ts). */
    templateSyncDueAt: v.optional(v.number()),
    templateSync: v.optional(vTemplateSyncState),
  })
    .index("by_organizationId_and_environment", ["organizationId", "environment"]) // dashboard list
    .index("by_providerPhoneNumberId", ["providerPhoneNumberId"]) // inbound webhook → connection
    .index("by_kapsoCustomerId", ["kapsoCustomerId"]) // project webhook → pending connection
    .index("by_verifyToken", ["metaCredentials.verifyToken"]) // Meta GET handshake
    .index("by_metaAppId", ["metaCredentials.appId"]) // a Meta app belongs to one organization
    .index("by_businessAccountId", ["businessAccountId"]) // Meta template webhooks (WABA id)
    .index("by_status_and_templateSyncDueAt", ["status", "templateSyncDueAt"]), // template cron

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
    /** SHA-256 of the raw body (older deliveries; the verified path no longer computes it). */
    bodySha256: v.optional(v.string()),
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
   * A bulk replay of a tenant's failed deliveries received in [since, until], worked through
   * in batches by whatsapp/deliveryReplay.ts; at most one runs per tenant and environment.
   */
  deliveryReplayJobs: defineTable({
    ...tenantFields,
    /** Clerk subject of the admin who asked for it. */
    requestedBy: v.string(),
    since: v.number(),
    until: v.number(),
    status: vDeliveryReplayJobStatus,
    /** Where the next batch resumes: the last receivedAt seen, and the ids seen at it. */
    cursorAt: v.optional(v.number()),
    cursorIds: v.array(v.id("webhookDeliveries")),
    batches: v.number(),
    progress: vDeliveryReplayProgress,
    startedAt: v.number(),
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
  })
    // The latest run needs rows in creation order, which the status index does not give.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_organizationId_and_environment", ["organizationId", "environment"])
    .index("by_organizationId_and_environment_and_status", [
      "organizationId",
      "environment",
      "status",
    ]) // the one running
    // Retention: finished jobs by age (a finished job is never patched again, so this is its end).
    .index("by_updatedAt", ["updatedAt"]),

  /**
   * Deliveries that could not be verified (no or bad signature, unknown number, unreadable
   * body), counted per route and reason: no body, only a digest of the last one. At most one
   * row per (source, reason), however many arrive.
   */
  webhookRejections: defineTable({
    source: vDeliverySource,
    reason: v.string(),
    count: v.number(),
    firstAt: v.number(),
    lastAt: v.number(),
    /** SHA-256 of the last refused body. */
    lastBodySha256: v.string(),
  }).index("by_source_and_reason", ["source", "reason"]),

  /** Bad signatures on deliveries naming a connected number: what an operator needs to debug. */
  webhookSignatureFailures: defineTable({
    ...tenantFields,
    connectionId: v.id("whatsappConnections"),
    count: v.number(),
    lastAt: v.number(),
  })
    .index("by_connectionId", ["connectionId"])
    .index("by_organizationId_and_environment", ["organizationId", "environment"]),

  /**
   * A delivery status whose outbound row was not there yet (the status beat the send call's
   * return). Applied and deleted by `statuses.applyPendingStatuses` once the row has its id.
   */
  pendingStatuses: defineTable({
    ...tenantFields,
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

  /** Message templates of a number's WhatsApp Business Account, kept current by webhooks. */
  templates: defineTable({
    ...tenantFields,
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
    /** Quality rating (GREEN, YELLOW, RED, UNKNOWN) from syncs and quality webhooks. */
    quality: v.optional(vTemplateQuality),
    /** The category before Meta last changed it, and a change Meta announced. */
    previousCategory: v.optional(v.string()),
    categoryChange: v.optional(vTemplateCategoryChange),
    lastEvent: v.optional(vTemplateEventNote),
    /** Start of the sync pass that last saw this template at the provider. */
    syncedAt: v.optional(v.number()),
    updatedAt: v.number(),
  })
    .index("by_connectionId_and_name_and_language", ["connectionId", "name", "language"])
    .index("by_businessAccountId_and_name_and_language", ["businessAccountId", "name", "language"])
    .index("by_providerTemplateId", ["providerTemplateId"])
    .index("by_connectionId_and_syncedAt", ["connectionId", "syncedAt"]), // pruned after a sync
};
