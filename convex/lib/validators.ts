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
  // Agent-to-agent handoff, follow-ups and qualified leads (convex/agents/tools.ts).
  v.literal("agents.handoff"),
  v.literal("followUps.schedule"),
  v.literal("lead.qualify"),
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
  "agents.handoff",
  "followUps.schedule",
  "lead.qualify",
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

/**
 * A custom HTTP tool of an agent (issue 5). The model fills `parameters` (a JSON Schema object,
 * stored as JSON text); the call also carries the thread context (`channelParams`). Header values
 * are SECRETS: they reach the tool's URL only, never the model, and public queries show their
 * names alone (see agents.ts `agentView`).
 */
export const vHttpTool = v.object({
  /** Tool name shown to the model: lowercase letters, digits and underscores. */
  name: v.string(),
  description: v.string(),
  url: v.string(),
  method: v.union(v.literal("GET"), v.literal("POST")),
  /** JSON Schema (type "object") of the arguments, as JSON text. */
  parameters: v.string(),
  /** SECRET values. */
  secretHeaders: v.array(v.object({ name: v.string(), value: v.string() })),
  timeoutMs: v.number(),
  maxResponseBytes: v.number(),
});
export type HttpTool = Infer<typeof vHttpTool>;

/** An HTTP tool as the dashboard sees it: header names, never their values. */
export const vHttpToolView = v.object({
  name: v.string(),
  description: v.string(),
  url: v.string(),
  method: v.union(v.literal("GET"), v.literal("POST")),
  parameters: v.string(),
  headerNames: v.array(v.string()),
  timeoutMs: v.number(),
  maxResponseBytes: v.number(),
});
export type HttpToolView = Infer<typeof vHttpToolView>;

/** An HTTP tool as the dashboard writes it: a header without `value` keeps its stored value. */
export const vHttpToolInput = v.object({
  name: v.string(),
  description: v.string(),
  url: v.string(),
  method: v.union(v.literal("GET"), v.literal("POST")),
  parameters: v.string(),
  headers: v.array(v.object({ name: v.string(), value: v.optional(v.string()) })),
  timeoutMs: v.optional(v.number()),
  maxResponseBytes: v.optional(v.number()),
});
export type HttpToolInput = Infer<typeof vHttpToolInput>;

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
  /** Custom HTTP tools (issue 5); absent on agents created before them. */
  httpTools: v.optional(v.array(vHttpTool)),
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
  /** The agent passed the thread to another agent (agents.handoff), which answers instead. */
  v.literal("passed_on"),
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

// --- Outbound (issue 4): what can be sent, and how one send is going -------------------------

export const vMediaType = v.union(
  v.literal("image"),
  v.literal("document"),
  v.literal("audio"),
  v.literal("video"),
);
export type MediaType = Infer<typeof vMediaType>;

/** Values of a template's variables: positional (`{{1}}`, in order) or named (`{{first_name}}`). */
export const vTemplateValues = v.union(v.array(v.string()), v.record(v.string(), v.string()));
export type TemplateValues = Infer<typeof vTemplateValues>;

/** Parameters of a template send, checked against the stored template before anything is sent. */
export const vTemplateParameters = v.object({
  header: v.optional(vTemplateValues),
  /** For IMAGE / VIDEO / DOCUMENT headers: the media link. */
  headerMediaUrl: v.optional(v.string()),
  body: v.optional(vTemplateValues),
  /** Dynamic URL button suffixes, by button index. */
  buttons: v.optional(v.array(v.object({ index: v.number(), text: v.string() }))),
});
export type TemplateParameters = Infer<typeof vTemplateParameters>;

/** One outbound message of any kind (mark-as-read is not a message: see outbound.ts). */
export const vOutboundContent = v.union(
  v.object({ kind: v.literal("text"), text: v.string(), previewUrl: v.optional(v.boolean()) }),
  v.object({
    kind: v.literal("media"),
    mediaType: vMediaType,
    /** A public link the provider fetches... */
    url: v.optional(v.string()),
    /** ...or a file in Convex storage, uploaded to the provider at send time. */
    storageId: v.optional(v.id("_storage")),
    mimeType: v.optional(v.string()),
    caption: v.optional(v.string()),
    filename: v.optional(v.string()),
  }),
  v.object({
    kind: v.literal("buttons"),
    body: v.string(),
    header: v.optional(v.string()),
    footer: v.optional(v.string()),
    buttons: v.array(v.object({ id: v.string(), title: v.string() })),
  }),
  v.object({
    kind: v.literal("list"),
    body: v.string(),
    buttonText: v.string(),
    header: v.optional(v.string()),
    footer: v.optional(v.string()),
    sections: v.array(
      v.object({
        title: v.optional(v.string()),
        rows: v.array(
          v.object({ id: v.string(), title: v.string(), description: v.optional(v.string()) }),
        ),
      }),
    ),
  }),
  v.object({
    kind: v.literal("template"),
    name: v.string(),
    language: v.string(),
    parameters: v.optional(vTemplateParameters),
  }),
  v.object({ kind: v.literal("reaction"), messageId: v.string(), emoji: v.string() }),
);
export type OutboundContent = Infer<typeof vOutboundContent>;

/** Where one send stands. `unconfirmed`: the provider may have accepted it (see outbound.ts). */
export const vSendState = v.union(
  v.literal("pacing"),
  v.literal("scheduled"),
  v.literal("sending"),
  v.literal("unconfirmed"),
  v.literal("sent"),
  v.literal("failed"),
);
export type SendState = Infer<typeof vSendState>;

/** One provider call of a send, as the dashboard's message timeline shows it. */
export const vSendAttempt = v.object({
  startedAt: v.number(),
  finishedAt: v.number(),
  outcome: v.union(
    v.literal("accepted"),
    v.literal("transient"),
    v.literal("permanent"),
    v.literal("ambiguous"),
    v.literal("found"),
    v.literal("not_found"),
    v.literal("lookup_failed"),
  ),
  httpStatus: v.optional(v.number()),
  code: v.optional(v.number()),
  error: v.optional(v.string()),
});
export type SendAttempt = Infer<typeof vSendAttempt>;

// --- Handoff, notifications and outgoing hooks (convex/inbox/handoff.ts, convex/inbox/hooks.ts) ----------

export const vHandoffReason = v.union(
  v.literal("customer_asked"),
  v.literal("frustration"),
  v.literal("out_of_scope"),
  v.literal("sensitive"),
  v.literal("escalation_keyword"),
  v.literal("repeated_failure"),
  v.literal("human_replied"),
  v.literal("business_app_reply"),
  v.literal("manual"),
  v.literal("inactivity"),
);
export type HandoffReason = Infer<typeof vHandoffReason>;

export const vHandoffActor = v.union(
  v.object({ kind: v.literal("agent"), agentId: v.optional(v.id("agents")) }),
  v.object({ kind: v.literal("user"), userId: v.string() }),
  v.object({ kind: v.literal("system") }),
);
export type HandoffActor = Infer<typeof vHandoffActor>;

export const vHookKind = v.union(v.literal("slack"), v.literal("http"), v.literal("crm"));
export type HookKind = Infer<typeof vHookKind>;

export const vHookState = v.union(
  v.literal("pending"),
  v.literal("delivered"),
  v.literal("failed"),
);

/** A signed HTTP hook: we POST JSON with `X-Switchboard-Signature: sha256=<hmac of body>`. */
export const vSignedHook = v.object({ url: v.string(), secret: v.string() });

/** Per-tenant (and environment) handoff policy. SECRET: the hook URLs and secrets. */
export const vTenantHandoffSettings = v.object({
  /** Checked before the model, case- and accent-insensitively, in any language. */
  escalationKeywords: v.array(v.string()),
  /** Sent to the customer when an escalation keyword hands the thread to a person. */
  escalationAcknowledgement: v.optional(v.string()),
  /** Release a human-owned thread back to the AI after this much human inactivity. */
  autoReleaseMinutes: v.optional(v.number()),
  /** Hand off after this many fallback replies in a row (model failures). */
  maxConsecutiveFallbacks: v.number(),
  slackWebhookUrl: v.optional(v.string()),
  httpHook: v.optional(vSignedHook),
  crmHook: v.optional(vSignedHook),
});
export type TenantHandoffSettings = Infer<typeof vTenantHandoffSettings>;

// --- Agents (issue 5) -------------------------------------------------------------------------

/** One tool call of an agent run, as recorded (arguments and result as bounded JSON text). */
export const vToolCallRecord = v.object({
  name: v.string(),
  arguments: v.string(),
  result: v.string(),
  ok: v.boolean(),
});
export type ToolCallRecord = Infer<typeof vToolCallRecord>;

/** Fields of an `agentRuns` row besides tenancy: the table and the dashboard's view share them. */
export const agentRunFields = {
  threadId: v.id("threads"),
  connectionId: v.id("whatsappConnections"),
  generation: v.number(),
  agentId: v.optional(v.id("agents")),
  routerId: v.optional(v.id("routers")),
  triggerMessageIds: v.array(v.id("messages")),
  decision: v.optional(v.object({ agentId: v.id("agents"), reason: v.string() })),
  outcome: vRunOutcome,
  toolCalls: v.array(vToolCallRecord),
  promptChars: v.number(),
  tokensIn: v.number(),
  tokensOut: v.number(),
  costUsd: v.number(),
  latencyMs: v.optional(v.number()),
  error: v.optional(v.string()),
  /** Why a run ended without the model (escalation keyword, agent handoff, ...). */
  note: v.optional(v.string()),
  /** The model failed and the agent's fallback reply was sent (counted for repeated failure). */
  usedFallback: v.optional(v.boolean()),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
};

// --- Follow-ups (convex/inbox/followUps.ts) --------------------------------------------------------

export const vFollowUpTemplate = v.object({
  name: v.string(),
  language: v.string(),
  parameters: v.optional(vTemplateParameters),
});
export type FollowUpTemplate = Infer<typeof vFollowUpTemplate>;

export const vFollowUpState = v.union(
  /** `jobId` is set right after insertion (the job needs the row's id). */
  v.object({ kind: v.literal("scheduled"), jobId: v.optional(v.id("_scheduled_functions")) }),
  v.object({
    kind: v.literal("sent"),
    messageId: v.id("messages"),
    as: v.union(v.literal("text"), v.literal("template")),
    at: v.number(),
  }),
  v.object({ kind: v.literal("cancelled"), reason: v.string(), at: v.number() }),
  v.object({ kind: v.literal("failed"), reason: v.string(), at: v.number() }),
);
export type FollowUpState = Infer<typeof vFollowUpState>;
