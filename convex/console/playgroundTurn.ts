/**
 * One playground turn: the agent's real prompt (same builder, template, knowledge and tools as a
 * WhatsApp turn) and the same model, but a "playground" channel behind the tools: sends are
 * recorded in the session instead of reaching the provider, memory stays in the session, and
 * handoffs, agent handoffs, follow-ups and leads are recorded as what would have happened.
 * HTTP tools are called for real only when the session says so.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { estimateCostUsd, ModelUnavailable, type ModelMessage } from "../agents/model";
import { runToolLoop, type LoopAgent } from "../agents/toolLoop";
import { buildPrompt } from "../agents/prompt";
import { toolsForAgent, type ToolHost, type ToolSpec } from "../agents/tools";
import { promptBudgetChars } from "../lib/config";
import type { OutboundContent, ToolCallRecord } from "../lib/validators";

/** Messages one turn may send, as on WhatsApp. */
const MAX_SENDS_PER_TURN = 3;

/** How a message the agent sent reads in the playground transcript. */
export function describeOutbound(message: OutboundContent): string {
  switch (message.kind) {
    case "text":
      return message.text;
    case "buttons":
      return `${message.body}\n${message.buttons.map((b) => `[${b.title}]`).join(" ")}`;
    case "list":
      return `${message.body}\n[${message.buttonText}]`;
    case "template":
      return `[Template: ${message.name} (${message.language})]`;
    case "media":
      return `[${message.mediaType}] ${message.url ?? ""}${message.caption ? ` ${message.caption}` : ""}`;
    case "reaction":
      return message.emoji;
  }
}

const SIMULATED_HTTP = JSON.stringify({
  simulated: true,
  note: "Playground: this HTTP tool was not called. Turn on live HTTP tools to call it.",
});

type Usage = { tokensIn: number; tokensOut: number; costUsd: number };

/** The playground side of every tool effect, bound to one turn of one session. */
class PlaygroundChannel {
  sends = 0;
  passedOn = false;
  readonly toolCalls: ToolCallRecord[] = [];
  readonly usage: Usage = { tokensIn: 0, tokensOut: 0, costUsd: 0 };

  constructor(
    private readonly ctx: ActionCtx,
    private readonly messageId: Id<"playgroundMessages">,
    private readonly sessionId: Id<"playgroundSessions">,
    private readonly memories: string[],
  ) {}

  async note(content: string) {
    await this.ctx.runMutation(internal.console.playground.record, {
      messageId: this.messageId,
      role: "event",
      content,
    });
  }

  async send(message: OutboundContent) {
    if (this.sends >= MAX_SENDS_PER_TURN) {
      return { error: `At most ${MAX_SENDS_PER_TURN} messages per turn; join your replies.` };
    }
    if (message.kind === "reaction" || (message.kind === "media" && message.storageId)) {
      return { error: "Agents send text, templates, interactive and linked media." };
    }
    this.sends += 1;
    await this.ctx.runMutation(internal.console.playground.record, {
      messageId: this.messageId,
      role: "assistant",
      content: describeOutbound(message),
      outbound: message,
    });
    return { sent: true };
  }

  host(customer: { contactName?: string; phoneNumber?: string }, live: boolean): ToolHost {
    const { ctx, sessionId } = this;
    return {
      whatsappSend: (message) => this.send(message),
      whatsappGetConversation: ({ limit }) =>
        ctx.runQuery(internal.console.playground.conversation, { sessionId, limit }),
      whatsappGetStatus: async () => ({
        connection: "playground",
        customerServiceWindowOpen: true,
        freeFormAllowed: true,
      }),
      handoffToHuman: async ({ reason, summary }) => {
        await this.note(`Would hand the conversation to a person (${reason}): ${summary}`);
        return { handedOff: true, note: "A human teammate now owns this conversation." };
      },
      memorySearch: async ({ query, limit }) => {
        const words = query.toLowerCase().split(/\W+/).filter(Boolean);
        return this.memories
          .filter((m) => words.some((w) => m.toLowerCase().includes(w)))
          .slice(0, limit)
          .map((content) => ({ kind: "note", content, source: "this playground session" }));
      },
      memoryStore: async ({ content }) => {
        this.memories.push(content);
        await ctx.runMutation(internal.console.playground.remember, { sessionId, content });
        await this.note(`Would remember: ${content}`);
        return { stored: true };
      },
      agentsHandoff: async ({ agent, note }) => {
        const target = await ctx.runQuery(internal.console.playground.agentBySlug, {
          sessionId,
          slug: agent,
        });
        if (target === null) return { error: `There is no agent "${agent}" in this workspace.` };
        this.passedOn = true;
        await this.note(`Would pass the conversation to ${target.name} (${target.slug}): ${note}`);
        return { passedTo: target.name, note: "That agent takes over; do not reply further." };
      },
      followUpsSchedule: async ({ delayMinutes, text }) => {
        await this.note(`Would send a follow-up in ${delayMinutes} min: ${text}`);
        return {
          scheduled: true,
          dueAt: new Date(Date.now() + delayMinutes * 60_000).toISOString(),
        };
      },
      leadQualify: async ({ summary }) => {
        await this.note(`Would send a qualified lead to the CRM: ${summary}`);
        return { queued: false, note: "Playground: nothing was sent." };
      },
      channelParams: customer,
      fetch: live
        ? (input, init) => fetch(input, init)
        : async () =>
            new Response(SIMULATED_HTTP, { headers: { "content-type": "application/json" } }),
    };
  }

  /** Model ↔ tools until the model answers with text, passes the customer on, or runs out of steps. */
  async loop(
    messages: ModelMessage[],
    tools: ToolSpec[],
    host: ToolHost,
    agent: LoopAgent,
  ): Promise<string | null> {
    return await runToolLoop(messages, tools, host, agent, {
      onModelCall: (model, tokensIn, tokensOut) => {
        this.usage.tokensIn += tokensIn;
        this.usage.tokensOut += tokensOut;
        this.usage.costUsd += estimateCostUsd(model, tokensIn, tokensOut);
      },
      onToolCall: (call) => this.toolCalls.push(call),
      shouldStop: () => this.passedOn,
    });
  }
}

/** Answers one customer message of a playground session; records replies and run details. */
export const respond = internalAction({
  args: { messageId: v.id("playgroundMessages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    const input = await ctx.runQuery(internal.console.playground.turnInput, { messageId });
    if (input === null) return null;
    const { agent } = input;
    const startedAt = Date.now();
    const channel = new PlaygroundChannel(ctx, messageId, input.session._id, [
      ...input.session.memories,
    ]);
    const prompt = buildPrompt({
      template: agent.systemPrompt,
      variables: {
        threadContext: { channel: "whatsapp", params: input.session.customer },
        connection: input.connection,
        business: { name: input.businessName },
        agent: { name: agent.name, language: agent.language },
      },
      knowledge: agent.knowledge,
      memories: input.session.memories,
      history: input.history,
      budgetChars: promptBudgetChars(),
    });
    const tools = toolsForAgent(agent);
    let error: string | undefined;
    try {
      const host = channel.host(input.session.customer, input.liveHttpTools);
      const final = await channel.loop(prompt.messages, tools, host, agent);
      if (!channel.passedOn && final !== null && final.trim() !== "") {
        await channel.send({ kind: "text", text: final.trim().slice(0, 4096) });
      }
    } catch (caught) {
      if (caught instanceof ModelUnavailable) {
        channel.usage.tokensIn += caught.tokensIn;
        channel.usage.tokensOut += caught.tokensOut;
        error = `Model failed after ${caught.attempts} attempt(s): ${caught.message}`;
        await channel.send({ kind: "text", text: agent.handoff.fallbackReply });
      } else {
        error = caught instanceof Error ? caught.message : String(caught);
      }
    }
    await ctx.runMutation(internal.console.playground.finish, {
      messageId,
      run: {
        state: error === undefined ? "done" : "failed",
        agentId: agent._id,
        decision: `Playground: ${agent.name} (${agent.slug}) answers every message.`,
        toolCalls: channel.toolCalls,
        promptChars: prompt.promptChars,
        ...channel.usage,
        startedAt,
        latencyMs: Date.now() - startedAt,
        ...(error !== undefined ? { error: error.slice(0, 2_000) } : {}),
      },
    });
    return null;
  },
});
