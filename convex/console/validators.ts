/**
 * Value shapes of the operator console's backend (analytics, router preview, agent usage,
 * prompt preview, playground, Meta onboarding): the tables, the registered functions and the
 * dashboard agree on these. Kept beside the console modules; each is `vThing` with `type Thing`.
 */
import { v, type Infer } from "convex/values";
import { vHandoffReason, vOutboundContent, vRunOutcome, vToolCallRecord } from "../lib/validators";

/** A figure and what it is a share of, so every chart can state its denominator. */
export const vRatio = v.object({ count: v.number(), of: v.number() });
export type Ratio = Infer<typeof vRatio>;

/** The window an analytics answer covers: whole days ending with the day of `until`. */
export const vAnalyticsRange = v.object({
  from: v.number(),
  until: v.number(),
  /** Day keys (`YYYY-MM-DD`, shifted by `utcOffsetMinutes`), oldest first. */
  days: v.array(v.string()),
  utcOffsetMinutes: v.number(),
});
export type AnalyticsRange = Infer<typeof vAnalyticsRange>;

/** How long customers waited for a first reply from one kind of responder. */
export const vLatency = v.object({
  /** Waits that got a reply (the denominator of the figures below). */
  answered: v.number(),
  /** Waits still open at the end of the range, or closed without this kind of reply. */
  unanswered: v.number(),
  medianMs: v.union(v.number(), v.null()),
  p90Ms: v.union(v.number(), v.null()),
  meanMs: v.union(v.number(), v.null()),
});
export type Latency = Infer<typeof vLatency>;

export const vConversationDay = v.object({
  day: v.string(),
  inbound: v.number(),
  outboundAi: v.number(),
  outboundHuman: v.number(),
  /** Threads with a customer message that day. */
  conversations: v.number(),
  /** Threads with a customer message that day while the AI owned them (handoff denominator). */
  aiConversations: v.number(),
  handoffs: v.number(),
  aiFirstReply: v.object({ answered: v.number(), medianMs: v.union(v.number(), v.null()) }),
  humanFirstReply: v.object({ answered: v.number(), medianMs: v.union(v.number(), v.null()) }),
});
export type ConversationDay = Infer<typeof vConversationDay>;

export const vConversationAnalytics = v.object({
  range: vAnalyticsRange,
  /** What was read: the figures are exact only when `complete` is true. */
  scope: v.object({
    connectionId: v.optional(v.id("whatsappConnections")),
    threads: v.number(),
    messages: v.number(),
    complete: v.boolean(),
    limits: v.object({ threads: v.number(), messages: v.number() }),
  }),
  daily: v.array(vConversationDay),
  totals: v.object({
    inbound: v.number(),
    outboundAi: v.number(),
    outboundHuman: v.number(),
    conversations: v.number(),
  }),
  /** Outbound messages created in the range; every stage is a share of `outbound`. */
  funnel: v.object({
    outbound: v.number(),
    sent: vRatio,
    delivered: vRatio,
    read: vRatio,
    failed: vRatio,
    /** Still queued (not yet accepted by WhatsApp). */
    pending: vRatio,
    failedByCode: v.array(v.object({ code: v.number(), title: v.string(), count: v.number() })),
  }),
  firstReply: v.object({ ai: vLatency, human: vLatency }),
  handoff: v.object({
    /** Threads handed to a human (any reason) over threads the AI was answering. */
    rate: vRatio,
    /** Same, counting only handoffs the customer or the AI asked for (not manual take-overs). */
    escalationRate: vRatio,
    byReason: v.array(v.object({ reason: vHandoffReason, count: v.number() })),
  }),
  byNumber: v.array(
    v.object({
      connectionId: v.id("whatsappConnections"),
      inbound: v.number(),
      outbound: v.number(),
      conversations: v.number(),
    }),
  ),
});
export type ConversationAnalytics = Infer<typeof vConversationAnalytics>;

const usageFields = {
  /** Agent runs started (the denominator of tokens and cost). */
  runs: v.number(),
  /** Runs that called the model at least once. */
  modelRuns: v.number(),
  tokensIn: v.number(),
  tokensOut: v.number(),
  costUsd: v.number(),
};

export const vUsageAnalytics = v.object({
  range: vAnalyticsRange,
  scope: v.object({
    connectionId: v.optional(v.id("whatsappConnections")),
    runs: v.number(),
    complete: v.boolean(),
    limit: v.number(),
  }),
  daily: v.array(v.object({ day: v.string(), ...usageFields })),
  totals: v.object(usageFields),
  byAgent: v.array(v.object({ agentId: v.union(v.id("agents"), v.null()), ...usageFields })),
  outcomes: v.array(v.object({ outcome: vRunOutcome, count: v.number() })),
});
export type UsageAnalytics = Infer<typeof vUsageAnalytics>;

/** Run details of one playground turn, shown beside its replies. */
export const vPlaygroundRun = v.object({
  state: v.union(v.literal("running"), v.literal("done"), v.literal("failed")),
  agentId: v.id("agents"),
  decision: v.string(),
  toolCalls: v.array(vToolCallRecord),
  promptChars: v.number(),
  tokensIn: v.number(),
  tokensOut: v.number(),
  costUsd: v.number(),
  startedAt: v.number(),
  latencyMs: v.optional(v.number()),
  error: v.optional(v.string()),
});
export type PlaygroundRun = Infer<typeof vPlaygroundRun>;

/** `event`: what the agent did that a real conversation would have done elsewhere. */
export const vPlaygroundRole = v.union(
  v.literal("user"),
  v.literal("assistant"),
  v.literal("event"),
);
export type PlaygroundRole = Infer<typeof vPlaygroundRole>;

/** A playground message's fields besides tenancy (the table and the view share them). */
export const playgroundMessageFields = {
  sessionId: v.id("playgroundSessions"),
  role: vPlaygroundRole,
  content: v.string(),
  /** What the agent sent, as it would have gone to WhatsApp (buttons, list, template, media). */
  outbound: v.optional(vOutboundContent),
  /** On the customer's message: the turn that answered it. */
  run: v.optional(vPlaygroundRun),
  createdAt: v.number(),
};

/** The stand-in customer of a playground session (what the prompt's thread context shows). */
export const vPlaygroundCustomer = v.object({
  contactName: v.optional(v.string()),
  phoneNumber: v.optional(v.string()),
});
export type PlaygroundCustomer = Infer<typeof vPlaygroundCustomer>;

export const playgroundSessionFields = {
  agentId: v.id("agents"),
  /** Clerk subject of the member who opened it. */
  createdBy: v.string(),
  customer: vPlaygroundCustomer,
  /** Number whose persona and label the prompt uses (nothing is ever sent from it). */
  connectionId: v.optional(v.id("whatsappConnections")),
  /** Call the agent's HTTP tools for real; otherwise they answer with a simulated result. */
  liveHttpTools: v.boolean(),
  /** Notes the agent stored with memory.store in this session (never real customer memory). */
  memories: v.array(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
};
