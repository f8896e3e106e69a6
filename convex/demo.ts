/**
 * Demo data for the offline runtime (`npm run local` calls `seed` on first start): one
 * organization with WhatsApp on in `development`, a connected Kapso-style number whose provider
 * phone number id and webhook secret come from the caller (so external tools can sign
 * deliveries to it), a support agent, a sales agent and a router. Idempotent.
 */
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { DEFAULT_AGENT, insertAgent } from "./agents/definitions";
import { insertRouter } from "./agents/routers";
import { ensureOrganization } from "./organizations";
import { insertConnectedNumber } from "./whatsapp/connectionStore";
import { getIntegration, setIntegrationStatus } from "./whatsapp/integration";

export const seed = internalMutation({
  args: {
    clerkOrgId: v.string(),
    orgName: v.string(),
    userId: v.string(),
    phoneNumber: v.string(),
    providerPhoneNumberId: v.string(),
    webhookSecret: v.string(),
  },
  returns: v.object({
    organizationId: v.id("organizations"),
    connectionId: v.id("whatsappConnections"),
    created: v.boolean(),
  }),
  handler: async (ctx, args) => {
    const now = Date.now();
    const environment = "development" as const;
    const organizationId = await ensureOrganization(
      ctx,
      { userId: args.userId, clerkOrgId: args.clerkOrgId, orgName: args.orgName, role: "admin" },
      now,
    );
    const tenant = { organizationId, environment };
    const existing = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_providerPhoneNumberId", (q) =>
        q.eq("providerPhoneNumberId", args.providerPhoneNumberId),
      )
      .first();
    if (existing !== null) {
      return { organizationId, connectionId: existing._id, created: false };
    }
    if ((await getIntegration(ctx, tenant)) === null) {
      await setIntegrationStatus(ctx, tenant, "active");
    }
    const support = await insertAgent(ctx, tenant, {
      ...DEFAULT_AGENT,
      name: "Support",
      slug: "support",
      description: "Order status, deliveries and returns.",
      systemPrompt:
        "You are the support assistant of {{connection.persona}}. The customer is " +
        "{{threadContext.params.contactName}} ({{threadContext.params.phoneNumber}}) on " +
        "{{threadContext.channel}}. Be brief and kind.",
    });
    const sales = await insertAgent(ctx, tenant, {
      ...DEFAULT_AGENT,
      name: "Sales",
      slug: "sales",
      description: "Prices, plans and new orders.",
      systemPrompt: "You are the sales assistant. Answer questions about prices and plans.",
    });
    await insertRouter(ctx, tenant, {
      name: "Front desk",
      slug: "front-desk",
      mode: "rules",
      rules: [{ match: { kind: "keyword", keywords: ["price", "buy", "plan"] }, agentId: sales }],
      classifierAgentIds: [support, sales],
      fallbackAgentId: support,
    });
    const connectionId = await insertConnectedNumber(ctx, tenant, {
      label: "Demo number",
      phoneNumber: args.phoneNumber,
      providerPhoneNumberId: args.providerPhoneNumberId,
      // Templates belong to a WhatsApp Business Account; the fake provider accepts any id.
      businessAccountId: "demo-waba",
      kapsoCustomerId: "demo-customer",
      agentId: support,
      webhookSecret: args.webhookSecret,
      persona: "Demo Shop",
    });
    return { organizationId, connectionId, created: true };
  },
});
