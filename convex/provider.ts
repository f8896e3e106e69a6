"use node";
/**
 * The provider boundary: the only module that talks to Kapso or Meta. Internal actions only,
 * scheduled by the domain modules; each reads what it needs, calls the provider, and records
 * the result (or the error, where the dashboard shows it) through an internal mutation.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction } from "./_generated/server";
import { dashboardUrl, kapsoConfig, webhookBaseUrl } from "./lib/config";
import * as kapso from "./lib/provider/kapsoPlatform";

/** Creates (or reuses) the tenant's provider customer and asks for a setup link. */
export const createSetupLink = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const setup = await ctx.runQuery(internal.whatsapp.getSetupContext, { connectionId });
    if (setup === null || setup.status !== "pending_setup") return null;
    const config = kapsoConfig();
    try {
      const customerId =
        setup.kapsoCustomerId ??
        (
          await kapso.createCustomer(config, {
            name: setup.organizationName,
            externalCustomerId: `${setup.clerkOrgId}:${setup.environment}`,
          })
        ).id;
      const back = `${dashboardUrl()}/?connection=${connectionId}`;
      const link = await kapso.createSetupLink(config, customerId, {
        successRedirectUrl: `${back}&setup=completed`,
        failureRedirectUrl: `${back}&setup=failed`,
      });
      await ctx.runMutation(internal.whatsapp.recordSetupLink, {
        connectionId,
        kapsoCustomerId: customerId,
        setupLinkUrl: link.url,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.recordSetupError, {
        connectionId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return null;
  },
});

/** Registers the message webhook of a newly connected number, signed with its newest secret. */
export const registerWebhook = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const registration = await ctx.runQuery(internal.whatsapp.getWebhookRegistration, {
      connectionId,
    });
    if (registration === null || registration.providerWebhookId !== undefined) return null;
    try {
      const webhook = await kapso.registerMessageWebhook(
        kapsoConfig(),
        registration.providerPhoneNumberId,
        { url: `${webhookBaseUrl()}/webhook/kapso/messages`, secret: registration.secret },
      );
      await ctx.runMutation(internal.whatsapp.recordWebhookRegistration, {
        connectionId,
        providerWebhookId: webhook.id,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.recordWebhookRegistration, {
        connectionId,
        error: `Registering the message webhook failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    return null;
  },
});
