/**
 * The tools an agent may call, each with a zod schema (shown to the model as JSON Schema) and a
 * clear JSON result. Tools act only on the current thread: no schema takes a phone number, a
 * thread, a contact or a tenant id — the `ToolHost` the turn builds is already bound to the run's
 * thread, and strict schemas reject any extra field a prompt injection might add (`to`, ids...).
 * Custom HTTP tools receive the thread context (`channelParams`) and their secret headers, which
 * never reach the model; calls are time- and size-limited.
 */
import { z } from "zod";
import type { ModelTool } from "./model";
import { appError } from "../lib/errors";
import type {
  BuiltinTool,
  ChannelParams,
  HttpTool,
  HttpToolInput,
  OutboundContent,
} from "../lib/validators";

/** What an agent turn may send; the recipient is always the thread's customer. */
export type AgentOutbound = OutboundContent;

/** A follow-up as the `followUps.schedule` tool asks for it (always on the current thread). */
export type AgentFollowUp = {
  delayMinutes: number;
  text: string;
  template?: { name: string; language: string; bodyParameters?: string[] | Record<string, string> };
  cancelOnReply: boolean;
};

/** The side effects a tool may cause, bound by the turn to its own run, thread and tenant. */
export type ToolHost = {
  send: (message: AgentOutbound) => Promise<unknown>;
  getConversation: (limit: number) => Promise<unknown>;
  getStatus: () => Promise<unknown>;
  handoff: (
    reason: "customer_asked" | "frustration" | "out_of_scope" | "sensitive",
    summary: string,
  ) => Promise<unknown>;
  /** `source`: "this" (this number), or the label or phone number of another pooled number. */
  memorySearch: (query: string, limit: number, source?: string) => Promise<unknown>;
  memoryStore: (content: string, kind: "note" | "fact") => Promise<unknown>;
  /** Passes the thread to another agent of the same tenant and environment, by slug. */
  passToAgent: (slug: string, note: string) => Promise<unknown>;
  scheduleFollowUp: (input: AgentFollowUp) => Promise<unknown>;
  qualifyLead: (summary: string, fields: Record<string, string>) => Promise<unknown>;
  channelParams: ChannelParams;
  fetch: typeof fetch;
};

const https = z
  .string()
  .max(2000)
  .refine((value) => /^https:\/\/[^\s]+$/i.test(value), "must be an https URL");

const interactive = z
  .strictObject({
    body: z.string().min(1).max(1024),
    header: z.string().max(60).optional(),
    footer: z.string().max(60).optional(),
    buttons: z
      .array(z.strictObject({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }))
      .min(1)
      .max(3)
      .optional(),
    list: z
      .strictObject({
        buttonText: z.string().min(1).max(20),
        sections: z
          .array(
            z.strictObject({
              title: z.string().min(1).max(24),
              rows: z
                .array(
                  z.strictObject({
                    id: z.string().min(1).max(200),
                    title: z.string().min(1).max(24),
                    description: z.string().max(72).optional(),
                  }),
                )
                .min(1)
                .max(10),
            }),
          )
          .min(1)
          .max(10),
      })
      .optional(),
  })
  .refine((v) => (v.buttons === undefined) !== (v.list === undefined), {
    message: "give either buttons or list, not both",
  });

type Builtin = {
  description: string;
  schema: z.ZodType;
  run: (host: ToolHost, args: never) => Promise<unknown>;
};

function builtin<S extends z.ZodType>(
  description: string,
  schema: S,
  run: (host: ToolHost, args: z.output<S>) => Promise<unknown>,
): Builtin {
  return { description, schema, run: run as Builtin["run"] };
}

export const BUILTIN_TOOL_SPECS: Record<BuiltinTool, Builtin> = {
  "whatsapp.send": builtin(
    "Send a text message to the customer of this conversation.",
    z.strictObject({ text: z.string().min(1).max(4096) }),
    (host, { text }) => host.send({ kind: "text", text }),
  ),
  "whatsapp.sendTemplate": builtin(
    "Send an approved WhatsApp template to the customer of this conversation (works outside the 24-hour window).",
    z.strictObject({
      name: z.string().min(1).max(512),
      language: z.string().min(2).max(15),
      bodyParameters: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
      headerParameters: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
    }),
    (host, { name, language, bodyParameters, headerParameters }) =>
      host.send({
        kind: "template",
        name,
        language,
        ...(bodyParameters || headerParameters
          ? {
              parameters: {
                ...(bodyParameters ? { body: bodyParameters } : {}),
                ...(headerParameters ? { header: headerParameters } : {}),
              },
            }
          : {}),
      }),
  ),
  "whatsapp.sendInteractive": builtin(
    "Send reply buttons (up to 3) or a list menu to the customer of this conversation.",
    interactive,
    (host, { body, header, footer, buttons, list }) => {
      const frame = { body, ...(header ? { header } : {}), ...(footer ? { footer } : {}) };
      return host.send(
        list
          ? { kind: "list", ...frame, buttonText: list.buttonText, sections: list.sections }
          : { kind: "buttons", ...frame, buttons: buttons ?? [] },
      );
    },
  ),
  "whatsapp.sendMedia": builtin(
    "Send an image, document, audio or video (by https URL) to the customer of this conversation.",
    z.strictObject({
      type: z.enum(["image", "document", "audio", "video"]),
      url: https,
      caption: z.string().max(1024).optional(),
      filename: z.string().max(240).optional(),
    }),
    (host, { type, ...rest }) => host.send({ kind: "media", mediaType: type, ...rest }),
  ),
  "whatsapp.getConversation": builtin(
    "Read the most recent messages of this conversation (newest last).",
    z.strictObject({ limit: z.number().int().min(1).max(50).default(20) }),
    (host, { limit }) => host.getConversation(limit),
  ),
  "whatsapp.getStatus": builtin(
    "Check whether this WhatsApp number is connected and whether free-form replies are allowed now.",
    z.strictObject({}),
    (host) => host.getStatus(),
  ),
  "handoff.toHuman": builtin(
    "Hand this conversation to a human teammate; the AI stops replying until they release it.",
    z.strictObject({
      reason: z
        .enum(["customer_asked", "frustration", "out_of_scope", "sensitive"])
        .default("customer_asked"),
      summary: z.string().min(1).max(500),
    }),
    (host, { reason, summary }) => host.handoff(reason, summary),
  ),
  "memory.search": builtin(
    "Search what was remembered about this customer (shared by the business's numbers of one memory pool).",
    z.strictObject({
      query: z.string().min(1).max(200),
      limit: z.number().int().min(1).max(10).default(5),
      source: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .describe(
          'Only memories learned on one number: "this" for this number, or another number\'s label or phone number.',
        ),
    }),
    (host, { query, limit, source }) => host.memorySearch(query, limit, source),
  ),
  "memory.store": builtin(
    "Remember a note or fact about this customer for future conversations.",
    z.strictObject({
      content: z.string().min(1).max(1000),
      kind: z.enum(["note", "fact"]).default("note"),
    }),
    (host, { content, kind }) => host.memoryStore(content, kind),
  ),
  "agents.handoff": builtin(
    "Pass this conversation to another AI agent of this business (e.g. tier-2 support, sales), by its slug, with a note for it. You stop answering; that agent answers from now on.",
    z.strictObject({
      agent: z.string().min(1).max(64).describe("The other agent's slug."),
      note: z.string().min(1).max(1000).describe("What the next agent needs to know."),
    }),
    (host, { agent, note }) => host.passToAgent(agent, note),
  ),
  "followUps.schedule": builtin(
    "Schedule a message to this customer for later (e.g. 24 h after an appointment). If the 24-hour window has closed by then, the approved template is sent instead.",
    z.strictObject({
      delayMinutes: z
        .number()
        .int()
        .min(1)
        .max(90 * 24 * 60),
      text: z.string().min(1).max(4096),
      template: z
        .strictObject({
          name: z.string().min(1).max(512),
          language: z.string().min(2).max(15),
          bodyParameters: z
            .union([z.array(z.string()), z.record(z.string(), z.string())])
            .optional(),
        })
        .optional(),
      cancelOnReply: z.boolean().default(true),
    }),
    (host, input) => host.scheduleFollowUp(input),
  ),
  "lead.qualify": builtin(
    "Mark this customer as a qualified lead: a summary and the structured facts collected (budget, product, timeline...) go to the business's CRM.",
    z.strictObject({
      summary: z.string().min(1).max(2000),
      fields: z
        .record(z.string().min(1).max(64), z.string().max(500))
        .refine((f) => Object.keys(f).length <= 30, "at most 30 fields")
        .default({}),
    }),
    (host, { summary, fields }) => host.qualifyLead(summary, fields),
  ),
};

/** OpenAI function names allow `[A-Za-z0-9_-]`: `whatsapp.send` is shown as `whatsapp_send`. */
export const modelToolName = (name: string) => name.replace(/\./g, "_");

const HTTP_TOOL_NAME = /^[a-z][a-z0-9_]{0,39}$/;
export const HTTP_TOOL_DEFAULT_TIMEOUT_MS = 5_000;
export const HTTP_TOOL_MAX_TIMEOUT_MS = 15_000;
export const HTTP_TOOL_DEFAULT_MAX_BYTES = 16_384;
export const HTTP_TOOL_MAX_BYTES = 262_144;
export const MAX_HTTP_TOOLS = 20;

export type ToolSpec = {
  /** Name shown to the model. */
  modelName: string;
  /** Name recorded on the run (`whatsapp.send`, or the HTTP tool's name). */
  name: string;
  definition: ModelTool;
  execute: (host: ToolHost, rawArguments: string) => Promise<ToolOutcome>;
};

export type ToolOutcome = { ok: boolean; result: unknown };

function parseArguments(raw: string): unknown {
  return JSON.parse(raw.trim() === "" ? "{}" : raw) as unknown;
}

function issues(error: z.ZodError) {
  return error.issues.map((i) => `${i.path.join(".") || "(arguments)"}: ${i.message}`).join("; ");
}

function builtinSpec(name: BuiltinTool): ToolSpec {
  const spec = BUILTIN_TOOL_SPECS[name];
  const modelName = modelToolName(name);
  const { $schema: _s, ...parameters } = z.toJSONSchema(spec.schema, { io: "input" });
  return {
    modelName,
    name,
    definition: {
      type: "function",
      function: { name: modelName, description: spec.description, parameters },
    },
    execute: async (host, raw) => {
      const parsed = spec.schema.safeParse(parseArguments(raw));
      if (!parsed.success) {
        return { ok: false, result: { error: `Invalid arguments: ${issues(parsed.error)}` } };
      }
      return await runSafely(() => spec.run(host, parsed.data as never));
    },
  };
}

async function runSafely(run: () => Promise<unknown>): Promise<ToolOutcome> {
  try {
    const result = await run();
    const failed = result !== null && typeof result === "object" && "error" in (result as object);
    return { ok: !failed, result };
  } catch (error) {
    const data = (error as { data?: { message?: unknown } }).data;
    const message = typeof data?.message === "string" ? data.message : (error as Error).message;
    return { ok: false, result: { error: message } };
  }
}

function jsonSchemaOf(tool: HttpTool): Record<string, unknown> {
  return JSON.parse(tool.parameters) as Record<string, unknown>;
}

/** Validates an HTTP tool's configuration; throws INVALID_ARGUMENT with the reason. */
export function checkHttpTools(tools: HttpTool[]) {
  if (tools.length > MAX_HTTP_TOOLS) {
    throw appError("INVALID_ARGUMENT", `An agent has at most ${MAX_HTTP_TOOLS} HTTP tools.`);
  }
  const builtinNames = new Set(Object.keys(BUILTIN_TOOL_SPECS).map(modelToolName));
  const seen = new Set<string>();
  for (const tool of tools) {
    const where = `HTTP tool "${tool.name}"`;
    if (!HTTP_TOOL_NAME.test(tool.name) || builtinNames.has(tool.name) || seen.has(tool.name)) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: names are unique lowercase letters, digits and underscores, not a built-in tool.`,
      );
    }
    seen.add(tool.name);
    if (!isAllowedUrl(tool.url)) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: the URL must be https (http only on loopback).`,
      );
    }
    let schema: Record<string, unknown>;
    try {
      schema = jsonSchemaOf(tool);
      z.fromJSONSchema(schema as never);
    } catch (error) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: parameters must be a JSON Schema (${(error as Error).message}).`,
      );
    }
    if (schema.type !== "object") {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: parameters must be a JSON Schema of type object.`,
      );
    }
    if (tool.timeoutMs < 100 || tool.timeoutMs > HTTP_TOOL_MAX_TIMEOUT_MS) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: timeout must be 100–${HTTP_TOOL_MAX_TIMEOUT_MS} ms.`,
      );
    }
    if (tool.maxResponseBytes < 256 || tool.maxResponseBytes > HTTP_TOOL_MAX_BYTES) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: response limit must be 256–${HTTP_TOOL_MAX_BYTES} bytes.`,
      );
    }
    for (const header of tool.secretHeaders) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(header.name)) {
        throw appError("INVALID_ARGUMENT", `${where}: invalid header name "${header.name}".`);
      }
    }
  }
}

function isAllowedUrl(value: string) {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** Dashboard input → stored tools; a header sent without a value keeps the stored secret. */
export function mergeHttpTools(input: HttpToolInput[], stored: HttpTool[]): HttpTool[] {
  return input.map((tool) => {
    const before = stored.find((s) => s.name === tool.name);
    return {
      name: tool.name,
      description: tool.description,
      url: tool.url,
      method: tool.method,
      parameters: tool.parameters,
      timeoutMs: tool.timeoutMs ?? HTTP_TOOL_DEFAULT_TIMEOUT_MS,
      maxResponseBytes: tool.maxResponseBytes ?? HTTP_TOOL_DEFAULT_MAX_BYTES,
      secretHeaders: tool.headers.map((h) => {
        const value = h.value ?? before?.secretHeaders.find((s) => s.name === h.name)?.value;
        if (value === undefined) {
          throw appError(
            "INVALID_ARGUMENT",
            `HTTP tool "${tool.name}": header ${h.name} needs a value.`,
          );
        }
        return { name: h.name, value };
      }),
    };
  });
}

async function readLimited(response: Response, limit: number): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function httpSpec(tool: HttpTool): ToolSpec {
  return {
    modelName: tool.name,
    name: tool.name,
    definition: {
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: jsonSchemaOf(tool) },
    },
    execute: async (host, raw) => {
      const args = parseArguments(raw);
      const parsed = z.fromJSONSchema(jsonSchemaOf(tool) as never).safeParse(args);
      if (!parsed.success) {
        return { ok: false, result: { error: `Invalid arguments: ${issues(parsed.error)}` } };
      }
      return await callHttpTool(tool, parsed.data as Record<string, unknown>, host);
    },
  };
}

/** Calls a custom HTTP tool with the thread context; never echoes a secret header value back. */
export async function callHttpTool(
  tool: HttpTool,
  args: Record<string, unknown>,
  host: Pick<ToolHost, "channelParams" | "fetch">,
): Promise<ToolOutcome> {
  const context = {
    channel: "whatsapp",
    channelParams: {
      phoneNumber: host.channelParams.phoneNumber,
      contactName: host.channelParams.contactName,
      bsuid: host.channelParams.bsuid,
    },
  };
  const headers: Record<string, string> = { accept: "application/json" };
  for (const h of tool.secretHeaders) headers[h.name] = h.value;
  const url = new URL(tool.url);
  let body: string | undefined;
  if (tool.method === "GET") {
    for (const [key, value] of Object.entries(args)) url.searchParams.set(key, String(value));
    for (const [key, value] of Object.entries(context.channelParams)) {
      if (value !== undefined) url.searchParams.set(`context.${key}`, value);
    }
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify({ arguments: args, context });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), tool.timeoutMs);
  try {
    const response = await host.fetch(url, {
      method: tool.method,
      headers,
      signal: controller.signal,
      ...(body !== undefined ? { body } : {}),
    });
    let text = await readLimited(response, tool.maxResponseBytes);
    if (text === null) {
      return {
        ok: false,
        result: { error: `The tool's response exceeded ${tool.maxResponseBytes} bytes.` },
      };
    }
    for (const h of tool.secretHeaders) {
      if (h.value.length >= 4) text = text.split(h.value).join("[redacted]");
    }
    let data: unknown = text;
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      data = text;
    }
    if (!response.ok) return { ok: false, result: { error: `HTTP ${response.status}`, data } };
    return { ok: true, result: data };
  } catch (error) {
    const aborted = controller.signal.aborted;
    return {
      ok: false,
      result: {
        error: aborted
          ? `The tool did not answer within ${tool.timeoutMs} ms.`
          : `The tool could not be reached (${(error as Error).message}).`,
      },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The tools one agent exposes: its enabled built-ins plus its HTTP tools. */
export function toolsForAgent(agent: { tools: BuiltinTool[]; httpTools?: HttpTool[] }): ToolSpec[] {
  return [
    ...agent.tools.filter((name) => name in BUILTIN_TOOL_SPECS).map(builtinSpec),
    ...(agent.httpTools ?? []).map(httpSpec),
  ];
}
