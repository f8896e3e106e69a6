/**
 * What an agent's prompt is built from, read for one run with a fixed number of index reads
 * whatever the thread's length: the agent, the connection, the business profile, the last
 * `maxContextMessages` messages, the customer's memories (tagged with the number they were
 * learned on when it is another one), the customer's messages on the pool's other numbers, the
 * handoff summary and the note of an agent that passed the thread on.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { businessVariables, loadBusinessProfile } from "../business/profile";
import { numberRef, poolHistory, recentMemories, type NumberRef } from "../customers/memories";
import { contentForAgent } from "../media/view";

/** How a number of a memory pool is named to the model: its label, and its phone number. */
export function numberLabel(n: NumberRef) {
  return n.phoneNumber ? `${n.label} (${n.phoneNumber})` : n.label;
}

/** The contact's newest memories, each learned on another number tagged with that number. */
async function memoriesOf(
  ctx: QueryCtx,
  thread: Doc<"threads">,
  connection: Doc<"whatsappConnections">,
) {
  const memories = await recentMemories(ctx, thread.contactId);
  const numbers = new Map<string, NumberRef>([[connection._id, numberRef(connection)]]);
  for (const m of memories) {
    if (!numbers.has(m.sourceConnectionId)) {
      const source = await ctx.db.get("whatsappConnections", m.sourceConnectionId);
      if (source !== null) numbers.set(source._id, numberRef(source));
    }
  }
  return memories.map((m) => {
    const source = numbers.get(m.sourceConnectionId);
    return m.sourceConnectionId === connection._id || source === undefined
      ? m.content
      : `${m.content} (learned via ${numberLabel(source)})`;
  });
}

/** The note of the agent that passed the thread to `agent`, and who that was. */
async function passedOnTo(ctx: QueryCtx, thread: Doc<"threads">, agent: Doc<"agents">) {
  const passer =
    thread.agentHandoff !== undefined && thread.currentAgentId === agent._id
      ? thread.agentHandoff
      : undefined;
  if (passer === undefined) return undefined;
  const from = passer.fromAgentId ? await ctx.db.get("agents", passer.fromAgentId) : null;
  return { note: passer.note, ...(from !== null ? { from: `${from.name} (${from.slug})` } : {}) };
}

/** The agent's settings a turn uses (tools and HTTP tools included; never shown to the model). */
function turnAgent(agent: Doc<"agents">) {
  return {
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
    allowedRecipients: agent.allowedRecipients ?? [],
    vision: agent.vision === true,
  };
}

/** Everything the prompt of run `runId` needs; null when its thread, agent or connection is gone. */
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
  // In arrival order, like the burst: a message that crossed our reply comes after it.
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_seq", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(agent.maxContextMessages);
  const memories = await memoriesOf(ctx, thread, connection);
  const otherNumbers = (await poolHistory(ctx, thread)).map((m) => ({
    source: numberLabel(m.source),
    role: m.role,
    content: m.content,
    createdAt: m.createdAt,
  }));
  const passedOn = await passedOnTo(ctx, thread, agent);
  const profile = await loadBusinessProfile(ctx, thread);
  return {
    generation: run.generation,
    agent: turnAgent(agent),
    channelParams: thread.channelParams,
    connection: {
      label: connection.label,
      phoneNumber: connection.phoneNumber,
      persona: connection.persona,
    },
    business: businessVariables(profile, organization?.name),
    history: newest
      .reverse()
      .map((m) => ({ role: m.role, content: contentForAgent(m, agent.vision === true) })),
    memories,
    otherNumbers,
    ...(thread.handoffSummary !== undefined ? { handoffSummary: thread.handoffSummary } : {}),
    ...(passedOn !== undefined ? { passedOn } : {}),
  };
}

export type TurnContext = NonNullable<Awaited<ReturnType<typeof loadTurnContext>>>;
