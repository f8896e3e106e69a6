"use node";
/**
 * The provider boundary: the only module that talks to Kapso or Meta. Internal actions only,
 * scheduled by the domain modules; each reads what it needs, calls the provider, and records
 * the result (or the error, where the dashboard shows it) through an internal mutation.
 */
import type { WhatsAppClient } from "@kapso/whatsapp-cloud-api";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import {
  dashboardUrl,
  kapsoConfig,
  metaGraphBaseUrl,
  outboundConfig,
  webhookBaseUrl,
} from "../lib/config";
import { appError } from "../lib/errors";
import { stripUndefined } from "../lib/objects";
import * as cloud from "./cloudApi";
import type { ProviderTarget } from "./connections";
import * as kapso from "./kapsoPlatform";

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
        pushedSecretAddedAt: registration.secretAddedAt,
      });
    } catch (error) {
      await ctx.runMutation(internal.whatsapp.connections.recordWebhookRegistration, {
        connectionId,
        providerWebhookId: registration.providerWebhookId,
        error: `Pushing the new webhook secret failed (the previous one keeps working until a push succeeds): ${error instanceof Error ? error.message : String(error)}`,
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
        pushedSecretAddedAt: registration.secretAddedAt,
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

// --- Provider clients, outbound sends and their reconciliation ---------------------------------

export function toCloudTarget(target: ProviderTarget): cloud.ProviderTarget {
  if (target.provider === "meta") {
    if (target.meta === undefined) throw new Error("This Meta-direct number has no credentials.");
    return {
      provider: "meta",
      accessToken: target.meta.accessToken,
      graphVersion: target.meta.graphVersion,
      phoneNumberId: target.phoneNumberId,
      graphBaseUrl: metaGraphBaseUrl(),
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

export function notConnected() {
  return appError("CONNECTION_NOT_READY", "This number is not connected.");
}

function clientFor(target: ProviderTarget) {
  return cloud.clientFor(toCloudTarget(target), outboundConfig().sendTimeoutMs);
}

export async function clientForConnection(ctx: ActionCtx, connectionId: Id<"whatsappConnections">) {
  const target = await ctx.runQuery(internal.whatsapp.connections.getProviderTarget, {
    connectionId,
  });
  if (target === null) throw notConnected();
  return { client: clientFor(target), target };
}

type Job = NonNullable<FunctionReturnType<typeof internal.outbound.lifecycle.getJob>>;

/** A file from storage is uploaded once per send; retries reuse its provider media id. */
async function uploadMedia(
  ctx: ActionCtx,
  client: WhatsAppClient,
  target: ProviderTarget,
  job: Job,
): Promise<string | undefined> {
  const content = job.content;
  if (content.kind !== "media" || content.storageId === undefined) return undefined;
  if (job.providerMediaId !== undefined) return job.providerMediaId;
  const blob = await ctx.storage.get(content.storageId);
  if (blob === null) throw appError("MESSAGE_INVALID", "The file to send is gone.");
  const uploaded = await client.media.upload(
    stripUndefined({
      phoneNumberId: target.phoneNumberId,
      type: content.mimeType ?? blob.type,
      file: blob,
      fileName: content.filename || undefined,
    }),
  );
  return uploaded.id;
}

/**
 * One provider call of a queued send, scheduled at its pacing slot: the job, then the claim
 * (last, right before the call, so the call leaves inside its slot), then the outcome.
 */
export const sendOutbound = internalAction({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    const job = await ctx.runQuery(internal.outbound.lifecycle.getJob, { sendId });
    if (job === null) return null;
    let startedAt = Date.now();
    let outcome: FunctionArgs<typeof internal.outbound.lifecycle.recordOutcome>["outcome"];
    try {
      const target = job.target;
      if (target === null) throw notConnected();
      const client = clientFor(target);
      const providerMediaId = await uploadMedia(ctx, client, target, job);
      const claimed = await ctx.runMutation(internal.outbound.lifecycle.claimSend, {
        sendId,
        providerMediaId,
      });
      if (!claimed) return null;
      startedAt = Date.now();
      const sent = await cloud.sendMessage(client, {
        phoneNumberId: target.phoneNumberId,
        to: job.recipient,
        content: job.content,
        templatePayload: job.templatePayload,
        mediaId: providerMediaId,
        bizOpaqueCallbackData: job.messageId,
      });
      outcome = { kind: "accepted", ...sent };
    } catch (error) {
      outcome = cloud.classifyFailure(error);
    }
    await ctx.runMutation(internal.outbound.lifecycle.recordOutcome, {
      sendId,
      startedAt,
      outcome,
    });
    return null;
  },
});

/**
 * Searches the Kapso message history for a send whose call got no answer, once the
 * reconciliation found nothing it could settle on its own (see outbound/reconciliation.ts).
 */
export const reconcileOutbound = internalAction({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    const lookup = await ctx.runMutation(internal.outbound.reconciliation.startReconciliation, {
      sendId,
    });
    if (lookup === null) return null;
    let result: FunctionArgs<typeof internal.outbound.reconciliation.recordLookup>["result"];
    try {
      const found = await cloud.findSentMessage(clientFor(lookup.target), {
        phoneNumberId: lookup.target.phoneNumberId,
        to: lookup.recipient,
        content: lookup.content,
        since: lookup.since,
        bizOpaqueCallbackData: lookup.messageId,
        isClaimed: (providerMessageId) =>
          ctx.runQuery(internal.outbound.reconciliation.isProviderIdClaimed, {
            connectionId: lookup.connectionId,
            providerMessageId,
          }),
      });
      result = found === null ? { kind: "not_found" } : { kind: "found", providerMessageId: found };
    } catch (error) {
      result = { kind: "lookup_failed", error: cloud.classifyFailure(error).message };
    }
    await ctx.runMutation(internal.outbound.reconciliation.recordLookup, {
      sendId,
      startedAt: lookup.startedAt,
      result,
    });
    return null;
  },
});

// --- Verifying a Meta-direct number -----------------------------------------------------------

const GRAPH_BASE_URL = "https://graph.facebook.com";
const VERIFY_TIMEOUT_MS = 10_000;

/**
 * Reads the phone number node of a pending Meta-direct number with its access token
 * (`GET /{version}/{phone-number-id}`): Meta answers only for a token with access to the
 * number's business account, so a connection cannot claim a number its owner did not give it.
 */
export const verifyMetaNumber = internalAction({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const target = await ctx.runQuery(internal.whatsapp.connections.getMetaVerification, {
      connectionId,
    });
    if (target === null) return null;
    const base = metaGraphBaseUrl() ?? GRAPH_BASE_URL;
    const url = `${base}/${target.graphVersion}/${encodeURIComponent(target.phoneNumberId)}?fields=id,display_phone_number,verified_name`;
    let verdict: { ok: boolean; error?: string };
    try {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${target.accessToken}` },
        signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
      });
      const body = (await response.json().catch(() => ({}))) as {
        id?: unknown;
        error?: { message?: unknown; code?: unknown };
      };
      if (response.ok && String(body.id) === target.phoneNumberId) verdict = { ok: true };
      else {
        const message = typeof body.error?.message === "string" ? body.error.message : "";
        verdict = { ok: false, error: `HTTP ${response.status} ${message}`.trim().slice(0, 500) };
      }
    } catch (error) {
      verdict = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    await ctx.runMutation(internal.whatsapp.connections.recordMetaVerification, {
      connectionId,
      ...verdict,
    });
    return null;
  },
});
