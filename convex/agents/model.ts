/**
 * The model call: one chat completion through the `openai` SDK against any OpenAI-compatible
 * server (`OPENAI_BASE_URL`), with a per-attempt timeout, our own retries with exponential backoff
 * and jitter (the SDK's are off so attempts are counted here), validation of tool calls (unknown
 * tools or arguments that are not a JSON object count as a failed attempt), and a cost estimate.
 */
import OpenAI from "openai";
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { backoffMs } from "../lib/backoff";
import { llmConfig, type LlmConfig } from "../lib/config";

export type ModelMessage = ChatCompletionMessageParam;
export type ModelTool = ChatCompletionTool;

export type ModelToolCall = { id: string; name: string; arguments: string };
export type ModelTurn = {
  content: string | null;
  toolCalls: ModelToolCall[];
  tokensIn: number;
  tokensOut: number;
  attempts: number;
};

export type ModelRequest = {
  model: string;
  temperature: number;
  messages: ModelMessage[];
  tools?: ModelTool[];
};

/** A completion we cannot use: the model named a tool that does not exist or sent bad JSON. */
export class MalformedModelResponse extends Error {}

/** The model could not be used after every attempt; `attempts` and the last error are kept. */
export class ModelUnavailable extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly tokensIn: number,
    readonly tokensOut: number,
  ) {
    super(message);
  }
}

/** USD per million tokens (input, output). Unknown models cost 0 in the estimate. */
const PRICES: Record<string, { input: number; output: number }> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-5-mini": { input: 0.25, output: 2 },
  "gpt-5": { input: 1.25, output: 10 },
};

export function estimateCostUsd(model: string, tokensIn: number, tokensOut: number): number {
  const price = PRICES[model] ?? PRICES[model.replace(/-\d{4}-\d{2}-\d{2}$/, "")];
  if (!price) return 0;
  return (tokensIn * price.input + tokensOut * price.output) / 1_000_000;
}

async function sleep(ms: number) {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

function describeError(error: unknown): string {
  if (error instanceof OpenAI.APIError) return `HTTP ${error.status ?? "?"}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function checkToolCalls(calls: ModelToolCall[], tools: ModelTool[] | undefined) {
  const known = new Set((tools ?? []).map((t) => (t.type === "function" ? t.function.name : "")));
  for (const call of calls) {
    if (!known.has(call.name)) {
      throw new MalformedModelResponse(`The model called an unknown tool "${call.name}".`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(call.arguments === "" ? "{}" : call.arguments);
    } catch {
      throw new MalformedModelResponse(`Arguments of "${call.name}" are not valid JSON.`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new MalformedModelResponse(`Arguments of "${call.name}" are not a JSON object.`);
    }
  }
}

/** One completion, retried with backoff; throws ModelUnavailable when every attempt failed. */
export async function callModel(
  request: ModelRequest,
  config: LlmConfig = llmConfig(),
): Promise<ModelTurn> {
  const client = new OpenAI({
    baseURL: config.baseUrl,
    apiKey: config.apiKey,
    timeout: config.timeoutMs,
    maxRetries: 0,
  });
  let tokensIn = 0;
  let tokensOut = 0;
  let lastError = "";
  for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
    try {
      const completion = await client.chat.completions.create({
        model: request.model,
        temperature: request.temperature,
        messages: request.messages,
        ...(request.tools && request.tools.length > 0 ? { tools: request.tools } : {}),
      });
      tokensIn += completion.usage?.prompt_tokens ?? 0;
      tokensOut += completion.usage?.completion_tokens ?? 0;
      const message = completion.choices[0]?.message;
      if (!message) throw new MalformedModelResponse("The completion has no choices.");
      const toolCalls = (message.tool_calls ?? []).flatMap((call) =>
        call.type === "function"
          ? [{ id: call.id, name: call.function.name, arguments: call.function.arguments }]
          : [],
      );
      checkToolCalls(toolCalls, request.tools);
      return {
        content: message.content ?? null,
        toolCalls,
        tokensIn,
        tokensOut,
        attempts: attempt,
      };
    } catch (error) {
      lastError = describeError(error);
      const retryable =
        !(error instanceof OpenAI.APIError) ||
        error.status === undefined ||
        error.status === 408 ||
        error.status === 409 ||
        error.status === 429 ||
        error.status >= 500;
      if (!retryable) {
        throw new ModelUnavailable(lastError, attempt, tokensIn, tokensOut);
      }
      if (attempt < config.maxAttempts) {
        await sleep(backoffMs(attempt, { baseMs: config.retryBaseMs }));
      }
    }
  }
  throw new ModelUnavailable(lastError, config.maxAttempts, tokensIn, tokensOut);
}
