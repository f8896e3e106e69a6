/**
 * WhatsApp enabled (or not) for one organization and environment: the `integrationConfigs` row,
 * which this module owns. It also keeps the environment's default agent and the provider
 * customer reused when a number is reconnected. The registered functions are in connections.ts.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Tenant } from "../lib/auth";
import { appError } from "../lib/errors";

type TenantKey = Pick<Tenant, "organizationId" | "environment">;

export async function getIntegration(ctx: QueryCtx, tenant: TenantKey) {
  return await ctx.db
    .query("integrationConfigs")
    .withIndex("by_organizationId_and_environment_and_provider", (q) =>
      q
        .eq("organizationId", tenant.organizationId)
        .eq("environment", tenant.environment)
        .eq("provider", "whatsapp"),
    )
    .unique();
}

/** The integration of an environment where WhatsApp is enabled; WHATSAPP_NOT_ENABLED otherwise. */
export async function requireEnabled(ctx: QueryCtx, tenant: TenantKey) {
  const config = await getIntegration(ctx, tenant);
  if (config === null || config.status !== "active") {
    throw appError(
      "WHATSAPP_NOT_ENABLED",
      `WhatsApp is not enabled for ${tenant.environment}: enable it first.`,
    );
  }
  return config;
}

/** Enables or disables WhatsApp for an environment (created on first use). */
export async function setIntegrationStatus(
  ctx: MutationCtx,
  tenant: TenantKey,
  status: Doc<"integrationConfigs">["status"],
) {
  const existing = await getIntegration(ctx, tenant);
  if (existing !== null) {
    await ctx.db.patch("integrationConfigs", existing._id, { status, updatedAt: Date.now() });
    return existing._id;
  }
  return await ctx.db.insert("integrationConfigs", {
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    provider: "whatsapp",
    status,
    updatedAt: Date.now(),
  });
}

/** The agent for connected numbers that have neither agent nor router (null: none). */
export async function setDefaultAgentId(
  ctx: MutationCtx,
  config: Doc<"integrationConfigs">,
  agentId: Id<"agents"> | null,
) {
  await ctx.db.patch("integrationConfigs", config._id, {
    defaultAgentId: agentId ?? undefined,
    updatedAt: Date.now(),
  });
}

/** The tenant's handoff settings (escalation keywords, hooks, frustration, contact), as checked. */
export async function setHandoffSettings(
  ctx: MutationCtx,
  config: Doc<"integrationConfigs">,
  handoff: NonNullable<Doc<"integrationConfigs">["handoff"]>,
) {
  await ctx.db.patch("integrationConfigs", config._id, { handoff, updatedAt: Date.now() });
}

/** Keeps the provider customer on the integration, so reconnecting reuses it. */
export async function rememberKapsoCustomer(
  ctx: MutationCtx,
  tenant: TenantKey,
  kapsoCustomerId: string,
) {
  const config = await getIntegration(ctx, tenant);
  if (config !== null && config.kapsoCustomerId !== kapsoCustomerId) {
    await ctx.db.patch("integrationConfigs", config._id, { kapsoCustomerId });
  }
}
