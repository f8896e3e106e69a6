/**
 * Shared validators: the single home of every value shape the schema, the registered
 * functions and the dashboard agree on. Each validator is `vThing` with `type Thing` beside it.
 * Table validators are composed from these; function args derive from them.
 */
import { v, type Infer } from "convex/values";

export const vEnvironment = v.union(v.literal("development"), v.literal("production"));
export type Environment = Infer<typeof vEnvironment>;

export const vRole = v.union(v.literal("admin"), v.literal("member"));
export type Role = Infer<typeof vRole>;

export const vIntegrationStatus = v.union(v.literal("active"), v.literal("disabled"));
export type IntegrationStatus = Infer<typeof vIntegrationStatus>;

export const vConnectionStatus = v.union(
  v.literal("disconnected"),
  v.literal("pending_setup"),
  v.literal("connected"),
);
export type ConnectionStatus = Infer<typeof vConnectionStatus>;

export const vProvider = v.union(v.literal("kapso"), v.literal("meta"));
export type Provider = Infer<typeof vProvider>;

/** One webhook signing secret. Several may be active at once so a secret can be rotated. */
export const vWebhookSecret = v.object({
  secret: v.string(),
  addedAt: v.number(),
  /** After this instant the secret is no longer accepted (set when a newer one replaces it). */
  expiresAt: v.optional(v.number()),
});
export type WebhookSecret = Infer<typeof vWebhookSecret>;

/** Per-number credentials of a number connected to Meta's Cloud API directly (seed 003). Secret. */
export const vMetaCredentials = v.object({
  appId: v.string(),
  appSecret: v.string(),
  businessAccountId: v.string(),
  accessToken: v.string(),
  graphApiVersion: v.string(),
  verifyToken: v.string(),
});
export type MetaCredentials = Infer<typeof vMetaCredentials>;

/** Sending pace of one number (Meta: 80 msg/s default; coexistence numbers 20 msg/s). */
export const vPacing = v.object({
  messagesPerSecond: v.number(),
});
export type Pacing = Infer<typeof vPacing>;

export const vModelSettings = v.object({
  model: v.string(),
  temperature: v.number(),
});

export const vBuiltinTool = v.union(
  v.literal("whatsapp.send"),
  v.literal("whatsapp.sendTemplate"),
  v.literal("whatsapp.sendInteractive"),
  v.literal("whatsapp.sendMedia"),
  v.literal("whatsapp.getConversation"),
  v.literal("whatsapp.getStatus"),
  v.literal("handoff.toHuman"),
  v.literal("memory.search"),
  v.literal("memory.store"),
);
export type BuiltinTool = Infer<typeof vBuiltinTool>;
export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  "whatsapp.send",
  "whatsapp.sendTemplate",
  "whatsapp.sendInteractive",
  "whatsapp.sendMedia",
  "whatsapp.getConversation",
  "whatsapp.getStatus",
  "handoff.toHuman",
  "memory.search",
  "memory.store",
];

/** What an agent does when the model fails or the customer wants a person. */
export const vHandoffPolicy = v.object({
  /** Sent when the model keeps failing after retries. */
  fallbackReply: v.string(),
  /** Hand the thread to a human after the fallback reply. */
  handoffOnFailure: v.boolean(),
});
export type HandoffPolicy = Infer<typeof vHandoffPolicy>;

/** A knowledge entry placed in the agent's context (text or CSV uploaded in the dashboard). */
export const vKnowledgeEntry = v.object({
  title: v.string(),
  format: v.union(v.literal("text"), v.literal("csv")),
  content: v.string(),
});
export type KnowledgeEntry = Infer<typeof vKnowledgeEntry>;

/** Editable fields of an agent (everything but tenancy and timestamps). */
export const agentFields = {
  name: v.string(),
  slug: v.string(),
  description: v.string(),
  systemPrompt: v.string(),
  model: v.string(),
  temperature: v.number(),
  language: v.optional(v.string()),
  maxContextMessages: v.number(),
  maxSteps: v.number(),
  tools: v.array(vBuiltinTool),
  handoff: vHandoffPolicy,
  knowledge: v.array(vKnowledgeEntry),
};

/** One matching condition of a router rule. */
export const vRouterMatch = v.union(
  v.object({ kind: v.literal("keyword"), keywords: v.array(v.string()) }),
  v.object({ kind: v.literal("regex"), pattern: v.string(), flags: v.optional(v.string()) }),
  v.object({ kind: v.literal("interactiveReplyId"), ids: v.array(v.string()) }),
  v.object({ kind: v.literal("messageType"), types: v.array(v.string()) }),
  v.object({ kind: v.literal("contactAttribute"), key: v.string(), equals: v.string() }),
);
export type RouterMatch = Infer<typeof vRouterMatch>;

export const vRouterRule = v.object({
  match: vRouterMatch,
  agentId: v.id("agents"),
});
export type RouterRule = Infer<typeof vRouterRule>;

export const vRouterMode = v.union(v.literal("rules"), v.literal("classify"));
export type RouterMode = Infer<typeof vRouterMode>;

export const vThreadOwner = v.union(v.literal("ai"), v.literal("human"));
export type ThreadOwner = Infer<typeof vThreadOwner>;

/** What the agent sees of the customer: the Struere seed's `threadContext.params`. */
export const vChannelParams = v.object({
  phoneNumber: v.optional(v.string()),
  contactName: v.optional(v.string()),
  /** WhatsApp timestamp (ms) of the customer's last message: the 24-hour window starts here. */
  lastInboundAt: v.optional(v.number()),
  bsuid: v.optional(v.string()),
});
export type ChannelParams = Infer<typeof vChannelParams>;

export const vMessageRole = v.union(
  v.literal("user"),
  v.literal("assistant"),
  v.literal("human"),
  v.literal("system"),
  v.literal("tool"),
);
export type MessageRole = Infer<typeof vMessageRole>;

export const vDirection = v.union(v.literal("inbound"), v.literal("outbound"));

/** Delivery lifecycle of a message. Inbound rows are `received`; outbound rows climb the ladder. */
export const vDeliveryStatus = v.union(
  v.literal("received"),
  v.literal("queued"),
  v.literal("sent"),
  v.literal("delivered"),
  v.literal("read"),
  v.literal("played"),
  v.literal("failed"),
);
export type DeliveryStatus = Infer<typeof vDeliveryStatus>;

export const vStatusTimestamps = v.object({
  queuedAt: v.optional(v.number()),
  sentAt: v.optional(v.number()),
  deliveredAt: v.optional(v.number()),
  readAt: v.optional(v.number()),
  playedAt: v.optional(v.number()),
  failedAt: v.optional(v.number()),
});

export const vProviderError = v.object({
  code: v.number(),
  title: v.string(),
  message: v.optional(v.string()),
  details: v.optional(v.string()),
});
export type ProviderError = Infer<typeof vProviderError>;

export const vMedia = v.object({
  providerMediaId: v.optional(v.string()),
  url: v.optional(v.string()),
  mimeType: v.optional(v.string()),
  size: v.optional(v.number()),
  caption: v.optional(v.string()),
  filename: v.optional(v.string()),
  sha256: v.optional(v.string()),
});
export type Media = Infer<typeof vMedia>;

/** Where a message came from: our own API sends, the WhatsApp Business app (a human), or the customer. */
export const vOrigin = v.union(
  v.literal("customer"),
  v.literal("cloud_api"),
  v.literal("business_app"),
  v.literal("dashboard"),
  v.literal("agent"),
);

/** WhatsApp-specific data of a row in the unified messages table. */
export const vChannelData = v.object({
  channel: v.literal("whatsapp"),
  direction: vDirection,
  /** Cloud API message type (text, image, audio, interactive, template, ...). */
  type: v.string(),
  providerMessageId: v.optional(v.string()),
  status: vDeliveryStatus,
  statusTimestamps: vStatusTimestamps,
  error: v.optional(vProviderError),
  origin: v.optional(vOrigin),
  /** WhatsApp's own timestamp of the message (ms), not our receipt time. */
  whatsappTimestamp: v.optional(v.number()),
  templateName: v.optional(v.string()),
  media: v.optional(vMedia),
  /** Structured payload of non-text types (interactive reply, location, contacts, reaction, ...). */
  payload: v.optional(v.any()),
  /** Id of the message this one replies or reacts to. */
  contextMessageId: v.optional(v.string()),
});
export type ChannelData = Infer<typeof vChannelData>;

export const vDeliverySource = v.union(
  v.literal("kapso_messages"),
  v.literal("kapso_project"),
  v.literal("meta"),
);
export type DeliverySource = Infer<typeof vDeliverySource>;

export const vDeliveryVerdict = v.union(
  v.literal("accepted"),
  v.literal("missing_signature"),
  v.literal("bad_signature"),
  v.literal("unknown_connection"),
  v.literal("malformed"),
);
export type DeliveryVerdict = Infer<typeof vDeliveryVerdict>;

export const vTemplateCategory = v.union(
  v.literal("AUTHENTICATION"),
  v.literal("MARKETING"),
  v.literal("UTILITY"),
);
export type TemplateCategory = Infer<typeof vTemplateCategory>;

export const vRunOutcome = v.union(
  v.literal("running"),
  v.literal("replied"),
  v.literal("silent"),
  v.literal("superseded"),
  v.literal("handed_off"),
  v.literal("failed"),
  v.literal("no_handler"),
);
export type RunOutcome = Infer<typeof vRunOutcome>;

// --- Inbound (issue 3): delivery statuses reported by webhooks --------------------------------

/** A stage a status webhook can report for one of our outbound messages. */
export const vReportedStatus = v.union(
  v.literal("sent"),
  v.literal("delivered"),
  v.literal("read"),
  v.literal("played"),
  v.literal("failed"),
);
export type ReportedStatus = Infer<typeof vReportedStatus>;

/** One status report, as parsed from a Kapso or Meta webhook (timestamps in ms). */
export const vStatusUpdate = v.object({
  status: vReportedStatus,
  timestamp: v.number(),
  error: v.optional(vProviderError),
  recipientId: v.optional(v.string()),
  bizOpaqueCallbackData: v.optional(v.string()),
  /** Meta's pricing object on sent/delivered/read (kept as sent, for usage reports). */
  pricing: v.optional(v.any()),
});
export type StatusUpdate = Infer<typeof vStatusUpdate>;

/** A webhook delivery as the dashboard and CLI list it (never the raw body or signatures). */
export const vDeliveryView = v.object({
  _id: v.id("webhookDeliveries"),
  source: vDeliverySource,
  receivedAt: v.number(),
  connectionId: v.optional(v.id("whatsappConnections")),
  verdict: vDeliveryVerdict,
  eventType: v.optional(v.string()),
  counts: v.object({
    messages: v.number(),
    duplicates: v.number(),
    statuses: v.number(),
    ignored: v.number(),
  }),
  deadLetter: v.optional(v.object({ reason: v.string(), detail: v.optional(v.string()) })),
  failed: v.boolean(),
  replayable: v.boolean(),
  replays: v.number(),
  resolvedAt: v.optional(v.number()),
});
export type DeliveryView = Infer<typeof vDeliveryView>;
