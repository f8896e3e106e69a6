"use node";
/**
 * The provider boundary: the only module that talks to Kapso or Meta. Internal actions only,
 * scheduled by the domain modules; each reads what it needs, calls the provider, and records
 * the result (or the error, where the dashboard shows it) through an internal mutation.
 */
import type { FunctionReturnType } from "convex/server";
import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { dashboardUrl, kapsoConfig, outboundConfig, webhookBaseUrl } from "../lib/config";
import { appError } from "../lib/errors";
import * as cloud from "./cloudApi";
import * as kapso from "./kapsoPlatform";
import { vTemplateCategory } from "../lib/validators";

/** Creates (or reuses) the tenant's provider customer and asks for a setup link. */
export const createSetupLink = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const setup = await ctx.runQuery(internal.whatsapp.connections.getSetupContext, {
      connectionId,
    });
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
      await ctx.runMutation(internal.whatsapp.connections.recordSetupLink, {
        connectionId,
        kapsoCustomerId: customerId,
        setupLinkUrl: link.url,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.connections.recordSetupError, {
        connectionId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return null;
  },
});

/** Pushes a rotated signing secret (the newest one) to the number's registered webhook. */
export const updateWebhookSecret = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const registration = await ctx.runQuery(internal.whatsapp.connections.getWebhookRegistration, {
      connectionId,
    });
    if (registration === null || registration.providerWebhookId === undefined) return null;
    try {
      await kapso.updateWebhookSecret(
        kapsoConfig(),
        registration.providerWebhookId,
        registration.secret,
      );
      await ctx.runMutation(internal.whatsapp.connections.recordWebhookRegistration, {
        connectionId,
        providerWebhookId: registration.providerWebhookId,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.connections.recordWebhookRegistration, {
        connectionId,
        providerWebhookId: registration.providerWebhookId,
        error: `Pushing the new webhook secret failed (the previous one keeps working for 24 h): ${error instanceof Error ? error.message : String(error)}`,
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
    const registration = await ctx.runQuery(internal.whatsapp.connections.getWebhookRegistration, {
      connectionId,
    });
    if (registration === null || registration.providerWebhookId !== undefined) return null;
    try {
      const webhook = await kapso.registerMessageWebhook(
        kapsoConfig(),
        registration.providerPhoneNumberId,
        { url: `${webhookBaseUrl()}/webhook/kapso/messages`, secret: registration.secret },
      );
      await ctx.runMutation(internal.whatsapp.connections.recordWebhookRegistration, {
        connectionId,
        providerWebhookId: webhook.id,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.connections.recordWebhookRegistration, {
        connectionId,
        error: `Registering the message webhook failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    return null;
  },
});

// --- Outbound (issue 4): sends, reconciliation, mark-as-read and templates -------------------

type Target = NonNullable<FunctionReturnType<typeof internal.outbound.sends.getProviderTarget>>;

function toCloudTarget(target: Target): cloud.ProviderTarget {
  if (target.provider === "meta") {
    if (target.meta === undefined) throw new Error("This Meta-direct number has no credentials.");
    return {
      provider: "meta",
      accessToken: target.meta.accessToken,
      graphVersion: target.meta.graphVersion,
      phoneNumberId: target.phoneNumberId,
      ...(target.meta.graphBaseUrl ? { graphBaseUrl: target.meta.graphBaseUrl } : {}),
    };
  }
  const config = kapsoConfig();
  return {
    provider: "kapso",
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    phoneNumberId: target.phoneNumberId,
  };
}

async function clientForConnection(ctx: ActionCtx, connectionId: Id<"whatsappConnections">) {
  const target = await ctx.runQuery(internal.outbound.sends.getProviderTarget, { connectionId });
  if (target === null) throw appError("CONNECTION_NOT_READY", "This number is not connected.");
  const client = cloud.clientFor(toCloudTarget(target), outboundConfig().sendTimeoutMs);
  return { client, target };
}

/** One provider call of a queued send (scheduled by outbound.ts at its pacing slot). */
export const sendOutbound = internalAction({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    const job = await ctx.runQuery(internal.outbound.sends.getJob, { sendId });
    if (job === null) return null;
    let startedAt = Date.now();
    try {
      const { client, target } = await clientForConnection(ctx, job.connectionId);
      let mediaId = job.providerMediaId;
      const content = job.content;
      if (content.kind === "media" && content.storageId !== undefined && mediaId === undefined) {
        const blob = await ctx.storage.get(content.storageId);
        if (blob === null) throw appError("MESSAGE_INVALID", "The file to send is gone.");
        const uploaded = await client.media.upload({
          phoneNumberId: target.phoneNumberId,
          type: content.mimeType ?? blob.type,
          file: blob,
          ...(content.filename ? { fileName: content.filename } : {}),
        });
        mediaId = uploaded.id;
        await ctx.runMutation(internal.outbound.sends.recordUploadedMedia, {
          sendId,
          providerMediaId: mediaId,
        });
      }
      // Claimed last, right before the call, so the call leaves inside its pacing slot.
      if (!(await ctx.runMutation(internal.outbound.sends.beginAttempt, { sendId }))) return null;
      startedAt = Date.now();
      const providerMessageId = await cloud.sendMessage(client, {
        phoneNumberId: target.phoneNumberId,
        to: job.recipient,
        content,
        templatePayload: job.templatePayload,
        ...(mediaId !== undefined ? { mediaId } : {}),
        bizOpaqueCallbackData: job.messageId,
      });
      await ctx.runMutation(internal.outbound.sends.recordAttempt, {
        sendId,
        startedAt,
        providerMessageId,
      });
    } catch (error) {
      const failure = cloud.classifyFailure(error);
      await ctx.runMutation(internal.outbound.sends.recordAttempt, {
        sendId,
        startedAt,
        failure: {
          kind: failure.kind,
          message: failure.message,
          ...(failure.code !== undefined ? { code: failure.code } : {}),
          ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
          ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
        },
      });
    }
    return null;
  },
});

/**
 * Settles a send whose provider call got no answer: a status echo of our id wins; else, for
 * Kapso numbers, the message history is searched; only when it has no such message is the send
 * made again. Meta-direct numbers cannot be searched: no echo means `failed` (unconfirmed).
 */
export const reconcileOutbound = internalAction({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    const pending = await ctx.runQuery(internal.outbound.sends.getUnconfirmed, { sendId });
    if (pending === null) return null;
    const startedAt = Date.now();
    const { send } = pending;
    if (pending.echoedProviderMessageId !== undefined) {
      await ctx.runMutation(internal.outbound.sends.recordReconciliation, {
        sendId,
        startedAt,
        verdict: "found",
        providerMessageId: pending.echoedProviderMessageId,
      });
      return null;
    }
    try {
      const { client, target } = await clientForConnection(ctx, send.connectionId);
      if (target.provider !== "kapso") {
        await ctx.runMutation(internal.outbound.sends.recordReconciliation, {
          sendId,
          startedAt,
          verdict: "unknowable",
        });
        return null;
      }
      const found = await cloud.findSentMessage(client, {
        phoneNumberId: target.phoneNumberId,
        to: send.recipient,
        content: send.content,
        since: pending.since,
        bizOpaqueCallbackData: send.messageId,
        isClaimed: (providerMessageId) =>
          ctx.runQuery(internal.outbound.sends.isProviderIdClaimed, {
            connectionId: send.connectionId,
            providerMessageId,
          }),
      });
      await ctx.runMutation(internal.outbound.sends.recordReconciliation, {
        sendId,
        startedAt,
        verdict: found === null ? "not_found" : "found",
        ...(found !== null ? { providerMessageId: found } : {}),
      });
    } catch (error) {
      await ctx.runMutation(internal.outbound.sends.recordReconciliation, {
        sendId,
        startedAt,
        verdict: "lookup_failed",
        error: cloud.classifyFailure(error).message,
      });
    }
    return null;
  },
});

/** Marks a customer's message read (and shows typing), best effort with a few retries. */
export const markRead = internalAction({
  args: {
    connectionId: v.id("whatsappConnections"),
    providerMessageId: v.string(),
    typingIndicator: v.boolean(),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { client, target } = await clientForConnection(ctx, args.connectionId);
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await client.messages.markRead({
          phoneNumberId: target.phoneNumberId,
          messageId: args.providerMessageId,
          ...(args.typingIndicator ? { typingIndicator: { type: "text" as const } } : {}),
        });
        return null;
      } catch (error) {
        if (cloud.classifyFailure(error).kind === "permanent" || attempt === 3) return null;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
    return null;
  },
});

function requireWaba(target: Target): string {
  if (target.businessAccountId === undefined) {
    throw appError(
      "CONNECTION_NOT_READY",
      "This number's WhatsApp Business Account is unknown: templates need it.",
    );
  }
  return target.businessAccountId;
}

function providerError(error: unknown): never {
  if (error instanceof ConvexError) throw error;
  const failure = cloud.classifyFailure(error);
  throw appError(
    "PROVIDER_ERROR",
    `The provider refused: ${failure.message}${failure.code !== undefined ? ` (code ${failure.code})` : ""}`,
  );
}

/** Creates a template on the number's WABA (already validated) and stores it. */
export const createTemplate = internalAction({
  args: {
    connectionId: v.id("whatsappConnections"),
    name: v.string(),
    language: v.string(),
    category: vTemplateCategory,
    parameterFormat: v.union(v.literal("named"), v.literal("positional")),
    components: v.array(v.any()),
  },
  returns: v.id("templates"),
  handler: async (ctx, args): Promise<Id<"templates">> => {
    const { client, target } = await clientForConnection(ctx, args.connectionId);
    const businessAccountId = requireWaba(target);
    let created: { id: string; status: string };
    try {
      created = await client.templates.create({
        businessAccountId,
        name: args.name,
        language: args.language,
        category: args.category,
        parameterFormat: args.parameterFormat === "named" ? "NAMED" : "POSITIONAL",
        components: args.components as { type: string }[],
      });
    } catch (error) {
      providerError(error);
    }
    return await ctx.runMutation(internal.whatsapp.templates.upsertFromProvider, {
      connectionId: args.connectionId,
      businessAccountId,
      template: {
        providerTemplateId: created.id,
        name: args.name,
        language: args.language,
        category: args.category,
        parameterFormat: args.parameterFormat,
        status: created.status ?? "PENDING",
        components: args.components,
      },
    });
  },
});

/** Deletes a template (all its languages share the name at Meta; this deletes one language). */
export const deleteTemplate = internalAction({
  args: { templateId: v.id("templates") },
  returns: v.null(),
  handler: async (ctx, { templateId }) => {
    const template = await ctx.runQuery(internal.whatsapp.templates.getInternal, { templateId });
    if (template === null) return null;
    const { client, target } = await clientForConnection(ctx, template.connectionId);
    try {
      await client.templates.delete({
        businessAccountId: requireWaba(target),
        name: template.name,
        language: template.language,
      });
    } catch (error) {
      providerError(error);
    }
    await ctx.runMutation(internal.whatsapp.templates.removeLocal, { templateId });
    return null;
  },
});

/** Refreshes the stored templates (and their review status) of a number from the provider. */
export const syncTemplates = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.number(),
  handler: async (ctx, { connectionId }): Promise<number> => {
    const { client, target } = await clientForConnection(ctx, connectionId);
    const businessAccountId = requireWaba(target);
    let count = 0;
    let after: string | undefined;
    try {
      for (let page = 0; page < 20; page++) {
        const listed = await client.templates.list({
          businessAccountId,
          limit: 100,
          ...(after ? { after } : {}),
        });
        for (const t of listed.data) {
          await ctx.runMutation(internal.whatsapp.templates.upsertFromProvider, {
            connectionId,
            businessAccountId,
            template: {
              providerTemplateId: t.id,
              name: t.name,
              language: t.language ?? "",
              category: normalizeCategory(t.category),
              parameterFormat:
                String(
                  (t as unknown as Record<string, unknown>).parameterFormat ?? "",
                ).toUpperCase() === "NAMED"
                  ? "named"
                  : "positional",
              status: String(t.status ?? "PENDING"),
              components: t.components ?? [],
            },
          });
          count++;
        }
        after = listed.paging?.cursors?.after ?? undefined;
        if (!after || !listed.paging?.next) break;
      }
    } catch (error) {
      providerError(error);
    }
    return count;
  },
});

function normalizeCategory(category: unknown): "AUTHENTICATION" | "MARKETING" | "UTILITY" {
  const value = String(category ?? "").toUpperCase();
  return value === "AUTHENTICATION" || value === "MARKETING" ? value : "UTILITY";
}
