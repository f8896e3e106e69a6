/**
 * The database side of an agent turn: `begin` (single-flight check, trigger messages, tenant
 * escalation keywords before any model, per-tenant turn and spend limits, router rules or the
 * agent a previous agent passed the thread to, the run row), the bounded context read, and
 * every side effect a run may cause (sends, handoffs, memory, follow-ups, leads), each
 * re-checking that the run's generation is still the thread's current one so a superseded run
 * changes nothing. The model loop lives in agentTurn.ts. `list` is the dashboard's view of runs.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import { scheduleFollowUp } from "../inbox/followUps";
import { handOffToHuman, handoffSettings, matchEscalationKeyword } from "../inbox/handoff";
import { qualifyLead } from "../customers/leads";
import { getOwned, orgQuery } from "../lib/auth";
import { isAppError } from "../lib/errors";
import { evaluateRules, type RoutableMessage } from "./routerRules";
import {
  agentRunFields,
  vFollowUpTemplate,
  vOutboundContent,
  vRunOutcome,
  vToolCallRecord,
} from "../lib/validators";
import {
  numberRef,
  poolHistory,
  poolNumbers,
  recentMemories,
  searchMemories,
  storeMemory,
  type NumberRef,
} from "../customers/memories";
import { enqueueOutbound } from "../outbound/sends";
import { chargeModelTokens, modelBudgetWait, reserveTurnSlot } from "./tenantLimits";
import { getIntegration } from "../whatsapp/connections";

/** At most this many customer messages of one burst are treated as the run's trigger. */
export const MAX_TRIGGER_MESSAGES = 20;
/** Messages one run may send (Meta's pair limit is ~1 per 6 s per customer). */
export const MAX_MESSAGES_PER_TURN = 3;
/** Recorded tool arguments and results are cut to this many characters. */
export const MAX_RECORDED_CHARS = 2_000;
/** Runs read to count a thread's consecutive fallback replies (repeated failure). */
const MAX_FALLBACK_LOOKBACK = 50;
/** `note` of a run started because another agent passed the thread on (one hop per burst). */
export const PASSED_ON_NOTE = "Passed on by another agent.";

const vCandidate = v.object({
  agentId: v.id("agents"),
  slug: v.string(),
  name: v.string(),
  description: v.string(),
});

const vBegin = v.union(
  v.object({ kind: v.literal("skip"), reason: v.string() }),
  v.object({ kind: v.literal("done"), runId: v.id("agentRuns"), reason: v.string() }),
  v.object({
    kind: v.literal("run"),
    runId: v.id("agentRuns"),
    agentId: v.id("agents"),
    reason: v.string(),
  }),
  v.object({
    kind: v.literal("classify"),
    runId: v.id("agentRuns"),
    candidates: v.array(vCandidate),
    fallbackAgentId: v.id("agents"),
    instructions: v.optional(v.string()),
    model: v.string(),
    customerText: v.string(),
  }),
);

function routable(message: Doc<"messages">): RoutableMessage {
  const payload = message.channelData.payload as Record<string, unknown> | undefined;
  const replyId =
    typeof payload?.id === "string"
      ? payload.id
      : typeof payload?.payload === "string"
        ? payload.payload
        : undefined;
  return {
    text: message.content,
    type: message.channelData.type,
    ...(replyId !== undefined ? { interactiveReplyId: replyId } : {}),
  };
}

/** The customer messages since the last reply (the burst this run answers), oldest first. */
/**
 * Tells the customer a person is coming, when the tenant configured such a message. The
 * handoff stands whether or not this can be sent (e.g. the number was just disconnected).
 */
async function acknowledgeEscalation(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  runId: Id<"agentRuns">,
) {
  const text = (await handoffSettings(ctx, thread)).escalationAcknowledgement;
  if (text === undefined) return;
  try {
    await enqueueOutbound(ctx, {
      threadId: thread._id,
      role: "assistant",
      agentRunId: runId,
      content: { kind: "text", text },
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    await ctx.db.patch("agentRuns", runId, {
      error: `The escalation acknowledgement was not sent: ${error.data.message}`,
    });
  }
}

async function triggerMessages(ctx: QueryCtx, threadId: Id<"threads">) {
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", threadId))
    .order("desc")
    .take(MAX_TRIGGER_MESSAGES);
  const burst: Doc<"messages">[] = [];
  for (const message of newest) {
    if (message.role !== "user") break;
    burst.push(message);
  }
  return burst.reverse();
}

type Handler =
  | { kind: "agent"; agent: Doc<"agents">; reason: string; routerId?: Id<"routers"> }
  | { kind: "classify"; router: Doc<"routers">; fallback: Doc<"agents"> }
  | { kind: "none"; reason: string };

async function liveAgent(ctx: QueryCtx, thread: Doc<"threads">, agentId: Id<"agents"> | undefined) {
  if (agentId === undefined) return null;
  const agent = await ctx.db.get("agents", agentId);
  return agent !== null &&
    agent.organizationId === thread.organizationId &&
    agent.environment === thread.environment
    ? agent
    : null;
}

/** Connection agent → connection router (rules, classification, fallback) → environment default. */
async function resolveHandler(
  ctx: QueryCtx,
  thread: Doc<"threads">,
  connection: Doc<"whatsappConnections">,
  burst: Doc<"messages">[],
): Promise<Handler> {
  if (thread.agentHandoff !== undefined) {
    // Another agent passed the thread on: its choice holds until the next agent handoff.
    const pinned = await liveAgent(ctx, thread, thread.currentAgentId);
    if (pinned) {
      return {
        kind: "agent",
        agent: pinned,
        reason: "passed on by another agent (agents.handoff)",
      };
    }
  }
  const direct = await liveAgent(ctx, thread, connection.agentId);
  if (direct) return { kind: "agent", agent: direct, reason: "the connection's agent" };
  const router = connection.routerId ? await ctx.db.get("routers", connection.routerId) : null;
  if (router !== null) {
    const contact = await ctx.db.get("contacts", thread.contactId);
    const decision = evaluateRules(router.rules, burst.map(routable), contact?.attributes ?? {});
    const ruled = decision ? await liveAgent(ctx, thread, decision.agentId) : null;
    if (decision && ruled) {
      return {
        kind: "agent",
        agent: ruled,
        reason: `router ${router.slug}: ${decision.reason}`,
        routerId: router._id,
      };
    }
    const fallback = await liveAgent(ctx, thread, router.fallbackAgentId);
    if (fallback) {
      if (router.mode === "classify" && router.classifierAgentIds.length > 0) {
        return { kind: "classify", router, fallback };
      }
      return {
        kind: "agent",
        agent: fallback,
        reason: `router ${router.slug}: no rule matched, fallback agent`,
        routerId: router._id,
      };
    }
  }
  const config = await getIntegration(ctx, thread);
  const byDefault = await liveAgent(ctx, thread, config?.defaultAgentId);
  if (byDefault)
    return { kind: "agent", agent: byDefault, reason: "the environment's default agent" };
  return {
    kind: "none",
    reason:
      router === null && connection.routerId === undefined
        ? "The connection has neither an agent nor a router, and the environment has no default agent."
        : "The connection's router has no usable agent, and the environment has no default agent.",
  };
}

/** The first escalation keyword of the tenant in the burst, with the message it was in. */
function escalation(burst: Doc<"messages">[], keywords: string[]) {
  if (keywords.length === 0) return null;
  for (const message of burst) {
    const keyword = matchEscalationKeyword(message.content, keywords);
    if (keyword !== null) return { keyword, text: message.content };
  }
  return null;
}

/**
 * Starts a turn: exits if the generation moved on or a run for it already exists; records a
 * `silent` run for human-owned threads and a `no_handler` run when nobody can answer (visible,
 * never silence); hands the thread to a human, without any model call, when the burst contains
 * one of the tenant's escalation keywords; delays the turn (reschedules it, never drops it)
 * while the tenant is over its turn or model-spend limit; otherwise resolves the handler and
 * inserts the `running` row. `reserved`: the turn already holds a slot of the tenant's bucket.
 * `handoverFrom`: the run of the agent that passed the thread on (its burst is answered).
 */
export const begin = internalMutation({
  args: {
    threadId: v.id("threads"),
    generation: v.number(),
    reserved: v.optional(v.boolean()),
    handoverFrom: v.optional(v.id("agentRuns")),
  },
  returns: vBegin,
  handler: async (ctx, { threadId, generation, reserved, handoverFrom }) => {
    const thread = await ctx.db.get("threads", threadId);
    if (thread === null) return { kind: "skip" as const, reason: "thread deleted" };
    if (thread.generation !== generation) return { kind: "skip" as const, reason: "superseded" };
    const [latest] = await ctx.db
      .query("agentRuns")
      .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(1);
    if (latest !== undefined && latest.generation === generation) {
      return { kind: "skip" as const, reason: "already handled" };
    }
    const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
    let burst = await triggerMessages(ctx, threadId);
    const previous = handoverFrom ? await ctx.db.get("agentRuns", handoverFrom) : null;
    if (burst.length === 0 && previous !== null && previous.threadId === threadId) {
      // The agent that passed the thread on may have said a word first: its burst still counts.
      const rows = await Promise.all(
        previous.triggerMessageIds.map((id) => ctx.db.get("messages", id)),
      );
      burst = rows.filter((m): m is Doc<"messages"> => m !== null);
    }
    const now = Date.now();
    const base = {
      organizationId: thread.organizationId,
      environment: thread.environment,
      threadId,
      connectionId: thread.connectionId,
      generation,
      triggerMessageIds: burst.map((m) => m._id),
      toolCalls: [],
      promptChars: 0,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      startedAt: now,
    };
    const finished = async (outcome: "silent" | "no_handler", error: string) => {
      const runId = await ctx.db.insert("agentRuns", {
        ...base,
        outcome,
        error,
        finishedAt: now,
        latencyMs: 0,
      });
      return { kind: "done" as const, runId, reason: error };
    };
    if (thread.owner === "human") return await finished("silent", "A human owns this thread.");
    if (burst.length === 0) return await finished("silent", "No new customer message to answer.");
    if (connection === null) return await finished("no_handler", "The connection was deleted.");
    const settings = await handoffSettings(ctx, thread);
    const escalated = escalation(burst, settings.escalationKeywords);
    if (escalated !== null) {
      const note = `Escalation keyword "${escalated.keyword}": handed to a human before any model call.`;
      const runId = await ctx.db.insert("agentRuns", {
        ...base,
        outcome: "handed_off",
        note,
        finishedAt: now,
        latencyMs: 0,
      });
      await handOffToHuman(ctx, thread, {
        reason: "escalation_keyword",
        summary: `The customer used the escalation keyword "${escalated.keyword}": "${escalated.text.slice(0, 300)}"`,
        by: { kind: "system" },
        now,
      });
      await acknowledgeEscalation(ctx, thread, runId);
      return { kind: "done" as const, runId, reason: note };
    }
    // Per-tenant fairness: over the limit, the same routing job comes back later (not dropped).
    let wait = reserved === true ? 0 : await reserveTurnSlot(ctx, thread);
    if (wait === 0) wait = await modelBudgetWait(ctx, thread);
    if (wait > 0) {
      await ctx.scheduler.runAfter(wait, internal.agents.routing.route, {
        threadId,
        generation,
        reserved: true,
        ...(handoverFrom ? { handoverFrom } : {}),
      });
      return { kind: "skip" as const, reason: `tenant limit: delayed ${wait} ms` };
    }
    const handler = await resolveHandler(ctx, thread, connection, burst);
    if (handler.kind === "none") return await finished("no_handler", handler.reason);
    if (handler.kind === "agent") {
      const runId = await ctx.db.insert("agentRuns", {
        ...base,
        outcome: "running",
        agentId: handler.agent._id,
        ...(handler.routerId ? { routerId: handler.routerId } : {}),
        decision: { agentId: handler.agent._id, reason: handler.reason },
        ...(previous !== null ? { note: PASSED_ON_NOTE } : {}),
      });
      await ctx.db.patch("threads", threadId, { currentAgentId: handler.agent._id });
      return { kind: "run" as const, runId, agentId: handler.agent._id, reason: handler.reason };
    }
    const runId = await ctx.db.insert("agentRuns", {
      ...base,
      outcome: "running",
      routerId: handler.router._id,
    });
    const candidates = [];
    for (const agentId of handler.router.classifierAgentIds.slice(0, 20)) {
      const agent = await liveAgent(ctx, thread, agentId);
      if (agent) {
        candidates.push({
          agentId,
          slug: agent.slug,
          name: agent.name,
          description: agent.description,
        });
      }
    }
    return {
      kind: "classify" as const,
      runId,
      candidates,
      fallbackAgentId: handler.fallback._id,
      ...(handler.router.classifierPrompt ? { instructions: handler.router.classifierPrompt } : {}),
      model: handler.fallback.model,
      customerText: burst
        .map((m) => m.content)
        .join("\n")
        .slice(0, 4_000),
    };
  },
});

/** Records the router's decision on the run. */
export const setDecision = internalMutation({
  args: { runId: v.id("agentRuns"), agentId: v.id("agents"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, { runId, agentId, reason }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return null;
    await ctx.db.patch("agentRuns", runId, { agentId, decision: { agentId, reason } });
    await ctx.db.patch("threads", run.threadId, { currentAgentId: agentId });
    return null;
  },
});

function numberLabel(n: NumberRef) {
  return n.phoneNumber ? `${n.label} (${n.phoneNumber})` : n.label;
}

/**
 * Everything the prompt needs, read with a fixed number of index reads whatever the thread's
 * length: thread, connection, contact, organization, agent, integration config, the last
 * `maxContextMessages` messages, the newest memories (tagged with the number they were learned
 * on when it is another one), the contact's recent messages on the pool's other numbers, the
 * handoff summary and the note of an agent that passed the thread on.
 */
export async function loadTurnContext(ctx: QueryCtx, runId: Id<"agentRuns">) {
  const run = await ctx.db.get("agentRuns", runId);
  if (run === null || run.agentId === undefined) return null;
  const [thread, agent, connection, organization] = await Promise.all([
    ctx.db.get("threads", run.threadId),
    ctx.db.get("agents", run.agentId),
    ctx.db.get("whatsappConnections", run.connectionId),
    ctx.db.get("organizations", run.organizationId),
  ]);
  if (thread === null || agent === null || connection === null) return null;
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(agent.maxContextMessages);
  const memories = await recentMemories(ctx, thread.contactId);
  const numbers = new Map<string, NumberRef>([[connection._id, numberRef(connection)]]);
  for (const m of memories) {
    if (!numbers.has(m.sourceConnectionId)) {
      const source = await ctx.db.get("whatsappConnections", m.sourceConnectionId);
      if (source !== null) numbers.set(source._id, numberRef(source));
    }
  }
  const otherNumbers = (await poolHistory(ctx, thread)).map((m) => ({
    source: numberLabel(m.source),
    role: m.role,
    content: m.content,
    createdAt: m.createdAt,
  }));
  const passer =
    thread.agentHandoff !== undefined && thread.currentAgentId === agent._id
      ? thread.agentHandoff
      : undefined;
  const passerAgent = passer?.fromAgentId ? await ctx.db.get("agents", passer.fromAgentId) : null;
  return {
    generation: run.generation,
    agent: {
      name: agent.name,
      systemPrompt: agent.systemPrompt,
      model: agent.model,
      temperature: agent.temperature,
      language: agent.language,
      maxSteps: agent.maxSteps,
      tools: agent.tools,
      httpTools: agent.httpTools ?? [],
      knowledge: agent.knowledge,
      handoff: agent.handoff,
    },
    channelParams: thread.channelParams,
    connection: {
      label: connection.label,
      phoneNumber: connection.phoneNumber,
      persona: connection.persona,
    },
    businessName: organization?.name,
    history: newest.reverse().map((m) => ({ role: m.role, content: m.content })),
    memories: memories.map((m) => {
      const source = numbers.get(m.sourceConnectionId);
      return m.sourceConnectionId === connection._id || source === undefined
        ? m.content
        : `${m.content} (learned via ${numberLabel(source)})`;
    }),
    otherNumbers,
    ...(thread.handoffSummary !== undefined ? { handoffSummary: thread.handoffSummary } : {}),
    ...(passer !== undefined
      ? {
          passedOn: {
            note: passer.note,
            ...(passerAgent !== null ? { from: `${passerAgent.name} (${passerAgent.slug})` } : {}),
          },
        }
      : {}),
  };
}

export const loadContext = internalQuery({
  args: { runId: v.id("agentRuns") },
  handler: (ctx, { runId }) => loadTurnContext(ctx, runId),
});

/** The run's thread, if the run may still act on it (its generation is current). */
async function currentThread(
  ctx: QueryCtx,
  runId: Id<"agentRuns">,
  generation: number,
  allowHumanOwner = false,
) {
  const run = await ctx.db.get("agentRuns", runId);
  if (run === null) return null;
  const thread = await ctx.db.get("threads", run.threadId);
  if (thread === null || thread.generation !== generation) return null;
  if (thread.owner === "human" && !allowHumanOwner) return null;
  return { run, thread };
}

async function countRunMessages(ctx: QueryCtx, run: Doc<"agentRuns">) {
  const recent = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", run.threadId))
    .order("desc")
    .take(MAX_MESSAGES_PER_TURN + MAX_TRIGGER_MESSAGES);
  return recent.filter((m) => m.agentRunId === run._id).length;
}

/**
 * Sends one message of a run to the thread's customer, only while the run's generation is the
 * thread's current one (a newer inbound or a human takeover supersedes it) and within the
 * per-turn cap. The recipient is the thread's customer; nothing in the args can change that.
 */
export const send = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    message: vOutboundContent,
    /** True after this run itself handed the thread off, so its last words still go out. */
    afterOwnHandoff: v.optional(v.boolean()),
  },
  returns: v.union(
    v.object({ sent: v.literal(true), messageId: v.id("messages") }),
    v.object({ sent: v.literal(false), reason: v.string() }),
  ),
  handler: async (ctx, { runId, generation, message, afterOwnHandoff }) => {
    const current = await currentThread(ctx, runId, generation, afterOwnHandoff === true);
    if (current === null) return { sent: false as const, reason: "superseded" };
    if ((await countRunMessages(ctx, current.run)) >= MAX_MESSAGES_PER_TURN) {
      return {
        sent: false as const,
        reason: `At most ${MAX_MESSAGES_PER_TURN} messages per turn; join your replies.`,
      };
    }
    if (message.kind === "reaction" || (message.kind === "media" && message.storageId)) {
      return {
        sent: false as const,
        reason: "Agents send text, templates, interactive and linked media.",
      };
    }
    const messageId = await enqueueOutbound(ctx, {
      threadId: current.thread._id,
      role: "assistant",
      agentRunId: runId,
      content: message,
    });
    if (messageId === null) return { sent: false as const, reason: "nothing was sent" };
    return { sent: true as const, messageId };
  },
});

/** The run's thread, newest `limit` messages (oldest first), for `whatsapp.getConversation`. */
export const conversation = internalQuery({
  args: { runId: v.id("agentRuns"), limit: v.number() },
  handler: async (ctx, { runId, limit }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return [];
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", run.threadId))
      .order("desc")
      .take(Math.min(Math.max(1, limit), 50));
    return rows.reverse().map((m) => ({
      role: m.role,
      content: m.content,
      type: m.channelData.type,
      direction: m.channelData.direction,
      status: m.channelData.status,
      at: new Date(m.createdAt).toISOString(),
    }));
  },
});

/** The run's connection status and whether the 24-hour window is open, for `whatsapp.getStatus`. */
export const status = internalQuery({
  args: { runId: v.id("agentRuns") },
  handler: async (ctx, { runId }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return { error: "run not found" };
    const [thread, connection] = await Promise.all([
      ctx.db.get("threads", run.threadId),
      ctx.db.get("whatsappConnections", run.connectionId),
    ]);
    const lastInboundAt = thread?.channelParams.lastInboundAt;
    const windowOpen =
      lastInboundAt !== undefined && Date.now() - lastInboundAt < 24 * 60 * 60 * 1000;
    return {
      connection: connection?.status ?? "missing",
      phoneNumber: connection?.phoneNumber ?? null,
      customerServiceWindowOpen: windowOpen,
      freeFormAllowed: windowOpen,
    };
  },
});

/** `handoff.toHuman`: gives the run's thread to a human; returns the thread's new generation. */
export const handoff = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    reason: v.union(
      v.literal("customer_asked"),
      v.literal("frustration"),
      v.literal("out_of_scope"),
      v.literal("sensitive"),
      v.literal("repeated_failure"),
    ),
    summary: v.string(),
  },
  returns: v.union(v.object({ generation: v.number() }), v.null()),
  handler: async (ctx, { runId, generation, reason, summary }) => {
    const current = await currentThread(ctx, runId, generation);
    if (current === null) return null;
    await handOffToHuman(ctx, current.thread, {
      reason,
      summary: summary.slice(0, 500),
      by: { kind: "agent", ...(current.run.agentId ? { agentId: current.run.agentId } : {}) },
      now: Date.now(),
    });
    const after = await ctx.db.get("threads", current.thread._id);
    return { generation: after?.generation ?? generation };
  },
});

/**
 * `memory.search`: the run's contact's memories, optionally only those learned on one number of
 * its pool ("this", or a pooled number's label or phone number); each hit names its number.
 */
export const searchMemory = internalQuery({
  args: {
    runId: v.id("agentRuns"),
    query: v.string(),
    limit: v.number(),
    source: v.optional(v.string()),
  },
  handler: async (ctx, { runId, query, limit, source }) => {
    const run = await ctx.db.get("agentRuns", runId);
    const thread = run ? await ctx.db.get("threads", run.threadId) : null;
    if (thread === null) return [];
    const numbers = await poolNumbers(ctx, thread);
    let only: NumberRef | undefined;
    if (source !== undefined) {
      const wanted = source.trim().toLowerCase();
      const digits = wanted.replace(/[^\d]/g, "");
      only =
        wanted === "this"
          ? numbers.find((n) => n.connectionId === thread.connectionId)
          : numbers.find(
              (n) =>
                n.label.toLowerCase() === wanted ||
                (digits !== "" && n.phoneNumber?.replace(/[^\d]/g, "") === digits),
            );
      if (only === undefined) {
        return {
          error: `No number "${source}" shares this customer's memory. Numbers: ${numbers.map(numberLabel).join(", ")}.`,
        };
      }
    }
    const hits = await searchMemories(ctx, thread.contactId, query, limit, only?.connectionId);
    return hits.map((h) => {
      const from = numbers.find((n) => n.connectionId === h.sourceConnectionId);
      return {
        kind: h.kind,
        content: h.content,
        at: new Date(h.createdAt).toISOString(),
        source: from ? numberLabel(from) : "a number no longer in this memory pool",
      };
    });
  },
});

export const storeMemoryForRun = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    content: v.string(),
    kind: v.union(v.literal("note"), v.literal("fact")),
  },
  returns: v.union(v.object({ stored: v.literal(true) }), v.object({ error: v.string() })),
  handler: async (ctx, { runId, generation, content, kind }) => {
    const current = await currentThread(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    await storeMemory(ctx, current.thread, { kind, content, now: Date.now() });
    return { stored: true as const };
  },
});

/**
 * The run sent its agent's fallback reply (the model kept failing): marks it and counts the
 * thread's fallback replies in a row, this one included (runs that answered nothing — silent,
 * superseded, still running — are skipped; an answer or a handoff ends the streak). The turn
 * hands off with `repeated_failure` once the count reaches the tenant's limit.
 */
export const recordFallback = internalMutation({
  args: { runId: v.id("agentRuns") },
  returns: v.object({ consecutive: v.number(), limit: v.number() }),
  handler: async (ctx, { runId }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return { consecutive: 0, limit: 0 };
    await ctx.db.patch("agentRuns", runId, { usedFallback: true });
    const { maxConsecutiveFallbacks } = await handoffSettings(ctx, run);
    const recent = await ctx.db
      .query("agentRuns")
      .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", run.threadId))
      .order("desc")
      .take(MAX_FALLBACK_LOOKBACK);
    let consecutive = 0;
    for (const other of recent) {
      if (other._id === runId) {
        consecutive += 1;
        continue;
      }
      if (["silent", "superseded", "no_handler", "running"].includes(other.outcome)) continue;
      if (other.usedFallback !== true || other.outcome === "handed_off") break;
      consecutive += 1;
    }
    return { consecutive, limit: maxConsecutiveFallbacks };
  },
});

/**
 * `agents.handoff`: passes the run's thread to another agent of the same tenant and environment
 * (by slug; nothing else is reachable), with a note it will see. Routing keeps that agent for
 * the thread until the next agent handoff. The generation moves on, so this run sends nothing
 * more, and the new agent's turn is scheduled at once for the same customer messages.
 */
export const passToAgent = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), slug: v.string(), note: v.string() },
  returns: v.union(
    v.object({ agentId: v.id("agents"), name: v.string(), slug: v.string() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, slug, note }) => {
    const current = await currentThread(ctx, runId, generation);
    if (current === null) return { error: "superseded" };
    const { run, thread } = current;
    if (run.note === PASSED_ON_NOTE) {
      return {
        error:
          "This conversation was just passed to you: answer it yourself, or hand it to a human.",
      };
    }
    const target = await ctx.db
      .query("agents")
      .withIndex("by_organizationId_and_environment_and_slug", (q) =>
        q
          .eq("organizationId", thread.organizationId)
          .eq("environment", thread.environment)
          .eq("slug", slug.trim().toLowerCase()),
      )
      .first();
    if (target === null) return { error: `There is no agent "${slug}" in this workspace.` };
    if (target._id === run.agentId) return { error: "That is you: answer the customer yourself." };
    const next = thread.generation + 1;
    await ctx.db.patch("threads", thread._id, {
      currentAgentId: target._id,
      agentHandoff: {
        ...(run.agentId ? { fromAgentId: run.agentId } : {}),
        note: note.slice(0, 1_000),
        at: Date.now(),
      },
      generation: next,
    });
    await ctx.scheduler.runAfter(0, internal.agents.routing.route, {
      threadId: thread._id,
      generation: next,
      handoverFrom: runId,
    });
    return { agentId: target._id, name: target.name, slug: target.slug };
  },
});

/** `followUps.schedule`: a follow-up on the run's own thread, created by its agent. */
export const scheduleFollowUpForRun = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    delayMinutes: v.number(),
    text: v.string(),
    template: v.optional(vFollowUpTemplate),
    cancelOnReply: v.boolean(),
  },
  returns: v.union(
    v.object({ scheduled: v.literal(true), dueAt: v.string() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, delayMinutes, ...input }) => {
    const current = await currentThread(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    const now = Date.now();
    const dueAt = now + Math.round(delayMinutes * 60_000);
    try {
      await scheduleFollowUp(
        ctx,
        current.thread,
        {
          dueAt,
          text: input.text,
          ...(input.template ? { template: input.template } : {}),
          cancelOnReply: input.cancelOnReply,
          createdBy: {
            kind: "agent",
            ...(current.run.agentId ? { agentId: current.run.agentId } : {}),
          },
        },
        now,
      );
    } catch (error) {
      if (isAppError(error)) return { error: error.data.message };
      throw error;
    }
    return { scheduled: true as const, dueAt: new Date(dueAt).toISOString() };
  },
});

/** `lead.qualify`: queues the run's customer as a qualified lead for the tenant's CRM hook. */
export const qualifyLeadForRun = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    summary: v.string(),
    fields: v.record(v.string(), v.string()),
  },
  returns: v.union(
    v.object({ queued: v.boolean(), note: v.optional(v.string()) }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, summary, fields }) => {
    const current = await currentThread(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    const hookId = await qualifyLead(
      ctx,
      current.thread,
      {
        summary,
        fields,
        ...(current.run.agentId ? { agentId: current.run.agentId } : {}),
      },
      Date.now(),
    );
    return hookId === null
      ? { queued: false, note: "No CRM hook is configured; nothing was sent." }
      : { queued: true };
  },
});

/** Closes a run with its outcome and what it cost. */
export const finish = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    outcome: vRunOutcome,
    toolCalls: v.array(vToolCallRecord),
    promptChars: v.number(),
    tokensIn: v.number(),
    tokensOut: v.number(),
    costUsd: v.number(),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { runId, ...result }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return null;
    const now = Date.now();
    await ctx.db.patch("agentRuns", runId, {
      ...result,
      toolCalls: result.toolCalls.slice(0, 50),
      finishedAt: now,
      latencyMs: now - run.startedAt,
    });
    await chargeModelTokens(ctx, run, result.tokensIn + result.tokensOut);
    return null;
  },
});

export const vAgentRunView = v.object({
  _id: v.id("agentRuns"),
  _creationTime: v.number(),
  ...agentRunFields,
});

function runView(run: Doc<"agentRuns">) {
  const { organizationId: _o, environment: _e, ...view } = run;
  return view;
}

/** Agent runs, newest first: of one thread, or of the whole environment. */
export const list = orgQuery({
  args: { threadId: v.optional(v.id("threads")), limit: v.optional(v.number()) },
  returns: v.array(vAgentRunView),
  handler: async (ctx, { threadId, limit }) => {
    const n = Math.min(Math.max(1, Math.floor(limit ?? 50)), 200);
    if (threadId !== undefined) {
      await getOwned(ctx, ctx.tenant, "threads", threadId);
      const runs = await ctx.db
        .query("agentRuns")
        .withIndex("by_threadId_and_startedAt", (q) => q.eq("threadId", threadId))
        .order("desc")
        .take(n);
      return runs.map(runView);
    }
    const runs = await ctx.db
      .query("agentRuns")
      .withIndex("by_organizationId_and_environment_and_startedAt", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .order("desc")
      .take(n);
    return runs.map(runView);
  },
});
