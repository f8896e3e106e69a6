/**
 * What the agent tools do, one registered function per effect, named after its tool
 * (`memory.store` → `memoryStore`; the four `whatsapp.send*` tools share `whatsappSend`). Each
 * takes its tool's parsed input, validated with the tool's own schema (toolSchemas.ts), and acts
 * only on the run's thread. Every effect that changes something first asks `currentRun` whether
 * the run's generation is still the thread's current one, so a superseded run changes nothing.
 */
import { v } from "convex/values";
import { zodOutputToConvex } from "convex-helpers/server/zod4";
import { z } from "zod";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import { scheduleFollowUp } from "../inbox/followUps";
import { handOffToHuman } from "../inbox/handoff";
import { passToAgent } from "../inbox/threads";
import { qualifyLead } from "../customers/leads";
import { poolNumbers, searchMemories, storeMemory, type NumberRef } from "../customers/memories";
import { enqueueOutbound } from "../outbound/sends";
import { isAppError } from "../lib/errors";
import { vOutboundContent, type BuiltinTool } from "../lib/validators";
import { normalizeCustomerPhone } from "../whatsapp/phone";
import { sendToOtherRecipient } from "./recipients";
import { AGENT_HANDOFF_REASONS, CONVERSATION_ASSESS_SCHEMA, TOOL_SCHEMAS } from "./toolSchemas";
import { numberLabel } from "./turnContext";
import { assessTurn } from "./turnSignals";
import { MAX_TRIGGER_MESSAGES, PASSED_ON_NOTE } from "./turnSteps";

/** Messages one run may send (Meta's pair limit is ~1 per 6 s per customer). */
export const MAX_MESSAGES_PER_TURN = 3;

/** A tool's parsed input as a Convex validator, from the same schema the model's call passed. */
function inputOf<T extends BuiltinTool>(tool: T) {
  return zodOutputToConvex(TOOL_SCHEMAS[tool]);
}

/** `handoff.toHuman`'s input; the turn itself also hands off with `repeated_failure`. */
const vHandoffToHumanInput = zodOutputToConvex(
  TOOL_SCHEMAS["handoff.toHuman"].extend({
    reason: z.enum([...AGENT_HANDOFF_REASONS, "repeated_failure"]),
  }),
);

/**
 * The run and its thread while the run may still act: its generation is the thread's current
 * one (a newer customer message, a human takeover or a pass to another agent moves it on) and a
 * human does not own the thread, unless `humanOwnerToo` (effects that stay right after the run's
 * own handoff: its last words, a memory, a follow-up, a lead). Null: the run was superseded.
 */
async function currentRun(
  ctx: QueryCtx,
  runId: Id<"agentRuns">,
  generation: number,
  humanOwnerToo = false,
): Promise<{ run: Doc<"agentRuns">; thread: Doc<"threads"> } | null> {
  const run = await ctx.db.get("agentRuns", runId);
  if (run === null) return null;
  const thread = await ctx.db.get("threads", run.threadId);
  if (thread === null || thread.generation !== generation) return null;
  if (thread.owner === "human" && !humanOwnerToo) return null;
  return { run, thread };
}

/** The run's thread, read-only effects (no decision: nothing to supersede). */
async function runThread(ctx: QueryCtx, runId: Id<"agentRuns">) {
  const run = await ctx.db.get("agentRuns", runId);
  return run === null ? null : await ctx.db.get("threads", run.threadId);
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
 * `whatsapp.send*` (and the turn's final reply): one message to the thread's customer, within
 * the per-turn cap. The recipient is the thread's customer, unless `to` names a number an admin
 * allowed this run's agent to message (checked against the agent as stored; recipients.ts).
 */
export const whatsappSend = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    message: vOutboundContent,
    /** True after this run itself handed the thread off, so its last words still go out. */
    afterOwnHandoff: v.optional(v.boolean()),
    /** Another number the agent is allowed to message (`whatsapp.send`'s `to`; recipients.ts). */
    to: v.optional(v.string()),
  },
  returns: v.union(
    v.object({ sent: v.literal(true), messageId: v.id("messages") }),
    v.object({ sent: v.literal(false), reason: v.string() }),
  ),
  handler: async (ctx, { runId, generation, message, afterOwnHandoff, to }) => {
    const current = await currentRun(ctx, runId, generation, afterOwnHandoff === true);
    if (current === null) return { sent: false as const, reason: "superseded" };
    if (
      to !== undefined &&
      normalizeCustomerPhone(to) !== current.thread.channelParams.phoneNumber
    ) {
      return await sendToOtherRecipient(ctx, current.run, to, message);
    }
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
    return { sent: true as const, messageId };
  },
});

/** `whatsapp.getConversation`: the thread's newest `limit` messages, oldest first. */
export const whatsappGetConversation = internalQuery({
  args: { runId: v.id("agentRuns"), input: inputOf("whatsapp.getConversation") },
  handler: async (ctx, { runId, input }) => {
    const thread = await runThread(ctx, runId);
    if (thread === null) return [];
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", thread._id))
      .order("desc")
      .take(Math.min(Math.max(1, input.limit), 50));
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

/** `whatsapp.getStatus`: the run's connection status and whether the 24-hour window is open. */
export const whatsappGetStatus = internalQuery({
  args: { runId: v.id("agentRuns"), input: inputOf("whatsapp.getStatus") },
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
export const handoffToHuman = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), input: vHandoffToHumanInput },
  returns: v.union(v.object({ generation: v.number() }), v.null()),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation);
    if (current === null) return null;
    const { agentId } = current.run;
    const agent = agentId ? await ctx.db.get("agents", agentId) : null;
    const who = agent ? `${agent.name} (${agent.slug})` : "The agent";
    await handOffToHuman(ctx, current.thread, {
      reason: input.reason,
      summary: input.summary.slice(0, 500),
      by: { kind: "agent", ...(agentId ? { agentId } : {}) },
      now: Date.now(),
      trigger:
        input.reason === "repeated_failure"
          ? { signal: "model_unavailable", detail: input.summary.slice(0, 300) }
          : { signal: "model", detail: `${who} called handoff.toHuman (${input.reason})` },
    });
    const after = await ctx.db.get("threads", current.thread._id);
    return { generation: after?.generation ?? generation };
  },
});

/**
 * `conversation.assess`: the model's judgement of whether the customer repeats an unresolved
 * problem, recorded on the run; at the agent's limit the thread goes to a person
 * (turnSignals.ts) and the new generation comes back.
 */
export const conversationAssess = internalMutation({
  args: {
    runId: v.id("agentRuns"),
    generation: v.number(),
    input: zodOutputToConvex(CONVERSATION_ASSESS_SCHEMA),
  },
  returns: v.union(
    v.object({
      recorded: v.literal(true),
      unresolvedTurns: v.optional(v.number()),
      limit: v.optional(v.number()),
    }),
    v.object({ handedOff: v.literal(true), generation: v.number() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation);
    if (current === null) return { error: "superseded" };
    return await assessTurn(ctx, current, input);
  },
});

/** The pooled number a `memory.search` source names: "this", a label or a phone number. */
function sourceNumber(numbers: NumberRef[], thread: Doc<"threads">, source: string) {
  const wanted = source.trim().toLowerCase();
  const digits = wanted.replace(/[^\d]/g, "");
  if (wanted === "this") return numbers.find((n) => n.connectionId === thread.connectionId);
  return numbers.find(
    (n) =>
      n.label.toLowerCase() === wanted ||
      (digits !== "" && n.phoneNumber?.replace(/[^\d]/g, "") === digits),
  );
}

/**
 * `memory.search`: the run's contact's memories, optionally only those learned on one number of
 * its pool; each hit names the number it was learned on.
 */
export const memorySearch = internalQuery({
  args: { runId: v.id("agentRuns"), input: inputOf("memory.search") },
  handler: async (ctx, { runId, input: { query, limit, source } }) => {
    const thread = await runThread(ctx, runId);
    if (thread === null) return [];
    const numbers = await poolNumbers(ctx, thread);
    const only = source === undefined ? undefined : sourceNumber(numbers, thread, source);
    if (source !== undefined && only === undefined) {
      return {
        error: `No number "${source}" shares this customer's memory. Numbers: ${numbers.map(numberLabel).join(", ")}.`,
      };
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

/** `memory.store`: a note or fact about the run's contact, shared by its memory pool. */
export const memoryStore = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), input: inputOf("memory.store") },
  returns: v.union(v.object({ stored: v.literal(true) }), v.object({ error: v.string() })),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    await storeMemory(ctx, current.thread, { ...input, now: Date.now() });
    return { stored: true as const };
  },
});

/**
 * The agents the run's agent may pass a thread to: its admin-set `handoffAgentIds`, still of
 * the thread's tenant. Nothing else is reachable, whatever slug the model names.
 */
async function passableAgents(ctx: MutationCtx, run: Doc<"agentRuns">, thread: Doc<"threads">) {
  const agent = run.agentId ? await ctx.db.get("agents", run.agentId) : null;
  const agents = await Promise.all(
    (agent?.handoffAgentIds ?? []).map((id) => ctx.db.get("agents", id)),
  );
  return agents.filter(
    (a): a is Doc<"agents"> =>
      a !== null &&
      a.organizationId === thread.organizationId &&
      a.environment === thread.environment,
  );
}

/**
 * `agents.handoff`: passes the run's thread to one of the agents its agent may pass to (an
 * admin's list on the agent, same tenant and environment; by slug), with a note it will see. Routing keeps that agent for
 * the thread until the next agent handoff. The generation moves on, so this run sends nothing
 * more, and the new agent's turn is scheduled at once for the same customer messages.
 */
export const agentsHandoff = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), input: inputOf("agents.handoff") },
  returns: v.union(
    v.object({ agentId: v.id("agents"), name: v.string(), slug: v.string() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation);
    if (current === null) return { error: "superseded" };
    const { run, thread } = current;
    if (run.note === PASSED_ON_NOTE) {
      return {
        error:
          "This conversation was just passed to you: answer it yourself, or hand it to a human.",
      };
    }
    const allowed = await passableAgents(ctx, run, thread);
    const target = allowed.find((a) => a.slug === input.agent.trim().toLowerCase());
    if (target === undefined) {
      const names = allowed.map((a) => `${a.slug} (${a.name})`).join(", ");
      return {
        error: `There is no agent "${input.agent}" you may pass this conversation to. ${
          names ? `You may pass to: ${names}.` : "Answer it yourself, or hand it to a human."
        }`,
      };
    }
    if (target._id === run.agentId) return { error: "That is you: answer the customer yourself." };
    const next = await passToAgent(ctx, thread, {
      agentId: target._id,
      ...(run.agentId ? { fromAgentId: run.agentId } : {}),
      note: input.note.slice(0, 1_000),
      at: Date.now(),
    });
    await ctx.scheduler.runAfter(0, internal.agents.turn.run, {
      threadId: thread._id,
      generation: next,
      handoverFrom: runId,
    });
    return { agentId: target._id, name: target.name, slug: target.slug };
  },
});

/** `followUps.schedule`: a follow-up on the run's own thread, created by its agent. */
export const followUpsSchedule = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), input: inputOf("followUps.schedule") },
  returns: v.union(
    v.object({ scheduled: v.literal(true), dueAt: v.string() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    const { template } = input;
    const now = Date.now();
    const dueAt = now + Math.round(input.delayMinutes * 60_000);
    try {
      await scheduleFollowUp(
        ctx,
        current.thread,
        {
          dueAt,
          text: input.text,
          ...(template
            ? {
                template: {
                  name: template.name,
                  language: template.language,
                  ...(template.bodyParameters
                    ? { parameters: { body: template.bodyParameters } }
                    : {}),
                },
              }
            : {}),
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
export const leadQualify = internalMutation({
  args: { runId: v.id("agentRuns"), generation: v.number(), input: inputOf("lead.qualify") },
  returns: v.union(
    v.object({ queued: v.boolean(), note: v.optional(v.string()) }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, generation, input }) => {
    const current = await currentRun(ctx, runId, generation, true);
    if (current === null) return { error: "superseded" };
    const { agentId } = current.run;
    const hookId = await qualifyLead(
      ctx,
      current.thread,
      { ...input, ...(agentId ? { agentId } : {}) },
      Date.now(),
    );
    return hookId === null
      ? { queued: false, note: "No CRM hook is configured; nothing was sent." }
      : { queued: true };
  },
});
