/**
 * The database side of an agent turn: `begin` (single-flight check, trigger messages, router
 * rules, the run row), the bounded context read, and every side effect a run may cause (sends,
 * handoff, memory), each re-checking that the run's generation is still the thread's current
 * one so a superseded run changes nothing. The model loop lives in agentTurn.ts. `list` is the
 * dashboard's view of runs.
 */
import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "./_generated/server";
import { handOffToHuman } from "./handoff";
import { getOwned, orgQuery } from "./lib/auth";
import { evaluateRules, type RoutableMessage } from "./lib/routerRules";
import { vOutboundContent, vRunOutcome, vToolCallRecord } from "./lib/validators";
import { recentMemories, searchMemories, storeMemory } from "./memories";
import { enqueueOutbound } from "./outbound";
import { getIntegration } from "./whatsapp";

/** At most this many customer messages of one burst are treated as the run's trigger. */
export const MAX_TRIGGER_MESSAGES = 20;
/** Messages one run may send (Meta's pair limit is ~1 per 6 s per customer). */
export const MAX_MESSAGES_PER_TURN = 3;
/** Recorded tool arguments and results are cut to this many characters. */
export const MAX_RECORDED_CHARS = 2_000;

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

/**
 * Starts a turn: exits if the generation moved on or a run for it already exists; records a
 * `silent` run for human-owned threads and a `no_handler` run when nobody can answer (visible,
 * never silence); otherwise resolves the handler and inserts the `running` row.
 */
export const begin = internalMutation({
  args: { threadId: v.id("threads"), generation: v.number() },
  returns: vBegin,
  handler: async (ctx, { threadId, generation }) => {
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
    const burst = await triggerMessages(ctx, threadId);
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
    const handler = await resolveHandler(ctx, thread, connection, burst);
    if (handler.kind === "none") return await finished("no_handler", handler.reason);
    if (handler.kind === "agent") {
      const runId = await ctx.db.insert("agentRuns", {
        ...base,
        outcome: "running",
        agentId: handler.agent._id,
        ...(handler.routerId ? { routerId: handler.routerId } : {}),
        decision: { agentId: handler.agent._id, reason: handler.reason },
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

/**
 * Everything the prompt needs, read with a fixed number of index reads whatever the thread's
 * length: thread, connection, contact, organization, agent, integration config, the last
 * `maxContextMessages` messages and the newest memories.
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
    memories: memories.map((m) => m.content),
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

export const searchMemory = internalQuery({
  args: { runId: v.id("agentRuns"), query: v.string(), limit: v.number() },
  handler: async (ctx, { runId, query, limit }) => {
    const run = await ctx.db.get("agentRuns", runId);
    const thread = run ? await ctx.db.get("threads", run.threadId) : null;
    if (thread === null) return [];
    return await searchMemories(ctx, thread.contactId, query, limit);
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
    return null;
  },
});

export const vAgentRunView = v.object({
  _id: v.id("agentRuns"),
  _creationTime: v.number(),
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
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
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
