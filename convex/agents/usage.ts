/**
 * Where an agent is in use in a tenant's environment: the numbers it answers, the routers that
 * name it (as fallback, in rules, as a classifier choice) and the environment's default. The
 * console shows it before a delete; `agents.definitions.remove` refuses while anything is listed.
 */
import { v, type Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { Tenant } from "../lib/auth";
import { getIntegration } from "../whatsapp/integration";

/** Rows read per table to find where an agent is used. */
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
export type AgentUsage = Infer<typeof vAgentUsage>;

/** Every place that points at an agent in the tenant's environment. */
export async function agentUsage(
  ctx: QueryCtx,
  tenant: Tenant,
  agentId: Id<"agents">,
): Promise<AgentUsage> {
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
  const config = await getIntegration(ctx, tenant);
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

/** Names the first thing still pointing at an agent (for the refusal), or null when nothing does. */
export function firstUse(usage: AgentUsage): string | null {
  const connection = usage.connections[0];
  if (connection !== undefined) return `connection "${connection.label}"`;
  const router = usage.routers[0];
  if (router !== undefined) return `router "${router.slug}"`;
  if (usage.environmentDefault) return "the environment's default agent";
  return null;
}
