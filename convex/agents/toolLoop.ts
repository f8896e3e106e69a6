/**
 * The model ↔ tools loop of one agent turn, shared by real turns (turn.ts) and the console's
 * playground: call the model, run the tools it asks for through the host, feed the results
 * back, until it answers with text, the step limit is reached, or the caller says stop (the
 * thread was passed on or superseded). Recorded arguments and results are cut to a bound.
 */
import type { ToolCallRecord } from "../lib/validators";
import { callModel, type ModelMessage } from "./model";
import type { ToolHost, ToolSpec } from "./tools";

/** Recorded tool arguments and results are cut to this many characters. */
export const MAX_RECORDED_CHARS = 2_000;

export function recorded(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return text.length > MAX_RECORDED_CHARS ? `${text.slice(0, MAX_RECORDED_CHARS)}…` : text;
}

export type LoopAgent = { model: string; temperature: number; maxSteps: number };

export type LoopHooks = {
  /** Each model call's tokens (every attempt's, as `callModel` reports them). */
  onModelCall(model: string, tokensIn: number, tokensOut: number): void;
  onToolCall(call: ToolCallRecord): void;
  /** Asked after each tool call: true ends the turn with no reply. */
  shouldStop(): boolean;
  /** After a step's tool calls: a message to show the model next (e.g. media it asked to view). */
  nextMessage?(): ModelMessage | undefined;
};

/** Runs the loop; the model's final text, or null when it ended without one. */
export async function runToolLoop(
  messages: ModelMessage[],
  tools: ToolSpec[],
  host: ToolHost,
  agent: LoopAgent,
  hooks: LoopHooks,
): Promise<string | null> {
  const definitions = tools.map((t) => t.definition);
  for (let step = 0; step < agent.maxSteps; step++) {
    const turn = await callModel({
      model: agent.model,
      temperature: agent.temperature,
      messages,
      tools: definitions,
    });
    hooks.onModelCall(agent.model, turn.tokensIn, turn.tokensOut);
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
      const spec = tools.find((t) => t.modelName === call.name)!;
      const outcome = await spec.execute(host, call.arguments);
      hooks.onToolCall({
        name: spec.name,
        arguments: recorded(call.arguments),
        result: recorded(outcome.result),
        ok: outcome.ok,
      });
      messages.push({ role: "tool", tool_call_id: call.id, content: recorded(outcome.result) });
      if (hooks.shouldStop()) return null;
    }
    const next = hooks.nextMessage?.();
    if (next !== undefined) messages.push(next);
  }
  return null;
}
