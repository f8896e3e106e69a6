/**
 * Thread, handoff, hook and follow-up shapes: who owns a thread, what the agent sees of the
 * customer, why a thread changed hands, outgoing hooks and scheduled follow-ups.
 */
import { v, type Infer } from "convex/values";
import { vDirection, vMessageRole } from "./messages";
import { vTemplateParameters } from "./outbound";

export const vThreadOwner = v.union(v.literal("ai"), v.literal("human"));
export type ThreadOwner = Infer<typeof vThreadOwner>;

/** What the agent sees of the customer (its thread context parameters). */
export const vChannelParams = v.object({
  phoneNumber: v.optional(v.string()),
  contactName: v.optional(v.string()),
  /** WhatsApp timestamp (ms) of the customer's last message: the 24-hour window starts here. */
  lastInboundAt: v.optional(v.number()),
  bsuid: v.optional(v.string()),
});
export type ChannelParams = Infer<typeof vChannelParams>;

/**
 * A thread's newest message as the inbox list shows it: who wrote it, a short text (or a label
 * such as "Voice message", "Image: caption", "Template: name") and when.
 */
export const vLastMessage = v.object({
  direction: vDirection,
  role: vMessageRole,
  preview: v.string(),
  at: v.number(),
});
export type LastMessage = Infer<typeof vLastMessage>;

export const vHandoffReason = v.union(
  v.literal("customer_asked"),
  v.literal("frustration"),
  v.literal("out_of_scope"),
  v.literal("sensitive"),
  v.literal("escalation_keyword"),
  v.literal("repeated_failure"),
  /** The customer raised the same problem for the agent's `maxUnresolvedTurns` turns in a row. */
  v.literal("unresolved"),
  v.literal("human_replied"),
  v.literal("business_app_reply"),
  v.literal("manual"),
  v.literal("inactivity"),
);
export type HandoffReason = Infer<typeof vHandoffReason>;

/** Longest note a teammate leaves for the AI when releasing a thread (`inbox.threads.release`). */
export const MAX_RELEASE_NOTE = 1000;

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

/** What set a handoff off: a rule on the customer's words, or the model's own judgement. */
export const vHandoffSignal = v.union(
  v.literal("escalation_keyword"),
  v.literal("frustration_keyword"),
  v.literal("profanity"),
  v.literal("all_caps"),
  v.literal("punctuation"),
  /** The model called `handoff.toHuman` (its reason is the event's reason). */
  v.literal("model"),
  /** The model kept judging the customer's problem unresolved (`conversation.assess`). */
  v.literal("unresolved_turns"),
  /** The model kept failing and the fallback reply went out. */
  v.literal("model_unavailable"),
);
export type HandoffSignal = Infer<typeof vHandoffSignal>;

/** The signal behind a handoff and what exactly triggered it (the word, the excerpt, the note). */
export const vHandoffTrigger = v.object({ signal: vHandoffSignal, detail: v.string() });
export type HandoffTrigger = Infer<typeof vHandoffTrigger>;

/** Languages with a built-in profanity list for the frustration signal. */
export const vProfanityLanguage = v.union(v.literal("en"), v.literal("es"), v.literal("pt"));
export type ProfanityLanguage = Infer<typeof vProfanityLanguage>;

/**
 * The tenant's deterministic frustration signal, checked on the customer's messages before any
 * model call; a match hands the thread to a person with reason `frustration`.
 */
export const vFrustrationSettings = v.object({
  enabled: v.boolean(),
  /** The tenant's own words of frustration (whole words, case- and accent-insensitive). */
  keywords: v.array(v.string()),
  /** Built-in profanity lists to apply. */
  profanityLanguages: v.array(vProfanityLanguage),
  /** A shouted message: mostly capital letters. */
  allCaps: v.boolean(),
  /** Three or more `?`/`!` in a row, at least one a `?` ("???", "?!!"). */
  punctuation: v.boolean(),
});
export type FrustrationSettings = Infer<typeof vFrustrationSettings>;

/**
 * A person told on WhatsApp when a thread needs one: text inside their own 24-hour window with
 * the number, otherwise the approved template (body variables: customer, summary, link).
 */
export const vEscalationContact = v.object({
  /** E.164. */
  phoneNumber: v.string(),
  name: v.optional(v.string()),
  template: v.optional(v.object({ name: v.string(), language: v.string() })),
});
export type EscalationContact = Infer<typeof vEscalationContact>;

/** What became of telling the escalation contact about one handoff. */
export const vEscalationNotice = v.object({
  phoneNumber: v.string(),
  as: v.optional(v.union(v.literal("text"), v.literal("template"))),
  messageId: v.optional(v.id("messages")),
  /** Why nothing was sent (window closed without a template, template not approved, ...). */
  error: v.optional(v.string()),
});
export type EscalationNotice = Infer<typeof vEscalationNotice>;

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
  /** Deterministic frustration signal (off when absent). */
  frustration: v.optional(vFrustrationSettings),
  /** The person told on WhatsApp when a thread needs one. */
  escalationContact: v.optional(vEscalationContact),
});
export type TenantHandoffSettings = Infer<typeof vTenantHandoffSettings>;

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
