/**
 * STAND-IN MODEL — not an AI. An OpenAI-compatible `POST /v1/chat/completions` server for
 * offline use and tests: deterministic replies from simple rules (greets, hands off when asked
 * for a person, stores "remember …" notes, flags a problem the customer raises again with
 * `conversation.assess`, answers from the knowledge in its system prompt, picks an agent when
 * asked to classify, acknowledges images it is shown), scripted responses, and injectable
 * failures (HTTP 500, a hang that the caller's timeout must cut, malformed tool calls). It
 * records every request so tests can assert on the prompt. It also serves `POST /v1/audio/transcriptions` with a
 * labelled, deterministic "transcription" read from the uploaded bytes (see `standInTranscript`).
 * `createStandInModel()` works in-process (`model.fetch`); `startStandInModel()` serves it on
 * loopback.
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

/** One upload received by the transcription endpoint. */
export type TranscriptionRequest = { model: string; filename: string; type: string; bytes: number };

export type StandInModel = {
  /** Every request body received, in order. */
  requests: ChatRequest[];
  /** Every transcription upload received, in order. */
  transcriptions: TranscriptionRequest[];
  /** Queue scripted turns; each request consumes one before the rules apply. */
  script: (...turns: ScriptedTurn[]) => void;
  /** The next `times` requests fail this way. */
  failNext: (failure: Failure, times?: number) => void;
  /**
   * Handles a Fetch request (in-process use). Pass the caller's `signal` when the Request was
   * built from a `RequestInit`: a Request's own signal follows the caller's only while the
   * Request object is alive, so a hung call whose Request was garbage-collected would never
   * see the caller's abort.
   */
  handle: (request: Request, signal?: AbortSignal) => Promise<Response>;
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

/** The tool the stand-in calls to say the customer repeats an unresolved problem. */
const ASSESS = "conversation_assess";

/** The rule-based reply: a pure function of the request. */
export function standInTurn(request: ChatRequest): ScriptedTurn {
  const system = text(request.messages.find((m) => m.role === "system")?.content);
  const last = request.messages[request.messages.length - 1];
  if (/ROUTER CLASSIFICATION/.test(system)) return classify(system, request);
  const images = Array.isArray(last?.content)
    ? last.content.filter((part) => part.type === "image_url").length
    : 0;
  if (images > 0) return { content: `I looked at the ${images} image(s) you sent.` };
  if (last?.role === "tool") {
    const result = text(last.content);
    if (/handed off|human teammate/i.test(result)) {
      return { content: "I've asked a teammate to join; they'll reply here shortly." };
    }
    // After its own assessment, the stand-in answers the customer as it otherwise would.
    if (calledTool(request, last.tool_call_id) === ASSESS) return answer(request, system, false);
    return { content: `Done. (${result.slice(0, 120)})` };
  }
  return answer(request, system, true);
}

/** The name of the tool call a tool message answers. */
function calledTool(request: ChatRequest, callId: string | undefined) {
  for (const m of request.messages) {
    const call = m.tool_calls?.find((c) => c.id === callId);
    if (call) return call.function.name;
  }
  return undefined;
}

/**
 * Whether the customer's last message raises again what they wrote before the last reply: two
 * or more significant words shared, covering half of the shorter message's words.
 */
export function repeatsEarlierProblem(request: ChatRequest, said: string): boolean {
  const lastReply = request.messages.map((m) => m.role).lastIndexOf("assistant");
  if (lastReply < 0) return false;
  const now = new Set(words(said));
  return request.messages.slice(0, lastReply).some((m) => {
    if (m.role !== "user") return false;
    const before = new Set(words(text(m.content)));
    const shared = [...now].filter((w) => before.has(w)).length;
    return shared >= 2 && shared * 2 >= Math.min(now.size, before.size);
  });
}

/** The stand-in's answer to the customer's last message (`assess`: may assess it first). */
function answer(request: ChatRequest, system: string, assess: boolean): ScriptedTurn {
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
  if (assess && hasTool(request, ASSESS) && repeatsEarlierProblem(request, said)) {
    const note = `the customer raises again: ${said.slice(0, 120)}`;
    return { toolCalls: [{ name: ASSESS, arguments: { unresolved: true, note } }] };
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

/** The label every stand-in transcription starts with: it is not a real speech model. */
export const STAND_IN_TRANSCRIPT_LABEL = "(stand-in transcription)";

/**
 * The stand-in's "transcription" of uploaded audio: the words after a `SPOKEN:` marker in the
 * bytes (what the fake provider's voice notes carry), else a description of the bytes; always
 * labelled.
 */
export function standInTranscript(bytes: Uint8Array): string {
  const decoded = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const marker = decoded.indexOf("SPOKEN: ");
  const spoken = marker < 0 ? "" : decoded.slice(marker + "SPOKEN: ".length).trim();
  const words = spoken || `audio of ${bytes.length} bytes`;
  return `${STAND_IN_TRANSCRIPT_LABEL} ${words}`;
}

/** `POST /audio/transcriptions` (multipart: `file`, `model`), answered like OpenAI's `json` format. */
async function transcribe(request: Request, received: TranscriptionRequest[]) {
  const form = await request.formData();
  const file = form.get("file");
  if (file === null || typeof file === "string") {
    return json(400, { error: { message: "stand-in: a file is required" } });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  received.push({
    model: String(form.get("model") ?? ""),
    filename: file.name,
    type: file.type,
    bytes: bytes.length,
  });
  if (!/\.(flac|mp3|mp4|mpeg|mpga|m4a|ogg|wav|webm)$/i.test(file.name)) {
    return json(400, {
      error: { message: `Unsupported file format ${file.name.split(".").pop()}` },
    });
  }
  return json(200, { text: standInTranscript(bytes) });
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-stand-in-model": "true" },
  });
}

export function createStandInModel(): StandInModel {
  const requests: ChatRequest[] = [];
  const transcriptions: TranscriptionRequest[] = [];
  let scripted: ScriptedTurn[] = [];
  let failures: Failure[] = [];

  async function handle(request: Request, signal: AbortSignal = request.signal): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname.endsWith("/models")) {
      return json(200, { object: "list", data: [{ id: STAND_IN_MODEL_NAME, object: "model" }] });
    }
    if (request.method === "POST" && url.pathname.endsWith("/audio/transcriptions")) {
      return await transcribe(request, transcriptions);
    }
    if (request.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return json(404, {
        error: {
          message: "The stand-in model only serves chat completions and audio transcriptions.",
        },
      });
    }
    const body = (await request.json()) as ChatRequest;
    requests.push(body);
    const failure = failures.shift();
    if (failure === "500") return json(500, { error: { message: "stand-in: injected failure" } });
    if (failure === "timeout") {
      // Hang until the caller gives up (its timeout aborts the request).
      return await new Promise<Response>((_resolve, reject) => {
        const abort = () => reject(new DOMException("aborted", "AbortError"));
        if (signal.aborted) abort();
        signal.addEventListener("abort", abort, { once: true });
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
    transcriptions,
    script: (...turns) => {
      scripted.push(...turns);
    },
    failNext: (failure, times = 1) => {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    handle,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) =>
      await handle(new Request(input, init), init?.signal ?? undefined)) as typeof fetch,
    systemPrompt: (index = requests.length - 1) =>
      text(requests[index]?.messages.find((m) => m.role === "system")?.content),
    reset: () => {
      requests.length = 0;
      transcriptions.length = 0;
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
        // The raw body and its type: chat requests are JSON, transcriptions multipart audio.
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
        signal: controller.signal,
      });
      model
        .handle(request, controller.signal)
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
