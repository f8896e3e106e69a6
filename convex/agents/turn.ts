/**
 * One agent turn, run by `internal.agents.routing.route` once the coalescing window has passed and the
 * generation check succeeded: begin (single-flight, handler), classification for `classify`
 * routers, bounded context, the model loop with tools up to the agent's step limit, sends that
 * re-check the generation, and the run record. Model failure after retries → the agent's
 * fallback reply, and a `repeated_failure` handoff when the agent says so or when the thread
 * reached the tenant's limit of fallback replies in a row; the inbound messages stay stored.
 * The `agents.handoff` tool ends the turn (`passed_on`) and the next agent answers.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { buildPrompt } from "./prompt";
import { toolsForAgent, type ToolHost, type ToolSpec } from "./tools";
import { promptBudgetChars } from "../lib/config";
import { callModel, estimateCostUsd, ModelUnavailable, type ModelMessage } from "./model";
import { classifierPrompt, parseClassification } from "./routerRules";
import type {
  ChannelParams,
  OutboundContent,
  RunOutcome,
  TemplateParameters,
  ToolCallRecord,
} from "../lib/validators";
import { MAX_RECORDED_CHARS } from "./runs";

type Usage = { tokensIn: number; tokensOut: number; costUsd: number };

function record(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.length > MAX_RECORDED_CHARS ? `${text.slice(0, MAX_RECORDED_CHARS)}…` : text;
}

function addUsage(usage: Usage, model: string, tokensIn: number, tokensOut: number) {
  usage.tokensIn += tokensIn;
  usage.tokensOut += tokensOut;
  usage.costUsd += estimateCostUsd(model, tokensIn, tokensOut);
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
  usage: Usage,
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
    addUsage(usage, begun.model, turn.tokensIn, turn.tokensOut);
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
    if (error instanceof ModelUnavailable) usage.tokensIn += error.tokensIn;
    return {
      agentId: begun.fallbackAgentId,
      reason: `classifier failed (${(error as Error).message}); fallback agent`,
    };
  }
}

/** Runs one turn for `threadId` at `generation`. Safe to call twice: the second does nothing. */
export async function runAgentTurn(
  ctx: ActionCtx,
  args: {
    threadId: Id<"threads">;
    generation: number;
    reserved?: boolean;
    handoverFrom?: Id<"agentRuns">;
  },
): Promise<RunOutcome | null> {
  const begun = await ctx.runMutation(internal.agents.runs.begin, args);
  if (begun.kind === "skip") return null;
  if (begun.kind === "done") return null;
  const runId = begun.runId;
  const usage: Usage = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
  if (begun.kind === "classify") {
    const decision = await classify(begun, usage);
    await ctx.runMutation(internal.agents.runs.setDecision, { runId, ...decision });
  }
  const toolCalls: ToolCallRecord[] = [];
  let promptChars = 0;
  const finish = async (outcome: RunOutcome, error?: string) => {
    await ctx.runMutation(internal.agents.runs.finish, {
      runId,
      outcome,
      toolCalls,
      promptChars,
      ...usage,
      ...(error !== undefined ? { error: error.slice(0, 2_000) } : {}),
    });
    return outcome;
  };
  try {
    const context = await ctx.runQuery(internal.agents.runs.loadContext, { runId });
    if (context === null) return await finish("failed", "The run's thread or agent is gone.");
    const prompt = buildPrompt({
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
        business: { name: context.businessName },
        agent: { name: context.agent.name, language: context.agent.language },
      },
      knowledge: context.agent.knowledge,
      memories: context.memories,
      history: context.history,
      budgetChars: promptBudgetChars(),
      otherNumbers: context.otherNumbers,
      ...(context.handoffSummary !== undefined ? { handoffSummary: context.handoffSummary } : {}),
      ...(context.passedOn !== undefined ? { passedOn: context.passedOn } : {}),
    });
    promptChars = prompt.promptChars;
    const turn = new Turn(
      ctx,
      runId,
      context.generation,
      toolsForAgent(context.agent),
      toolCalls,
      context.channelParams,
    );
    try {
      const final = await turn.loop(prompt.messages, context.agent, usage);
      if (turn.passedOn) return await finish("passed_on");
      if (turn.superseded) return await finish("superseded");
      if (final !== null && final.trim() !== "") {
        const sent = await turn.send({ kind: "text", text: final.trim().slice(0, 4096) });
        if (!sent.sent) {
          return await finish(sent.reason === "superseded" ? "superseded" : "failed", sent.reason);
        }
      }
      if (turn.handedOff) return await finish("handed_off");
      return await finish(turn.sentCount > 0 ? "replied" : "silent");
    } catch (error) {
      if (!(error instanceof ModelUnavailable)) throw error;
      usage.tokensIn += error.tokensIn;
      usage.tokensOut += error.tokensOut;
      const why = `Model failed after ${error.attempts} attempt(s): ${error.message}`;
      const fallback = await turn.send({ kind: "text", text: context.agent.handoff.fallbackReply });
      if (!fallback.sent && fallback.reason === "superseded")
        return await finish("superseded", why);
      const streak = await ctx.runMutation(internal.agents.runs.recordFallback, { runId });
      const tooMany = streak.consecutive >= streak.limit;
      if ((context.agent.handoff.handoffOnFailure || tooMany) && !turn.handedOff) {
        await turn.handoff(
          "repeated_failure",
          tooMany
            ? `The AI could not answer ${streak.consecutive} times in a row (model unavailable); the customer got the fallback reply each time.`
            : "The AI could not answer (model unavailable).",
        );
      }
      return await finish(turn.handedOff ? "handed_off" : "failed", why);
    }
  } catch (error) {
    return await finish("failed", error instanceof Error ? error.message : String(error));
  }
}

/** The loop state of one turn and the tool host bound to its run. */
class Turn {
  superseded = false;
  handedOff = false;
  /** The agent this turn passed the thread to (agents.handoff), if any. */
  passedOn: string | null = null;
  sentCount = 0;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly runId: Id<"agentRuns">,
    private generation: number,
    private readonly tools: ToolSpec[],
    private readonly toolCalls: ToolCallRecord[],
    private readonly channelParams: ChannelParams,
  ) {}

  async send(message: OutboundContent) {
    const result = await this.ctx.runMutation(internal.agents.runs.send, {
      runId: this.runId,
      generation: this.generation,
      message,
      afterOwnHandoff: this.handedOff,
    });
    if (result.sent) this.sentCount += 1;
    else if (result.reason === "superseded") this.superseded = true;
    return result;
  }

  async handoff(
    reason: "customer_asked" | "frustration" | "out_of_scope" | "sensitive" | "repeated_failure",
    summary: string,
  ) {
    const result = await this.ctx.runMutation(internal.agents.runs.handoff, {
      runId: this.runId,
      generation: this.generation,
      reason,
      summary,
    });
    if (result === null) {
      this.superseded = true;
      return { error: "superseded" };
    }
    this.generation = result.generation;
    this.handedOff = true;
    return { handedOff: true, note: "A human teammate now owns this conversation." };
  }

  async passToAgent(slug: string, note: string) {
    const result = await this.ctx.runMutation(internal.agents.runs.passToAgent, {
      runId: this.runId,
      generation: this.generation,
      slug,
      note,
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
    return {
      send: async (message) => {
        try {
          const result = await this.send(message);
          return result.sent ? { sent: true } : { error: result.reason };
        } catch (error) {
          const data = (error as { data?: { message?: string } }).data;
          return { error: data?.message ?? (error as Error).message };
        }
      },
      getConversation: (limit) =>
        this.ctx.runQuery(internal.agents.runs.conversation, { runId: this.runId, limit }),
      getStatus: () => this.ctx.runQuery(internal.agents.runs.status, { runId: this.runId }),
      handoff: (reason, summary) => this.handoff(reason, summary),
      memorySearch: (query, limit, source) =>
        this.ctx.runQuery(internal.agents.runs.searchMemory, {
          runId: this.runId,
          query,
          limit,
          ...(source !== undefined ? { source } : {}),
        }),
      memoryStore: (content, kind) =>
        this.ctx.runMutation(internal.agents.runs.storeMemoryForRun, {
          runId: this.runId,
          generation: this.generation,
          content,
          kind,
        }),
      passToAgent: (slug, note) => this.passToAgent(slug, note),
      scheduleFollowUp: (input) => {
        const parameters: TemplateParameters | undefined = input.template?.bodyParameters
          ? { body: input.template.bodyParameters }
          : undefined;
        return this.ctx.runMutation(internal.agents.runs.scheduleFollowUpForRun, {
          runId: this.runId,
          generation: this.generation,
          delayMinutes: input.delayMinutes,
          text: input.text,
          cancelOnReply: input.cancelOnReply,
          ...(input.template
            ? {
                template: {
                  name: input.template.name,
                  language: input.template.language,
                  ...(parameters ? { parameters } : {}),
                },
              }
            : {}),
        });
      },
      qualifyLead: (summary, fields) =>
        this.ctx.runMutation(internal.agents.runs.qualifyLeadForRun, {
          runId: this.runId,
          generation: this.generation,
          summary,
          fields,
        }),
      channelParams: this.channelParams,
      fetch: (input, init) => fetch(input, init),
    };
  }

  /** Model ↔ tools until the model answers with text, the step limit, or supersession. */
  async loop(
    messages: ModelMessage[],
    agent: { model: string; temperature: number; maxSteps: number },
    usage: Usage,
  ): Promise<string | null> {
    const definitions = this.tools.map((t) => t.definition);
    const host = this.host();
    for (let step = 0; step < agent.maxSteps; step++) {
      const turn = await callModel({
        model: agent.model,
        temperature: agent.temperature,
        messages,
        tools: definitions,
      });
      addUsage(usage, agent.model, turn.tokensIn, turn.tokensOut);
      if (turn.toolCalls.length === 0) return turn.content;
      messages.push({
        role: "assistant",
        content: turn.content,
        tool_calls: turn.toolCalls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      });
      for (const call of turn.toolCalls) {
        const spec = this.tools.find((t) => t.modelName === call.name)!;
        const outcome = await spec.execute(host, call.arguments);
        this.toolCalls.push({
          name: spec.name,
          arguments: record(call.arguments),
          result: record(outcome.result),
          ok: outcome.ok,
        });
        messages.push({ role: "tool", tool_call_id: call.id, content: record(outcome.result) });
        if (this.superseded || this.passedOn !== null) return null;
      }
      if (this.handedOff && step + 1 >= agent.maxSteps) return null;
    }
    return null;
  }
}
