/**
 * One agent turn. Inbound ingest bumps `thread.generation` for every customer message and
 * schedules `run` after a short coalescing window, so a burst gets one turn: `begin` (turnSteps.ts)
 * decides whether and for which agent, a `classify` router lets the model choose, then the model
 * loop calls tools (toolEffects.ts) up to the agent's step limit and the reply is sent. A model
 * that keeps failing gets the agent's fallback reply out, and a `repeated_failure` handoff; a
 * customer whose problem the model keeps judging unresolved, an `unresolved` one (turnSignals.ts).
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { promptBudgetChars, routingCoalesceMs } from "../lib/config";
import type { ChannelParams, OutboundContent, RunOutcome, ToolCallRecord } from "../lib/validators";
import { callModel, estimateCostUsd, ModelUnavailable, type ModelMessage } from "./model";
import { buildPrompt } from "./prompt";
import { imagesMessage, viewMedia } from "../media/view";
import { classifierPrompt, parseClassification } from "./routerRules";
import { runToolLoop, type LoopAgent } from "./toolLoop";
import { toolsForAgent, type ToolHost, type ToolSpec } from "./tools";
import type { ConversationAssessInput, ToolInput } from "./toolSchemas";
import type { TurnContext } from "./turnContext";
import { vTurnArgs, type TurnArgs } from "./turnSteps";

/** Default wait before a new inbound message gets its turn (override with ROUTING_COALESCE_MS). */
export const ROUTING_COALESCE_MS = 2000;

/** The coalescing window in effect on this deployment. */
export function routingDelayMs(): number {
  return routingCoalesceMs(ROUTING_COALESCE_MS);
}

/** The scheduled entry point of a turn; a turn whose generation moved on does nothing. */
export const run = internalAction({
  args: vTurnArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    await runAgentTurn(ctx, args);
    return null;
  },
});

/** What a run used and did, written once by `finish`. */
class RunRecord {
  usage = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
  toolCalls: ToolCallRecord[] = [];
  promptChars = 0;

  constructor(
    private readonly ctx: ActionCtx,
    readonly runId: Id<"agentRuns">,
  ) {}

  addModelCall(model: string, tokensIn: number, tokensOut: number) {
    this.usage.tokensIn += tokensIn;
    this.usage.tokensOut += tokensOut;
    this.usage.costUsd += estimateCostUsd(model, tokensIn, tokensOut);
  }

  async finish(outcome: RunOutcome, error?: string): Promise<RunOutcome> {
    await this.ctx.runMutation(internal.agents.turnSteps.finish, {
      runId: this.runId,
      outcome,
      toolCalls: this.toolCalls,
      promptChars: this.promptChars,
      ...this.usage,
      ...(error !== undefined ? { error: error.slice(0, 2_000) } : {}),
    });
    return outcome;
  }
}

/** Picks the agent of a `classify` router with the model; any failure ends at the fallback. */
async function classify(
  begun: {
    candidates: { agentId: Id<"agents">; slug: string; name: string; description: string }[];
    fallbackAgentId: Id<"agents">;
    instructions?: string;
    model: string;
    customerText: string;
  },
  record: RunRecord,
): Promise<{ agentId: Id<"agents">; reason: string }> {
  try {
    const turn = await callModel({
      model: begun.model,
      temperature: 0,
      messages: [
        { role: "system", content: classifierPrompt(begun.candidates, begun.instructions) },
        { role: "user", content: begun.customerText },
      ],
    });
    record.addModelCall(begun.model, turn.tokensIn, turn.tokensOut);
    const picked = parseClassification(turn.content ?? "", begun.candidates);
    const agent = picked && begun.candidates.find((c) => c.slug === picked.slug);
    if (picked && agent) {
      return {
        agentId: agent.agentId,
        reason: `classified as ${picked.slug}${picked.reason ? `: ${picked.reason}` : ""}`,
      };
    }
    return { agentId: begun.fallbackAgentId, reason: "classifier chose no agent; fallback agent" };
  } catch (error) {
    if (error instanceof ModelUnavailable) record.usage.tokensIn += error.tokensIn;
    return {
      agentId: begun.fallbackAgentId,
      reason: `classifier failed (${(error as Error).message}); fallback agent`,
    };
  }
}

/** Runs one turn for `threadId` at `generation`. Safe to call twice: the second does nothing. */
export async function runAgentTurn(ctx: ActionCtx, args: TurnArgs): Promise<RunOutcome | null> {
  const begun = await ctx.runMutation(internal.agents.turnSteps.begin, args);
  if (begun.kind === "skip" || begun.kind === "done") return null;
  const record = new RunRecord(ctx, begun.runId);
  if (begun.kind === "classify") {
    const decision = await classify(begun, record);
    await ctx.runMutation(internal.agents.turnSteps.setDecision, {
      runId: record.runId,
      ...decision,
    });
  }
  try {
    return await answer(ctx, record);
  } catch (error) {
    return await record.finish("failed", error instanceof Error ? error.message : String(error));
  }
}

function promptFor(context: TurnContext) {
  return buildPrompt({
    template: context.agent.systemPrompt,
    variables: {
      threadContext: {
        channel: "whatsapp",
        params: {
          phoneNumber: context.channelParams.phoneNumber,
          contactName: context.channelParams.contactName,
          bsuid: context.channelParams.bsuid,
        },
      },
      connection: context.connection,
      business: context.business,
      agent: { name: context.agent.name, language: context.agent.language },
    },
    allowedRecipients: context.agent.allowedRecipients,
    knowledge: context.agent.knowledge,
    memories: context.memories,
    history: context.history,
    budgetChars: promptBudgetChars(),
    otherNumbers: context.otherNumbers,
    ...(context.handoffSummary !== undefined ? { handoffSummary: context.handoffSummary } : {}),
    ...(context.passedOn !== undefined ? { passedOn: context.passedOn } : {}),
  });
}

/** Loads the context, runs the model loop and sends the reply, or the fallback reply. */
async function answer(ctx: ActionCtx, record: RunRecord): Promise<RunOutcome> {
  const context = await ctx.runQuery(internal.agents.turnSteps.loadContext, {
    runId: record.runId,
  });
  if (context === null) return await record.finish("failed", "The run's thread or agent is gone.");
  const prompt = promptFor(context);
  record.promptChars = prompt.promptChars;
  const turn = new Turn(
    ctx,
    record,
    context.generation,
    toolsForAgent(context.agent),
    context.channelParams,
  );
  try {
    const final = await turn.loop(prompt.messages, context.agent);
    return await conclude(turn, record, final);
  } catch (error) {
    if (!(error instanceof ModelUnavailable)) throw error;
    return await fallBack(ctx, turn, record, context.agent.handoff, error);
  }
}

/** Sends the model's final text, if any, and closes the run with what the turn did. */
async function conclude(turn: Turn, record: RunRecord, final: string | null) {
  if (turn.passedOn) return await record.finish("passed_on");
  if (turn.superseded) return await record.finish("superseded");
  if (final !== null && final.trim() !== "") {
    const sent = await turn.send({ kind: "text", text: final.trim().slice(0, 4096) });
    if (!sent.sent) {
      return await record.finish(
        sent.reason === "superseded" ? "superseded" : "failed",
        sent.reason,
      );
    }
  }
  if (turn.handedOff) return await record.finish("handed_off");
  return await record.finish(turn.sentCount > 0 ? "replied" : "silent");
}

/**
 * The model failed after its retries: the agent's fallback reply goes out, and the thread is
 * handed to a human when the agent says so or the fallback replies in a row reached the limit.
 */
async function fallBack(
  ctx: ActionCtx,
  turn: Turn,
  record: RunRecord,
  policy: TurnContext["agent"]["handoff"],
  error: ModelUnavailable,
) {
  record.usage.tokensIn += error.tokensIn;
  record.usage.tokensOut += error.tokensOut;
  const why = `Model failed after ${error.attempts} attempt(s): ${error.message}`;
  const fallback = await turn.send({ kind: "text", text: policy.fallbackReply });
  if (!fallback.sent && fallback.reason === "superseded") {
    return await record.finish("superseded", why);
  }
  const streak = await ctx.runMutation(internal.agents.turnSteps.recordFallback, {
    runId: record.runId,
  });
  const tooMany = streak.consecutive >= streak.limit;
  if ((policy.handoffOnFailure || tooMany) && !turn.handedOff) {
    await turn.handoffToHuman({
      reason: "repeated_failure",
      summary: tooMany
        ? `The AI could not answer ${streak.consecutive} times in a row (model unavailable); the customer got the fallback reply each time.`
        : "The AI could not answer (model unavailable).",
    });
  }
  return await record.finish(turn.handedOff ? "handed_off" : "failed", why);
}

/** The loop state of one turn and the tool host bound to its run and generation. */
class Turn {
  superseded = false;
  handedOff = false;
  /** The agent this turn passed the thread to (agents.handoff), if any. */
  passedOn: string | null = null;
  sentCount = 0;
  /** Images `media.view` fetched during this step, shown to the model after the tool results. */
  private images: string[] = [];

  constructor(
    private readonly ctx: ActionCtx,
    private readonly record: RunRecord,
    private generation: number,
    private readonly tools: ToolSpec[],
    private readonly channelParams: ChannelParams,
  ) {}

  private get runId() {
    return this.record.runId;
  }

  /** Sends to the customer, or with `to` to another number the agent is allowed to message. */
  async send(message: OutboundContent, to?: string) {
    const result = await this.ctx.runMutation(internal.agents.toolEffects.whatsappSend, {
      runId: this.runId,
      generation: this.generation,
      message,
      afterOwnHandoff: this.handedOff,
      ...(to !== undefined ? { to } : {}),
    });
    if (result.sent && to === undefined) this.sentCount += 1;
    else if (!result.sent && result.reason === "superseded") this.superseded = true;
    return result;
  }

  /** `conversation.assess`; at the agent's limit of unresolved turns the thread went to a person. */
  async assess(input: ConversationAssessInput) {
    const result = await this.ctx.runMutation(internal.agents.toolEffects.conversationAssess, {
      runId: this.runId,
      generation: this.generation,
      input,
    });
    if ("error" in result) {
      if (result.error === "superseded") this.superseded = true;
      return result;
    }
    if ("handedOff" in result && typeof result.generation === "number") {
      this.generation = result.generation;
      this.handedOff = true;
      return {
        handedOff: true,
        note: "A human teammate now owns this conversation: tell the customer a person will follow up.",
      };
    }
    return result;
  }

  async handoffToHuman(input: {
    reason: ToolInput<"handoff.toHuman">["reason"] | "repeated_failure";
    summary: string;
  }) {
    const result = await this.ctx.runMutation(internal.agents.toolEffects.handoffToHuman, {
      runId: this.runId,
      generation: this.generation,
      input,
    });
    if (result === null) {
      this.superseded = true;
      return { error: "superseded" };
    }
    this.generation = result.generation;
    this.handedOff = true;
    return { handedOff: true, note: "A human teammate now owns this conversation." };
  }

  async agentsHandoff(input: ToolInput<"agents.handoff">) {
    const result = await this.ctx.runMutation(internal.agents.toolEffects.agentsHandoff, {
      runId: this.runId,
      generation: this.generation,
      input,
    });
    if ("error" in result) {
      if (result.error === "superseded") this.superseded = true;
      return result;
    }
    this.passedOn = result.slug;
    return {
      passedTo: result.name,
      note: `${result.name} takes over this conversation now; do not reply further.`,
    };
  }

  host(): ToolHost {
    const { ctx, runId } = this;
    const effects = internal.agents.toolEffects;
    const decision = () => ({ runId, generation: this.generation });
    return {
      whatsappSend: async (message, to) => {
        try {
          const result = await this.send(message, to);
          return result.sent ? { sent: true } : { error: result.reason };
        } catch (error) {
          const data = (error as { data?: { message?: string } }).data;
          return { error: data?.message ?? (error as Error).message };
        }
      },
      whatsappGetConversation: (input) =>
        ctx.runQuery(effects.whatsappGetConversation, { runId, input }),
      whatsappGetStatus: (input) => ctx.runQuery(effects.whatsappGetStatus, { runId, input }),
      handoffToHuman: (input) => this.handoffToHuman(input),
      memorySearch: (input) => ctx.runQuery(effects.memorySearch, { runId, input }),
      memoryStore: (input) => ctx.runMutation(effects.memoryStore, { ...decision(), input }),
      agentsHandoff: (input) => this.agentsHandoff(input),
      followUpsSchedule: (input) =>
        ctx.runMutation(effects.followUpsSchedule, { ...decision(), input }),
      leadQualify: (input) => ctx.runMutation(effects.leadQualify, { ...decision(), input }),
      conversationAssess: (input) => this.assess(input),
      mediaView: async (input) => {
        const viewed = await viewMedia(ctx, runId, input);
        if (viewed.image !== undefined) this.images.push(viewed.image);
        return viewed.result;
      },
      channelParams: this.channelParams,
      fetch: (input, init) => fetch(input, init),
    };
  }

  /** Model ↔ tools until the model answers with text, the step limit, or supersession. */
  async loop(messages: ModelMessage[], agent: LoopAgent): Promise<string | null> {
    return await runToolLoop(messages, this.tools, this.host(), agent, {
      onModelCall: (model, tokensIn, tokensOut) =>
        this.record.addModelCall(model, tokensIn, tokensOut),
      onToolCall: (call) => this.record.toolCalls.push(call),
      shouldStop: () => this.superseded || this.passedOn !== null,
      nextMessage: () =>
        this.images.length > 0 ? imagesMessage(this.images.splice(0)) : undefined,
    });
  }
}
