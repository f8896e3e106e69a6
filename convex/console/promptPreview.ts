/**
 * The live preview of the agent editor: an agent's system prompt template (saved, or as being
 * edited) rendered for a sample customer or for a real thread, with the template variables and
 * their values, the ones missing, and the whole system message the model would receive (persona,
 * memories, handoff notes, safety rules, knowledge), built by the same prompt builder turns use.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { buildPrompt, type PromptInput } from "../agents/prompt";
import {
  missingVariables,
  PROMPT_VARIABLES,
  renderPromptTemplate,
  type PromptVariables,
} from "../agents/promptTemplate";
import { businessVariables, loadBusinessProfile } from "../business/profile";
import { poolHistory, recentMemories } from "../customers/memories";
import { getOwned, orgQuery, type Tenant } from "../lib/auth";
import { promptBudgetChars } from "../lib/config";
import { appError } from "../lib/errors";

const SAMPLE_CUSTOMER = { contactName: "Alex Sample", phoneNumber: "+15550109999" };

const vSample = v.object({
  contactName: v.optional(v.string()),
  phoneNumber: v.optional(v.string()),
  /** Persona to try instead of the number's. */
  persona: v.optional(v.string()),
});

export const vPromptPreview = v.object({
  source: v.union(v.literal("sample"), v.literal("thread")),
  template: v.string(),
  /** The template alone, placeholders filled (`[missing: path]` where a value is absent). */
  rendered: v.string(),
  missing: v.array(v.string()),
  variables: v.array(
    v.object({ path: v.string(), description: v.string(), value: v.union(v.string(), v.null()) }),
  ),
  /** The whole system message the model would receive. */
  system: v.string(),
  /** Thread messages that would follow it (0 for a sample). */
  historyMessages: v.number(),
  promptChars: v.number(),
  budgetChars: v.number(),
});

function valueAt(variables: PromptVariables, path: string): string | null {
  let value: unknown = variables;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

type Scene = Omit<PromptInput, "template" | "knowledge" | "budgetChars">;

async function organizationName(ctx: QueryCtx, tenant: Tenant) {
  return (await ctx.db.get("organizations", tenant.organizationId))?.name;
}

/** What a real thread contributes: its customer, number, memories, history and handoff notes. */
async function threadScene(
  ctx: QueryCtx,
  tenant: Tenant,
  thread: Doc<"threads">,
  agent: { name: string; language?: string; maxContextMessages: number },
): Promise<Scene> {
  const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .take(agent.maxContextMessages);
  const others = await poolHistory(ctx, thread);
  return {
    variables: {
      threadContext: { channel: "whatsapp", params: { ...thread.channelParams } },
      connection: {
        persona: connection?.persona,
        label: connection?.label,
        phoneNumber: connection?.phoneNumber,
      },
      business: businessVariables(
        await loadBusinessProfile(ctx, tenant),
        await organizationName(ctx, tenant),
      ),
      agent: { name: agent.name, language: agent.language },
    },
    memories: (await recentMemories(ctx, thread.contactId)).map((m) => m.content),
    history: newest.reverse().map((m) => ({ role: m.role, content: m.content })),
    otherNumbers: others.map((m) => ({
      source: m.source.phoneNumber ? `${m.source.label} (${m.source.phoneNumber})` : m.source.label,
      role: m.role,
      content: m.content,
      createdAt: m.createdAt,
    })),
    ...(thread.handoffSummary !== undefined ? { handoffSummary: thread.handoffSummary } : {}),
  };
}

export const render = orgQuery({
  args: {
    /** The agent whose settings (knowledge, language, name) the preview uses. */
    agentId: v.optional(v.id("agents")),
    /** The template as being edited; defaults to the agent's saved one. */
    systemPrompt: v.optional(v.string()),
    /** Render for this real thread... */
    threadId: v.optional(v.id("threads")),
    /** ...or for a sample customer on one of the tenant's numbers (or none). */
    sample: v.optional(vSample),
    connectionId: v.optional(v.id("whatsappConnections")),
  },
  returns: vPromptPreview,
  handler: async (ctx, args) => {
    const agent = args.agentId ? await getOwned(ctx, ctx.tenant, "agents", args.agentId) : null;
    const template = args.systemPrompt ?? agent?.systemPrompt;
    if (template === undefined) {
      throw appError("INVALID_ARGUMENT", "Give an agent or a system prompt to preview.");
    }
    const settings = {
      name: agent?.name ?? "New agent",
      ...(agent?.language !== undefined ? { language: agent.language } : {}),
      maxContextMessages: agent?.maxContextMessages ?? 30,
    };
    const scene = args.threadId
      ? await threadScene(
          ctx,
          ctx.tenant,
          await getOwned(ctx, ctx.tenant, "threads", args.threadId),
          settings,
        )
      : await sampleScene(ctx, ctx.tenant, args, settings);
    const budgetChars = promptBudgetChars();
    const prompt = buildPrompt({
      ...scene,
      template,
      knowledge: agent?.knowledge ?? [],
      budgetChars,
    });
    const first = prompt.messages[0];
    return {
      source: args.threadId ? ("thread" as const) : ("sample" as const),
      template,
      rendered: renderPromptTemplate(template, scene.variables),
      missing: missingVariables(template, scene.variables),
      variables: PROMPT_VARIABLES.map(({ path, description }) => ({
        path,
        description,
        value: valueAt(scene.variables, path),
      })),
      system: typeof first?.content === "string" ? first.content : "",
      historyMessages: prompt.messages.length - 1,
      promptChars: prompt.promptChars,
      budgetChars,
    };
  },
});

async function sampleScene(
  ctx: QueryCtx,
  tenant: Tenant,
  args: {
    sample?: { contactName?: string; phoneNumber?: string; persona?: string };
    connectionId?: Doc<"whatsappConnections">["_id"];
  },
  agent: { name: string; language?: string },
): Promise<Scene> {
  const connection = args.connectionId
    ? await getOwned(ctx, tenant, "whatsappConnections", args.connectionId)
    : null;
  const sample = args.sample ?? {};
  return {
    variables: {
      threadContext: {
        channel: "whatsapp",
        params: {
          contactName: sample.contactName ?? SAMPLE_CUSTOMER.contactName,
          phoneNumber: sample.phoneNumber ?? SAMPLE_CUSTOMER.phoneNumber,
        },
      },
      connection: {
        persona: sample.persona ?? connection?.persona,
        label: connection?.label,
        phoneNumber: connection?.phoneNumber,
      },
      business: businessVariables(
        await loadBusinessProfile(ctx, tenant),
        await organizationName(ctx, tenant),
      ),
      agent,
    },
    memories: [],
    history: [],
  };
}
