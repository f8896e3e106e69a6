/**
 * Agents, which this module owns: CRUD for the dashboard and CLI, and the helpers other modules
 * write agents through (`insertAgent`, `setAllowedRecipients`). Slugs are unique per
 * organization and environment (checked with an index read and the insert in one transaction).
 * An agent still assigned to a connection, a router or the environment default cannot be
 * deleted. The agents one may pass threads to (`handoffAgentIds`) are set here by admins, only
 * from the same tenant.
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import schema from "../schema";
import { getOwned, orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { stripUndefined } from "../lib/objects";
import { project } from "../lib/projections";
import { checkHttpTools, mergeHttpTools } from "./tools";
import { agentUsage, firstUse } from "./usage";
import {
  agentFields,
  BUILTIN_TOOLS,
  vHttpToolInput,
  vHttpToolView,
  type Environment,
  type HttpTool,
} from "../lib/validators";

export const DEFAULT_AGENT = {
  description: "",
  model: "gpt-4o-mini",
  temperature: 0.3,
  maxContextMessages: 30,
  maxSteps: 6,
  tools: [...BUILTIN_TOOLS],
  handoff: {
    fallbackReply: "Sorry, I'm having trouble right now. A teammate will get back to you shortly.",
    handoffOnFailure: true,
  },
  knowledge: [],
};

/** Knowledge placed in the prompt is bounded: at most this many characters per agent. */
export const MAX_KNOWLEDGE_CHARS = 50_000;

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkSlug(slug: string) {
  if (!SLUG.test(slug)) {
    throw appError(
      "INVALID_ARGUMENT",
      `Slug "${slug}" must be lowercase letters, digits and dashes (at most 63).`,
    );
  }
}

type AgentInput = Partial<Omit<Doc<"agents">, "_id" | "_creationTime">>;

function checkAgent(agent: AgentInput) {
  if (agent.slug !== undefined) checkSlug(agent.slug);
  if (agent.name !== undefined && agent.name.trim() === "") {
    throw appError("INVALID_ARGUMENT", "An agent needs a name.");
  }
  if (agent.temperature !== undefined && !(agent.temperature >= 0 && agent.temperature <= 2)) {
    throw appError("INVALID_ARGUMENT", "Temperature must be between 0 and 2.");
  }
  if (
    agent.maxContextMessages !== undefined &&
    (!Number.isInteger(agent.maxContextMessages) ||
      agent.maxContextMessages < 1 ||
      agent.maxContextMessages > 200)
  ) {
    throw appError("INVALID_ARGUMENT", "maxContextMessages must be an integer from 1 to 200.");
  }
  if (
    agent.maxSteps !== undefined &&
    (!Number.isInteger(agent.maxSteps) || agent.maxSteps < 1 || agent.maxSteps > 20)
  ) {
    throw appError("INVALID_ARGUMENT", "maxSteps must be an integer from 1 to 20.");
  }
  const unresolved = agent.handoff?.maxUnresolvedTurns;
  if (
    unresolved !== undefined &&
    (!Number.isInteger(unresolved) || unresolved < 1 || unresolved > 20)
  ) {
    throw appError(
      "INVALID_ARGUMENT",
      "handoff.maxUnresolvedTurns must be an integer from 1 to 20.",
    );
  }
  if (agent.knowledge !== undefined) {
    const size = agent.knowledge.reduce((n, k) => n + k.title.length + k.content.length, 0);
    if (size > MAX_KNOWLEDGE_CHARS) {
      throw appError(
        "INVALID_ARGUMENT",
        `Knowledge is ${size} characters; the limit is ${MAX_KNOWLEDGE_CHARS}.`,
      );
    }
  }
}

/** An agent may be allowed to pass threads to at most this many other agents. */
export const MAX_HANDOFF_AGENTS = 20;

/**
 * The agents an agent may pass threads to (`agents.handoff`): each one of the tenant's own
 * agents (NOT_FOUND otherwise), never the agent itself, without repeats. Undefined when empty.
 */
async function handoffAgentsFromInput(
  ctx: QueryCtx,
  tenant: Tenant,
  ids: Id<"agents">[],
  self?: Id<"agents">,
): Promise<Id<"agents">[] | undefined> {
  const unique = [...new Set(ids)];
  if (unique.length > MAX_HANDOFF_AGENTS) {
    throw appError(
      "INVALID_ARGUMENT",
      `An agent may pass threads to at most ${MAX_HANDOFF_AGENTS} agents.`,
    );
  }
  for (const id of unique) {
    if (id === self) throw appError("INVALID_ARGUMENT", "An agent cannot pass a thread to itself.");
    await getOwned(ctx, tenant, "agents", id);
  }
  return unique.length > 0 ? unique : undefined;
}

/** Validates the dashboard's HTTP tools and fills omitted header values from the stored ones. */
function toolsFromInput(
  input: Parameters<typeof mergeHttpTools>[0],
  stored: HttpTool[],
): HttpTool[] {
  const tools = mergeHttpTools(input, stored);
  checkHttpTools(tools);
  return tools;
}

export async function findAgentBySlug(
  ctx: QueryCtx,
  organizationId: Id<"organizations">,
  environment: Environment,
  slug: string,
) {
  return await ctx.db
    .query("agents")
    .withIndex("by_organizationId_and_environment_and_slug", (q) =>
      q.eq("organizationId", organizationId).eq("environment", environment).eq("slug", slug),
    )
    .unique();
}

async function assertSlugFree(ctx: QueryCtx, tenant: Tenant, slug: string, self?: Id<"agents">) {
  const existing = await findAgentBySlug(ctx, tenant.organizationId, tenant.environment, slug);
  if (existing !== null && existing._id !== self) {
    throw appError("SLUG_TAKEN", `An agent with slug "${slug}" already exists.`);
  }
}

/** What the dashboard sees of an agent: tenancy fields dropped, HTTP tool header values hidden. */
export const vAgentView = doc(schema, "agents")
  .omit("organizationId", "environment", "httpTools")
  .extend({ httpTools: v.optional(v.array(vHttpToolView)) });

export function agentView(agent: Doc<"agents">) {
  const httpTools = agent.httpTools?.map(({ secretHeaders, ...tool }) => ({
    ...tool,
    headerNames: secretHeaders.map((h) => h.name),
  }));
  return project({ ...agent, httpTools }, vAgentView);
}

/** An agent's own fields: what `insertAgent` is given (tenancy and timestamps are stamped). */
export type AgentFields = Omit<
  Doc<"agents">,
  "_id" | "_creationTime" | "organizationId" | "environment" | "createdAt" | "updatedAt"
>;

/**
 * Stores a new agent of the tenant, already checked (slug free, fields valid). This module owns
 * `agents`: the console's duplicate and the local demo create agents through here.
 */
export async function insertAgent(
  ctx: MutationCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
  fields: AgentFields,
) {
  const now = Date.now();
  return await ctx.db.insert("agents", {
    ...fields,
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    createdAt: now,
    updatedAt: now,
  });
}

/** The numbers (E.164, already normalized) an agent may message besides the customer. */
export async function setAllowedRecipients(
  ctx: MutationCtx,
  agentId: Id<"agents">,
  phoneNumbers: string[],
) {
  await ctx.db.patch("agents", agentId, {
    allowedRecipients: phoneNumbers.length > 0 ? phoneNumbers : undefined,
    updatedAt: Date.now(),
  });
}

export const list = orgQuery({
  args: {},
  returns: v.array(vAgentView),
  handler: async (ctx) => {
    const agents = await ctx.db
      .query("agents")
      .withIndex("by_organizationId_and_environment_and_slug", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(500);
    return agents.map(agentView);
  },
});

export const get = orgQuery({
  args: { agentId: v.id("agents") },
  returns: vAgentView,
  handler: async (ctx, { agentId }) =>
    agentView(await getOwned(ctx, ctx.tenant, "agents", agentId)),
});

export const getBySlug = orgQuery({
  args: { slug: v.string() },
  returns: v.union(vAgentView, v.null()),
  handler: async (ctx, { slug }) => {
    const agent = await findAgentBySlug(
      ctx,
      ctx.tenant.organizationId,
      ctx.tenant.environment,
      slug,
    );
    return agent === null ? null : agentView(agent);
  },
});

const optionalAgentFields = {
  description: v.optional(agentFields.description),
  model: v.optional(agentFields.model),
  temperature: v.optional(agentFields.temperature),
  language: agentFields.language,
  maxContextMessages: v.optional(agentFields.maxContextMessages),
  maxSteps: v.optional(agentFields.maxSteps),
  tools: v.optional(agentFields.tools),
  handoff: v.optional(agentFields.handoff),
  knowledge: v.optional(agentFields.knowledge),
  httpTools: v.optional(v.array(vHttpToolInput)),
  handoffAgentIds: agentFields.handoffAgentIds,
  vision: agentFields.vision,
};

export const create = orgAdminMutation({
  args: {
    name: agentFields.name,
    slug: agentFields.slug,
    systemPrompt: agentFields.systemPrompt,
    ...optionalAgentFields,
  },
  returns: v.id("agents"),
  handler: async (ctx, { name, slug, systemPrompt, httpTools, handoffAgentIds, ...rest }) => {
    const agent = {
      ...DEFAULT_AGENT,
      ...stripUndefined(rest),
      name,
      slug,
      systemPrompt,
      ...(httpTools !== undefined ? { httpTools: toolsFromInput(httpTools, []) } : {}),
      ...(handoffAgentIds !== undefined
        ? { handoffAgentIds: await handoffAgentsFromInput(ctx, ctx.tenant, handoffAgentIds) }
        : {}),
    };
    checkAgent(agent);
    await assertSlugFree(ctx, ctx.tenant, agent.slug);
    return await insertAgent(ctx, ctx.tenant, agent);
  },
});

export const update = orgAdminMutation({
  args: {
    agentId: v.id("agents"),
    name: v.optional(agentFields.name),
    slug: v.optional(agentFields.slug),
    systemPrompt: v.optional(agentFields.systemPrompt),
    ...optionalAgentFields,
  },
  returns: v.null(),
  handler: async (ctx, { agentId, httpTools, handoffAgentIds, ...changes }) => {
    const existing = await getOwned(ctx, ctx.tenant, "agents", agentId);
    const patch = {
      ...stripUndefined(changes),
      ...(httpTools !== undefined
        ? { httpTools: toolsFromInput(httpTools, existing.httpTools ?? []) }
        : {}),
      // An empty list removes the field (patching `undefined` deletes it).
      ...(handoffAgentIds !== undefined
        ? {
            handoffAgentIds: await handoffAgentsFromInput(
              ctx,
              ctx.tenant,
              handoffAgentIds,
              agentId,
            ),
          }
        : {}),
    };
    checkAgent(patch);
    if (patch.slug !== undefined) await assertSlugFree(ctx, ctx.tenant, patch.slug, agentId);
    await ctx.db.patch("agents", agentId, { ...patch, updatedAt: Date.now() });
    return null;
  },
});

export const remove = orgAdminMutation({
  args: { agentId: v.id("agents") },
  returns: v.null(),
  handler: async (ctx, { agentId }) => {
    await getOwned(ctx, ctx.tenant, "agents", agentId);
    const usedBy = firstUse(await agentUsage(ctx, ctx.tenant, agentId));
    if (usedBy !== null) {
      throw appError("IN_USE", `This agent is still used by ${usedBy}; reassign it first.`);
    }
    await ctx.db.delete("agents", agentId);
    return null;
  },
});
