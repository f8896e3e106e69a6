/**
 * Agent administration the console needs beyond CRUD: duplicate an agent under a new slug
 * (prompt, model, tools, knowledge and HTTP tools with their secret headers, copied on the
 * server), and where an agent is in use (numbers, routers, the environment default), which is
 * what `agents.definitions.remove` refuses on.
 */
import { v } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { checkSlug, findAgentBySlug, insertAgent } from "../agents/definitions";
import { getOwned, orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";

/** Rows read per table to find where an agent is used (the same bound delete uses). */
const MAX_SCANNED = 1000;

export const vAgentUsage = v.object({
  inUse: v.boolean(),
  connections: v.array(
    v.object({
      connectionId: v.id("whatsappConnections"),
      label: v.string(),
      phoneNumber: v.optional(v.string()),
    }),
  ),
  routers: v.array(
    v.object({
      routerId: v.id("routers"),
      slug: v.string(),
      name: v.string(),
      /** How the router names the agent: as its fallback, in rules (1-based), as a classifier choice. */
      asFallback: v.boolean(),
      inRules: v.array(v.number()),
      asClassifierChoice: v.boolean(),
    }),
  ),
  environmentDefault: v.boolean(),
});

/** Every place that points at an agent in the tenant's environment. */
export async function agentUsage(ctx: QueryCtx, tenant: Tenant, agentId: Id<"agents">) {
  const connections = await ctx.db
    .query("whatsappConnections")
    .withIndex("by_organizationId_and_environment", (q) =>
      q.eq("organizationId", tenant.organizationId).eq("environment", tenant.environment),
    )
    .take(MAX_SCANNED);
  const routers = await ctx.db
    .query("routers")
    .withIndex("by_organizationId_and_environment_and_slug", (q) =>
      q.eq("organizationId", tenant.organizationId).eq("environment", tenant.environment),
    )
    .take(MAX_SCANNED);
  const config = await ctx.db
    .query("integrationConfigs")
    .withIndex("by_organizationId_and_environment_and_provider", (q) =>
      q
        .eq("organizationId", tenant.organizationId)
        .eq("environment", tenant.environment)
        .eq("provider", "whatsapp"),
    )
    .unique();
  const usedBy = {
    connections: connections
      .filter((c) => c.agentId === agentId)
      .map((c) => ({
        connectionId: c._id,
        label: c.label,
        ...(c.phoneNumber !== undefined ? { phoneNumber: c.phoneNumber } : {}),
      })),
    routers: routers
      .map((r) => ({
        routerId: r._id,
        slug: r.slug,
        name: r.name,
        asFallback: r.fallbackAgentId === agentId,
        inRules: r.rules.flatMap((rule, i) => (rule.agentId === agentId ? [i + 1] : [])),
        asClassifierChoice: r.classifierAgentIds.includes(agentId),
      }))
      .filter((r) => r.asFallback || r.inRules.length > 0 || r.asClassifierChoice),
    environmentDefault: config?.defaultAgentId === agentId,
  };
  return {
    inUse: usedBy.connections.length > 0 || usedBy.routers.length > 0 || usedBy.environmentDefault,
    ...usedBy,
  };
}

/** Where an agent is in use; the agent can be deleted only when `inUse` is false. */
export const usage = orgQuery({
  args: { agentId: v.id("agents") },
  returns: vAgentUsage,
  handler: async (ctx, { agentId }) => {
    await getOwned(ctx, ctx.tenant, "agents", agentId);
    return await agentUsage(ctx, ctx.tenant, agentId);
  },
});

/**
 * A copy of an agent under a new slug (and name, default "<name> (copy)"). HTTP tools keep
 * their secret header values: they are copied here and never pass through the client.
 */
export const duplicate = orgAdminMutation({
  args: { agentId: v.id("agents"), slug: v.string(), name: v.optional(v.string()) },
  returns: v.id("agents"),
  handler: async (ctx, { agentId, slug, name }) => {
    const source = await getOwned(ctx, ctx.tenant, "agents", agentId);
    checkSlug(slug);
    const taken = await findAgentBySlug(
      ctx,
      ctx.tenant.organizationId,
      ctx.tenant.environment,
      slug,
    );
    if (taken !== null)
      throw appError("SLUG_TAKEN", `An agent with slug "${slug}" already exists.`);
    const copyName = name?.trim() || `${source.name} (copy)`;
    const {
      _id: _i,
      _creationTime: _c,
      organizationId: _o,
      environment: _e,
      createdAt: _ca,
      updatedAt: _ua,
      ...fields
    } = source;
    return await insertAgent(ctx, ctx.tenant, { ...fields, name: copyName, slug });
  },
});
