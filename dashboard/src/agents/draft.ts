/**
 * The agent editor's working copy: every field of `agents.definitions.create/update`, built
 * from a saved agent or the defaults, and turned back into the call's arguments. HTTP tool
 * header values are write-only: a header left empty keeps its stored value.
 */
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import type { api } from "../../../convex/_generated/api";
import {
  BUILTIN_TOOLS,
  type BuiltinTool,
  type KnowledgeEntry,
} from "../../../convex/lib/validators";

export type AgentView = FunctionReturnType<typeof api.agents.definitions.get>;

export type HeaderDraft = { name: string; value: string; stored: boolean };
export type HttpToolDraft = {
  name: string;
  description: string;
  url: string;
  method: "GET" | "POST";
  parameters: string;
  headers: HeaderDraft[];
  timeoutMs: number | "";
  maxResponseBytes: number | "";
};

export type AgentDraft = {
  name: string;
  slug: string;
  description: string;
  systemPrompt: string;
  model: string;
  temperature: number;
  language: string;
  maxContextMessages: number;
  maxSteps: number;
  tools: BuiltinTool[];
  fallbackReply: string;
  handoffOnFailure: boolean;
  knowledge: KnowledgeEntry[];
  httpTools: HttpToolDraft[];
};

/** The backend's defaults for a new agent (convex/agents/definitions.ts DEFAULT_AGENT). */
export const NEW_AGENT: AgentDraft = {
  name: "",
  slug: "",
  description: "",
  systemPrompt:
    "You are the assistant of {{business.name}} on WhatsApp. The customer is {{threadContext.params.contactName}}. Answer briefly and kindly.",
  model: "gpt-4o-mini",
  temperature: 0.3,
  language: "",
  maxContextMessages: 30,
  maxSteps: 6,
  tools: [...BUILTIN_TOOLS],
  fallbackReply: "Sorry, I'm having trouble right now. A teammate will get back to you shortly.",
  handoffOnFailure: true,
  knowledge: [],
  httpTools: [],
};

export function draftFromAgent(agent: AgentView): AgentDraft {
  return {
    name: agent.name,
    slug: agent.slug,
    description: agent.description,
    systemPrompt: agent.systemPrompt,
    model: agent.model,
    temperature: agent.temperature,
    language: agent.language ?? "",
    maxContextMessages: agent.maxContextMessages,
    maxSteps: agent.maxSteps,
    tools: agent.tools,
    fallbackReply: agent.handoff.fallbackReply,
    handoffOnFailure: agent.handoff.handoffOnFailure,
    knowledge: agent.knowledge,
    httpTools: (agent.httpTools ?? []).map(httpToolDraft),
  };
}

export type HttpToolView = NonNullable<AgentView["httpTools"]>[number];

/** A saved HTTP tool as the editor holds it: header values empty (kept unless retyped). */
export function httpToolDraft(t: HttpToolView): HttpToolDraft {
  return {
    name: t.name,
    description: t.description,
    url: t.url,
    method: t.method,
    parameters: t.parameters,
    headers: t.headerNames.map((name) => ({ name, value: "", stored: true })),
    timeoutMs: t.timeoutMs,
    maxResponseBytes: t.maxResponseBytes,
  };
}

/** True when the editor's copy of a tool differs from the saved one. */
export function httpToolChanged(draft: HttpToolDraft, saved: HttpToolView): boolean {
  return JSON.stringify(draft) !== JSON.stringify(httpToolDraft(saved));
}

type CreateArgs = Omit<FunctionArgs<typeof api.agents.definitions.create>, "environment">;

export function agentArgs(draft: AgentDraft): CreateArgs {
  return {
    name: draft.name,
    slug: draft.slug,
    description: draft.description,
    systemPrompt: draft.systemPrompt,
    model: draft.model,
    temperature: draft.temperature,
    ...(draft.language.trim() ? { language: draft.language.trim() } : {}),
    maxContextMessages: draft.maxContextMessages,
    maxSteps: draft.maxSteps,
    tools: draft.tools,
    handoff: { fallbackReply: draft.fallbackReply, handoffOnFailure: draft.handoffOnFailure },
    knowledge: draft.knowledge,
    httpTools: draft.httpTools.map((t) => ({
      name: t.name,
      description: t.description,
      url: t.url,
      method: t.method,
      parameters: t.parameters,
      headers: t.headers
        .filter((h) => h.name.trim() !== "")
        .map((h) =>
          h.stored && h.value === "" ? { name: h.name } : { name: h.name, value: h.value },
        ),
      ...(t.timeoutMs !== "" ? { timeoutMs: t.timeoutMs } : {}),
      ...(t.maxResponseBytes !== "" ? { maxResponseBytes: t.maxResponseBytes } : {}),
    })),
  };
}

/** "Order Desk" → "order-desk": the slug suggested from the name of a new agent. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

export const MAX_KNOWLEDGE_CHARS = 50_000;

export function knowledgeSize(entries: KnowledgeEntry[]): number {
  return entries.reduce((n, k) => n + k.title.length + k.content.length, 0);
}
