/**
 * Agent, router and agent-run shapes: built-in tools, handoff policy, knowledge, custom HTTP
 * tools, router rules, and the fields an agent run records.
 */
import { v, type Infer } from "convex/values";

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
  /**
   * Hand off (reason `unresolved`) once the model judged this many turns in a row to answer a
   * problem the customer raises again (`conversation.assess`, offered while this is set).
   */
  maxUnresolvedTurns: v.optional(v.number()),
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
 * A custom HTTP tool of an agent. The model fills `parameters` (a JSON Schema object,
 * stored as JSON text); the call also carries the thread context (`channelParams`). Header values
 * are SECRETS: they reach the tool's URL only, never the model, and public queries show their
 * names alone (see agents/definitions.ts `agentView`).
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
  /** Custom HTTP tools; absent on agents created before them. */
  httpTools: v.optional(v.array(vHttpTool)),
  /**
   * Numbers (E.164) besides the thread's customer that `whatsapp.send` may write to (its `to`
   * argument), set by an admin (agents/recipients.ts). Absent or empty: the customer only.
   */
  allowedRecipients: v.optional(v.array(v.string())),
  /**
   * Agents of the same organization and environment this agent may pass a thread to with
   * `agents.handoff`, set by an admin. Absent or empty: it passes to none.
   */
  handoffAgentIds: v.optional(v.array(v.id("agents"))),
  /** The agent's model takes images: it is offered `media.view` (stored images of the thread). */
  vision: v.optional(v.boolean()),
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
  /** The model judged this turn to answer a problem the customer raised again, unresolved. */
  unresolved: v.optional(v.boolean()),
  /** Messages this run sent to allowed recipients other than the thread's customer. */
  sentTo: v.optional(
    v.array(
      v.object({
        phoneNumber: v.string(),
        threadId: v.id("threads"),
        messageId: v.id("messages"),
      }),
    ),
  ),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
};
