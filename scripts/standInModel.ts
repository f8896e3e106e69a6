/**
 * STAND-IN MODEL — not an AI. An OpenAI-compatible `POST /v1/chat/completions` server for
 * offline use and tests: deterministic replies from simple rules (greets, hands off when asked
 * for a person, stores "remember …" notes, answers from the knowledge in its system prompt,
 * picks an agent when asked to classify), scripted responses, and injectable failures (HTTP 500,
 * a hang that the caller's timeout must cut, malformed tool calls). It records every request so
 * tests can assert on the prompt. `createStandInModel()` works in-process (`model.fetch`);
 * `startStandInModel()` serves it on loopback.
 */
import { createServer, type Server } from "node:http";

export const STAND_IN_MODEL_NAME = "switchboard-stand-in";

type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };
type ChatMessage = {
  role: "system" | "user" | "assistant" | "tool";
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
};
type ChatTool = { type: "function"; function: { name: string; description?: string } };
export type ChatRequest = {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  temperature?: number;
  response_format?: { type: string };
};

/** One scripted assistant turn: text, tool calls (arguments as objects or raw strings), or both. */
export type ScriptedTurn = {
  content?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string }>;
};

export type Failure = "500" | "timeout" | "malformed";

export type StandInModel = {
  /** Every request body received, in order. */
  requests: ChatRequest[];
  /** Queue scripted turns; each request consumes one before the rules apply. */
  script: (...turns: ScriptedTurn[]) => void;
  /** The next `times` requests fail this way. */
  failNext: (failure: Failure, times?: number) => void;
  /** Handles a Fetch request (in-process use). */
  handle: (request: Request) => Promise<Response>;
  /** A `fetch` that answers OpenAI-style URLs from this model; use with `vi.stubGlobal`. */
  fetch: typeof fetch;
  /** The system prompt of the i-th request (last by default). */
  systemPrompt: (index?: number) => string;
  reset: () => void;
};

function text(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? "").join("");
  return "";
}

const HUMAN = /\b(human|person|agent|representative|somebody real|operator|humano|persona)\b/i;
const GREETING = /^\s*(hi|hello|hey|hola|good (morning|afternoon|evening))\b/i;
const REMEMBER = /\bremember(?: that)?\s+(.+)/i;
const STOPWORDS = new Set(
  "the a an is are do does you your my i to of and or for in on at what how when where can".split(
    " ",
  ),
);

function words(value: string) {
  return value
    .toLowerCase()
    .split(/[^a-z0-9áéíóúñü]+/)
    .filter((w) => w.length > 2 && !STOPWORDS.has(w));
}

let idCounter = 0;
function callId() {
  idCounter += 1;
  return `call_standin_${idCounter}`;
}

function hasTool(request: ChatRequest, name: string) {
  return (request.tools ?? []).some((t) => t.function.name === name);
}

/** The rule-based reply: a pure function of the request. */
export function standInTurn(request: ChatRequest): ScriptedTurn {
  const system = text(request.messages.find((m) => m.role === "system")?.content);
  const last = request.messages[request.messages.length - 1];
  if (/ROUTER CLASSIFICATION/.test(system)) return classify(system, request);
  if (last?.role === "tool") {
    const result = text(last.content);
    if (/handed off|human teammate/i.test(result)) {
      return { content: "I've asked a teammate to join; they'll reply here shortly." };
    }
    return { content: `Done. (${result.slice(0, 120)})` };
  }
  const said = text(
    [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "",
  ).trim();
  if (HUMAN.test(said) && hasTool(request, "handoff_toHuman")) {
    return {
      toolCalls: [
        { name: "handoff_toHuman", arguments: { summary: "Customer asked for a person" } },
      ],
    };
  }
  const remember = REMEMBER.exec(said);
  if (remember && hasTool(request, "memory_store")) {
    return { toolCalls: [{ name: "memory_store", arguments: { content: remember[1]!.trim() } }] };
  }
  if (GREETING.test(said)) {
    const name = /Customer name: (.+)/.exec(system)?.[1]?.trim();
    return { content: `Hello${name ? ` ${name}` : ""}! How can I help you today?` };
  }
  const asked = new Set(words(said));
  const knowledge = system
    .split("\n")
    .filter((line) => line.startsWith("- ") || line.includes(","))
    .find((line) => words(line).some((w) => asked.has(w)));
  if (knowledge) return { content: `From what I know: ${knowledge.replace(/^- /, "").trim()}` };
  return { content: `Thanks for your message. You said: "${said.slice(0, 200)}"` };
}

function classify(system: string, request: ChatRequest): ScriptedTurn {
  const said = words(text(request.messages.filter((m) => m.role === "user").pop()?.content));
  const agents = [...system.matchAll(/^- ([a-z0-9-]+): (.*)$/gm)].map((m) => ({
    slug: m[1]!,
    about: new Set(words(m[2]!)),
  }));
  const pick = agents.find((a) => said.some((w) => a.about.has(w)));
  return {
    content: JSON.stringify(
      pick
        ? { agent: pick.slug, reason: `message mentions ${said.find((w) => pick.about.has(w))}` }
        : { agent: "none", reason: "no agent matches" },
    ),
  };
}

function completion(request: ChatRequest, turn: ScriptedTurn) {
  const toolCalls: ToolCall[] = (turn.toolCalls ?? []).map((call) => ({
    id: callId(),
    type: "function",
    function: {
      name: call.name,
      arguments:
        typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const promptChars = request.messages.reduce((n, m) => n + text(m.content).length, 0);
  const content = turn.content ?? null;
  return {
    id: `chatcmpl-standin-${idCounter}`,
    object: "chat.completion",
    created: 0,
    model: STAND_IN_MODEL_NAME,
    system_fingerprint: "stand-in",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: toolCalls.length > 0 ? "tool_calls" : "stop",
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: Math.ceil(promptChars / 4),
      completion_tokens: Math.ceil((content ?? "").length / 4) + toolCalls.length * 10,
      total_tokens: 0,
    },
  };
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-stand-in-model": "true" },
  });
}

export function createStandInModel(): StandInModel {
  const requests: ChatRequest[] = [];
  let scripted: ScriptedTurn[] = [];
  let failures: Failure[] = [];

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname.endsWith("/models")) {
      return json(200, { object: "list", data: [{ id: STAND_IN_MODEL_NAME, object: "model" }] });
    }
    if (request.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return json(404, { error: { message: "The stand-in model only serves chat completions." } });
    }
    const body = (await request.json()) as ChatRequest;
    requests.push(body);
    const failure = failures.shift();
    if (failure === "500") return json(500, { error: { message: "stand-in: injected failure" } });
    if (failure === "timeout") {
      // Hang until the caller gives up (its timeout aborts the request).
      return await new Promise<Response>((_resolve, reject) => {
        const abort = () => reject(new DOMException("aborted", "AbortError"));
        if (request.signal.aborted) abort();
        request.signal.addEventListener("abort", abort);
      });
    }
    if (failure === "malformed") {
      return json(
        200,
        completion(body, { toolCalls: [{ name: "whatsapp_send", arguments: "{" }] }),
      );
    }
    return json(200, completion(body, scripted.shift() ?? standInTurn(body)));
  }

  const model: StandInModel = {
    requests,
    script: (...turns) => {
      scripted.push(...turns);
    },
    failNext: (failure, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    handle,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) =>
      await handle(new Request(input, init))) as typeof fetch,
    systemPrompt: (index = requests.length - 1) =>
      text(requests[index]?.messages.find((m) => m.role === "system")?.content),
    reset: () => {
      requests.length = 0;
      scripted = [];
      failures = [];
    },
  };
  return model;
}

/** Serves a stand-in model on 127.0.0.1 (port 0 = any free port). Use `url` as OPENAI_BASE_URL. */
export async function startStandInModel(options: { port?: number } = {}) {
  const model = createStandInModel();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
        method: req.method ?? "GET",
        headers: { "content-type": "application/json" },
        ...(req.method === "POST" ? { body: Buffer.concat(chunks).toString("utf8") } : {}),
        signal: controller.signal,
      });
      model
        .handle(request)
        .then(async (response) => {
          const headers: Record<string, string> = {};
          response.headers.forEach((value, key) => {
            headers[key] = value;
          });
          res.writeHead(response.status, headers);
          res.end(await response.text());
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    ...model,
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const port = Number(process.env.STAND_IN_MODEL_PORT ?? 3299);
  void startStandInModel({ port }).then((model) => {
    console.log(`Stand-in model (not an AI) listening on ${model.url}`);
  });
}
