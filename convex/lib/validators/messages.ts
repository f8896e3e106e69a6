/**
 * Message shapes of the unified `messages` table: roles, WhatsApp channel data (type, media,
 * delivery status and its timestamps, provider errors) and the status reports webhooks carry.
 */
import { v, type Infer } from "convex/values";

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
  /** Our stored copy (Convex file storage, media/store.ts); gone after the media retention. */
  storageId: v.optional(v.id("_storage")),
  /** Why no copy was stored (too large, download failed, no media id). */
  fetchError: v.optional(v.string()),
});
export type Media = Infer<typeof vMedia>;

/**
 * The words of a voice note: `pending` while it is downloaded and transcribed, `completed`
 * with the text (from the provider's own transcript or our transcription), or `failed`.
 */
export const vTranscript = v.object({
  status: v.union(v.literal("pending"), v.literal("completed"), v.literal("failed")),
  text: v.optional(v.string()),
  source: v.optional(v.union(v.literal("provider"), v.literal("transcription"))),
  requestedAt: v.number(),
  completedAt: v.optional(v.number()),
  error: v.optional(v.string()),
  /** The turn generation waiting for this transcript (started again when it arrives). */
  awaitedBy: v.optional(v.number()),
});
export type Transcript = Infer<typeof vTranscript>;

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
  /**
   * The send response's `message_status`: `accepted`, or `held_for_quality_assessment` (Meta
   * holds a paced template send; `status` stays `queued` until a `sent` or `failed` report).
   */
  messageStatus: v.optional(v.string()),
  status: vDeliveryStatus,
  statusTimestamps: vStatusTimestamps,
  error: v.optional(vProviderError),
  origin: v.optional(vOrigin),
  /** WhatsApp's own timestamp of the message (ms), not our receipt time. */
  whatsappTimestamp: v.optional(v.number()),
  templateName: v.optional(v.string()),
  media: v.optional(vMedia),
  /** A voice note's transcript (shown under the voice note; the agent reads `content`). */
  transcript: v.optional(vTranscript),
  /** Structured payload of non-text types (interactive reply, location, contacts, reaction, ...). */
  payload: v.optional(v.any()),
  /** Id of the message this one replies or reacts to. */
  contextMessageId: v.optional(v.string()),
});
export type ChannelData = Infer<typeof vChannelData>;

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
