/**
 * The tools an agent may call and what each does: a built-in tool's arguments are checked with
 * its schema (toolSchemas.ts) and handed, unchanged, to its effect on the `ToolHost` the turn
 * builds, which is already bound to the run's thread — no tool takes a thread, a contact or a
 * tenant id, and a phone number only as `whatsapp.send`'s `to`, offered to an agent an admin
 * allowed to message listed numbers. Custom HTTP tools receive the thread context
 * (`channelParams`) and their secret headers, which never reach the model (httpTools.ts).
 */
import { z } from "zod";
import type { ModelTool } from "./model";
import { appError } from "../lib/errors";
import { assertCallableUrl } from "../lib/ssrf";
import { secretHeadersFor } from "./httpToolRules";
import { callHttpTool, checkHttpToolArguments } from "./httpTools";
import {
  CONVERSATION_ASSESS_SCHEMA,
  MEDIA_VIEW_SCHEMA,
  TOOL_SCHEMAS,
  WHATSAPP_SEND_TO_SCHEMA,
  type ConversationAssessInput,
  type MediaViewInput,
  type ToolInput,
} from "./toolSchemas";
import type {
  BuiltinTool,
  ChannelParams,
  HttpTool,
  HttpToolInput,
  OutboundContent,
} from "../lib/validators";

/**
 * The side effects a tool may cause, bound by the turn to its own run, thread and tenant. Each is
 * named after its tool (`memory.store` → `memoryStore`) and takes that tool's parsed input; the
 * four `whatsapp.send*` tools all send through `whatsappSend` with the message they build
 * (`to`: another number the agent is allowed to message, from `whatsapp.send` only).
 */
export type ToolHost = {
  whatsappSend: (message: OutboundContent, to?: string) => Promise<unknown>;
  whatsappGetConversation: (input: ToolInput<"whatsapp.getConversation">) => Promise<unknown>;
  whatsappGetStatus: (input: ToolInput<"whatsapp.getStatus">) => Promise<unknown>;
  handoffToHuman: (input: ToolInput<"handoff.toHuman">) => Promise<unknown>;
  memorySearch: (input: ToolInput<"memory.search">) => Promise<unknown>;
  memoryStore: (input: ToolInput<"memory.store">) => Promise<unknown>;
  agentsHandoff: (input: ToolInput<"agents.handoff">) => Promise<unknown>;
  followUpsSchedule: (input: ToolInput<"followUps.schedule">) => Promise<unknown>;
  leadQualify: (input: ToolInput<"lead.qualify">) => Promise<unknown>;
  /** `conversation.assess`; a host without it (the playground) answers that it is unavailable. */
  conversationAssess?: (input: ConversationAssessInput) => Promise<unknown>;
  /** `media.view`; a host without it (the playground) answers that it is unavailable. */
  mediaView?: (input: MediaViewInput) => Promise<unknown>;
  channelParams: ChannelParams;
  fetch: typeof fetch;
};

type Builtin<T extends BuiltinTool> = {
  description: string;
  run: (host: ToolHost, input: ToolInput<T>) => Promise<unknown>;
};

/** What each built-in tool tells the model, and the effect it calls. */
const BUILTINS: { [T in BuiltinTool]: Builtin<T> } = {
  "whatsapp.send": {
    description: "Send a text message to the customer of this conversation.",
    run: (host, { text }) => host.whatsappSend({ kind: "text", text }),
  },
  "whatsapp.sendTemplate": {
    description:
      "Send an approved WhatsApp template to the customer of this conversation (works outside the 24-hour window).",
    run: (host, { name, language, bodyParameters, headerParameters }) =>
      host.whatsappSend({
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
  },
  "whatsapp.sendInteractive": {
    description:
      "Send reply buttons (up to 3) or a list menu to the customer of this conversation.",
    run: (host, { body, header, footer, buttons, list }) => {
      const frame = { body, ...(header ? { header } : {}), ...(footer ? { footer } : {}) };
      return host.whatsappSend(
        list
          ? { kind: "list", ...frame, buttonText: list.buttonText, sections: list.sections }
          : { kind: "buttons", ...frame, buttons: buttons ?? [] },
      );
    },
  },
  "whatsapp.sendMedia": {
    description:
      "Send an image, document, audio or video (by https URL) to the customer of this conversation.",
    run: (host, { type, ...rest }) =>
      host.whatsappSend({ kind: "media", mediaType: type, ...rest }),
  },
  "whatsapp.getConversation": {
    description: "Read the most recent messages of this conversation (newest last).",
    run: (host, input) => host.whatsappGetConversation(input),
  },
  "whatsapp.getStatus": {
    description:
      "Check whether this WhatsApp number is connected and whether free-form replies are allowed now.",
    run: (host, input) => host.whatsappGetStatus(input),
  },
  "handoff.toHuman": {
    description:
      "Hand this conversation to a human teammate; the AI stops replying until they release it.",
    run: (host, input) => host.handoffToHuman(input),
  },
  "memory.search": {
    description:
      "Search what was remembered about this customer (shared by the business's numbers of one memory pool).",
    run: (host, input) => host.memorySearch(input),
  },
  "memory.store": {
    description: "Remember a note or fact about this customer for future conversations.",
    run: (host, input) => host.memoryStore(input),
  },
  "agents.handoff": {
    description:
      "Pass this conversation to another AI agent of this business (e.g. tier-2 support, sales), by its slug, with a note for it. You stop answering; that agent answers from now on.",
    run: (host, input) => host.agentsHandoff(input),
  },
  "followUps.schedule": {
    description:
      "Schedule a message to this customer for later (e.g. 24 h after an appointment). If the 24-hour window has closed by then, the approved template is sent instead.",
    run: (host, input) => host.followUpsSchedule(input),
  },
  "lead.qualify": {
    description:
      "Mark this customer as a qualified lead: a summary and the structured facts collected (budget, product, timeline...) go to the business's CRM.",
    run: (host, input) => host.leadQualify(input),
  },
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

function builtinSpec<T extends BuiltinTool>(name: T): ToolSpec {
  const { description, run } = BUILTINS[name] as Builtin<T>;
  return schemaSpec(name, TOOL_SCHEMAS[name] as never, description, run);
}

/** A tool whose arguments a zod schema checks before `run` gets them. */
function schemaSpec<I>(
  name: string,
  schema: z.ZodType<I>,
  description: string,
  run: (host: ToolHost, input: I) => Promise<unknown>,
): ToolSpec {
  const modelName = modelToolName(name);
  const { $schema: _s, ...parameters } = z.toJSONSchema(schema, { io: "input" });
  return {
    modelName,
    name,
    definition: { type: "function", function: { name: modelName, description, parameters } },
    execute: async (host, raw) => {
      const parsed = schema.safeParse(parseArguments(raw));
      if (!parsed.success) {
        return { ok: false, result: { error: `Invalid arguments: ${issues(parsed.error)}` } };
      }
      return await runSafely(() => run(host, parsed.data));
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
  const builtinNames = new Set(
    [...Object.keys(TOOL_SCHEMAS), "conversation.assess", "media.view"].map(modelToolName),
  );
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
    assertCallableUrl(tool.url, where);
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
    if (!(tool.timeoutMs >= 100 && tool.timeoutMs <= HTTP_TOOL_MAX_TIMEOUT_MS)) {
      throw appError(
        "INVALID_ARGUMENT",
        `${where}: timeout must be 100–${HTTP_TOOL_MAX_TIMEOUT_MS} ms.`,
      );
    }
    if (!(tool.maxResponseBytes >= 256 && tool.maxResponseBytes <= HTTP_TOOL_MAX_BYTES)) {
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
      secretHeaders: secretHeadersFor(tool, before),
    };
  });
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
      const checked = checkHttpToolArguments(tool, parseArguments(raw));
      if (!checked.ok) {
        return { ok: false, result: { error: `Invalid arguments: ${checked.problems}` } };
      }
      return await callHttpTool(tool, checked.args, host);
    },
  };
}

/** `whatsapp.send` with `to`, for an agent allowed to message other numbers. */
function sendToSpec(allowed: string[]): ToolSpec {
  return schemaSpec(
    "whatsapp.send",
    WHATSAPP_SEND_TO_SCHEMA,
    `Send a text message to the customer of this conversation, or with "to" to one of these numbers the business allowed: ${allowed.join(", ")}.`,
    (host, { text, to }) => host.whatsappSend({ kind: "text", text }, to),
  );
}

/** `conversation.assess`: the model says whether the customer repeats an unresolved problem. */
const assessSpec = schemaSpec(
  "conversation.assess",
  CONVERSATION_ASSESS_SCHEMA,
  "Before replying, say whether the customer is raising again a problem your earlier replies did not solve (unresolved: true). After too many such turns in a row a human teammate takes over.",
  async (host, input) =>
    host.conversationAssess
      ? await host.conversationAssess(input)
      : { error: "Not available here." },
);

/** `media.view`: a stored image of this conversation, shown to a vision-capable model. */
const mediaViewSpec = schemaSpec(
  "media.view",
  MEDIA_VIEW_SCHEMA,
  "Look at an image the customer sent in this conversation (its media_view id, or the latest one).",
  async (host, input) =>
    host.mediaView ? await host.mediaView(input) : { error: "Not available here." },
);

/** What of an agent decides its tools. */
export type AgentToolSettings = {
  tools: BuiltinTool[];
  httpTools?: HttpTool[];
  allowedRecipients?: string[];
  handoff?: { maxUnresolvedTurns?: number };
  /** The agent's model takes images: `media.view` is offered. */
  vision?: boolean;
};

/**
 * The tools one agent exposes: its enabled built-ins (`whatsapp.send` with `to` when an admin
 * allowed other recipients), `conversation.assess` while it counts unresolved turns,
 * `media.view` when its model sees images, and its HTTP tools.
 */
export function toolsForAgent(agent: AgentToolSettings): ToolSpec[] {
  const allowed = agent.allowedRecipients ?? [];
  const builtins = agent.tools
    .filter((name) => name in TOOL_SCHEMAS)
    .map((name) =>
      name === "whatsapp.send" && allowed.length > 0 ? sendToSpec(allowed) : builtinSpec(name),
    );
  const assess = (agent.handoff?.maxUnresolvedTurns ?? 0) > 0 ? [assessSpec] : [];
  const vision = agent.vision === true ? [mediaViewSpec] : [];
  return [...builtins, ...assess, ...vision, ...(agent.httpTools ?? []).map(httpSpec)];
}
