/**
 * WhatsApp connection shapes: integration and connection states, provider, signing secrets,
 * Meta credentials, sending pace, webhook deliveries and their bulk replays, template categories.
 */
import { v, type Infer } from "convex/values";

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

/** Per-number credentials of a number connected to Meta's Cloud API directly. Secret. */
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

/**
 * A bulk replay of a tenant's failed deliveries: running (batches still to go), done, or
 * abandoned (its worker stopped reporting and a newer replay took over).
 */
export const vDeliveryReplayJobStatus = v.union(
  v.literal("running"),
  v.literal("done"),
  v.literal("abandoned"),
);
export type DeliveryReplayJobStatus = Infer<typeof vDeliveryReplayJobStatus>;

/** What a bulk replay has done so far, per delivery it found. */
export const vDeliveryReplayProgress = v.object({
  /** Failed deliveries found in the range so far. */
  found: v.number(),
  /** Replayed and nothing is left dead-lettered. */
  resolved: v.number(),
  /** Replayed, and still dead-lettered (the cause is not fixed yet). */
  stillFailed: v.number(),
  /** Could not be replayed: the body was not kept. */
  skipped: v.number(),
  /** The replay itself threw; the latest error is kept. */
  errors: v.number(),
  lastError: v.optional(v.string()),
});
export type DeliveryReplayProgress = Infer<typeof vDeliveryReplayProgress>;

export const vTemplateCategory = v.union(
  v.literal("AUTHENTICATION"),
  v.literal("MARKETING"),
  v.literal("UTILITY"),
);
export type TemplateCategory = Infer<typeof vTemplateCategory>;

/** What started a template sync: the cron, a template webhook, a send, or a person. */
export const vTemplateSyncTrigger = v.union(
  v.literal("scheduled"),
  v.literal("hint"),
  v.literal("send"),
  v.literal("manual"),
);
export type TemplateSyncTrigger = Infer<typeof vTemplateSyncTrigger>;

/** How a number's templates are kept in step with the provider (whatsapp/templateSync.ts). */
export const vTemplateSyncState = v.object({
  /** Last time a full pass over the WABA's templates completed. */
  lastSyncedAt: v.optional(v.number()),
  lastAttemptAt: v.optional(v.number()),
  /** A sync holds the number until it finishes or this lease ends. */
  runningUntil: v.optional(v.number()),
  /** Consecutive failed syncs (the backoff grows with them); the latest error. */
  failures: v.number(),
  lastError: v.optional(v.string()),
  /** Where an unfinished pass resumes (the provider's `after` cursor) and when it began. */
  cursor: v.optional(v.string()),
  passStartedAt: v.optional(v.number()),
  /** A sync asked for by a webhook or a send is scheduled at this time. */
  hintAt: v.optional(v.number()),
});
export type TemplateSyncState = Infer<typeof vTemplateSyncState>;

/** Meta's quality rating of a template. */
export const vTemplateQuality = v.object({
  score: v.string(),
  previousScore: v.optional(v.string()),
  updatedAt: v.number(),
});

/** A category change Meta announced (`template_category_update`), effective at `at`. */
export const vTemplateCategoryChange = v.object({
  to: v.string(),
  at: v.optional(v.number()),
});

/** The latest template event that did not change the status itself (FLAGGED, LOCKED, ...). */
export const vTemplateEventNote = v.object({
  event: v.string(),
  detail: v.optional(v.string()),
  at: v.number(),
});
