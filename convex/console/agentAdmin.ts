/**
 * Agent administration the console needs beyond CRUD: duplicate an agent under a new slug
 * (prompt, model, tools, knowledge and HTTP tools with their secret headers, copied on the
 * server), and where an agent is in use (numbers, routers, the environment default), which is
 * what `agents.definitions.remove` refuses on.
 */
import { v } from "convex/values";
import { checkSlug, findAgentBySlug, insertAgent } from "../agents/definitions";
import { agentUsage, vAgentUsage } from "../agents/usage";
import { getOwned, orgAdminMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";

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
