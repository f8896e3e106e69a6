/**
 * The WhatsApp connection lifecycle of one organization and environment, as registered
 * functions: enable → setup (pending_setup + provider setup link) → connected (project webhook)
 * → agent XOR router assigned → disconnect (the provider customer is kept for reconnection).
 * Numbers can also be connected to Meta's Cloud API directly with per-number credentials.
 * Each function checks tenancy and calls the owners of the rows: connectionStore.ts
 * (`whatsappConnections`) and integration.ts (`integrationConfigs`).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { getOwned, orgAdminMutation, orgQuery } from "../lib/auth";
import { vIntegrationStatus } from "../lib/validators";
import { connectionView, vConnectionView } from "./connectionFields";
import * as store from "./connectionStore";
import {
  getIntegration,
  rememberKapsoCustomer,
  requireEnabled,
  setDefaultAgentId,
  setIntegrationStatus,
} from "./integration";

export { DEFAULT_MESSAGES_PER_SECOND, SECRET_ROTATION_GRACE_MS } from "./connectionFields";
export { getIntegration } from "./integration";

export const enable = orgAdminMutation({
  args: {},
  returns: v.id("integrationConfigs"),
  handler: async (ctx) => setIntegrationStatus(ctx, ctx.tenant, "active"),
});

/** Stops handling inbound for this environment; deliveries are still recorded, as dead letters. */
export const disable = orgAdminMutation({
  args: {},
  returns: v.id("integrationConfigs"),
  handler: async (ctx) => setIntegrationStatus(ctx, ctx.tenant, "disabled"),
});

/**
 * Starts connecting a number through the provider: the connection goes to `pending_setup`
 * and a setup link is requested in the background (it appears on the connection, or
 * `setupError` says why not). Pass `connectionId` to reconnect a disconnected number.
 */
export const setup = orgAdminMutation({
  args: {
    label: v.optional(v.string()),
    connectionId: v.optional(v.id("whatsappConnections")),
  },
  returns: v.id("whatsappConnections"),
  handler: async (ctx, { label, connectionId }) => {
    const config = await requireEnabled(ctx, ctx.tenant);
    const existing =
      connectionId === undefined
        ? undefined
        : await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    return await store.startSetup(ctx, ctx.tenant, {
      label,
      existing,
      kapsoCustomerId: config.kapsoCustomerId,
    });
  },
});

/**
 * Connects a number to Meta's Cloud API directly with its own credentials: `pending_setup`
 * until the Graph API confirms the number for the access token (then `connected`; otherwise
 * `setupError` says why). Refused when the number is connected, or the Meta app is used by
 * another organization (`IN_USE`).
 */
export const connectMeta = orgAdminMutation({
  args: {
    label: v.string(),
    phoneNumber: v.string(),
    phoneNumberId: v.string(),
    appId: v.string(),
    appSecret: v.string(),
    businessAccountId: v.string(),
    accessToken: v.string(),
    graphApiVersion: v.optional(v.string()),
    /** Echoed in Meta's GET handshake; generated when omitted. */
    verifyToken: v.optional(v.string()),
  },
  returns: v.id("whatsappConnections"),
  handler: async (ctx, args) => {
    await requireEnabled(ctx, ctx.tenant);
    return await store.insertMetaNumber(ctx, ctx.tenant, args);
  },
});

/** Replaces the access token of a Meta-direct number (tokens expire or get rotated). */
export const updateMetaAccessToken = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections"), accessToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { connectionId, accessToken }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    await store.replaceMetaAccessToken(ctx, connection, accessToken);
    return null;
  },
});

/**
 * Assigns an agent to a number. A number has an agent or a router, never both: if a router is
 * assigned, the call is refused unless `replaceRouter` says to switch.
 */
export const setAgent = orgAdminMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    agentId: v.id("agents"),
    replaceRouter: v.optional(v.boolean()),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, agentId, replaceRouter }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    await getOwned(ctx, ctx.tenant, "agents", agentId);
    await store.assignHandler(ctx, connection, { agentId }, replaceRouter);
    return null;
  },
});

/** Assigns a router (which always has a fallback agent); the mirror of `setAgent`. */
export const setRouter = orgAdminMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    routerId: v.id("routers"),
    replaceAgent: v.optional(v.boolean()),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, routerId, replaceAgent }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    const router = await getOwned(ctx, ctx.tenant, "routers", routerId);
    // The schema requires a fallback; re-check that it still exists in this tenant.
    await getOwned(ctx, ctx.tenant, "agents", router.fallbackAgentId);
    await store.assignHandler(ctx, connection, { routerId }, replaceAgent);
    return null;
  },
});

/** Removes the agent or router of a number (it then uses the environment default, if any). */
export const clearHandler = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    await store.assignHandler(ctx, connection, null, undefined);
    return null;
  },
});

/** The environment's default agent, for connected numbers with nothing assigned. */
export const setDefaultAgent = orgAdminMutation({
  args: { agentId: v.union(v.id("agents"), v.null()) },
  returns: v.null(),
  handler: async (ctx, { agentId }) => {
    const config = await requireEnabled(ctx, ctx.tenant);
    if (agentId !== null) await getOwned(ctx, ctx.tenant, "agents", agentId);
    await setDefaultAgentId(ctx, config, agentId);
    return null;
  },
});

/**
 * Adds a new signing secret to a provider number and pushes it to the provider's webhook.
 * Older secrets keep verifying until the provider confirms the new one, then for
 * SECRET_ROTATION_GRACE_MS (deliveries signed before the switch still pass); a failed push is
 * shown on the connection and cuts nothing off. `expirePrevious`: let the older secrets expire
 * after the grace period from now, whatever the push does (`previousExpireAt` is then set).
 */
export const rotateSecret = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections"), expirePrevious: v.optional(v.boolean()) },
  returns: v.object({
    activeSecrets: v.number(),
    previousExpireAt: v.optional(v.number()),
  }),
  handler: async (ctx, { connectionId, expirePrevious }) =>
    await store.rotateSecret(
      ctx,
      await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId),
      expirePrevious === true,
    ),
});

/** Label, persona, memory pool and sending pace of a number. */
export const update = orgAdminMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    label: v.optional(v.string()),
    persona: v.optional(v.string()),
    memoryPoolId: v.optional(v.union(v.id("memoryPools"), v.null())),
    messagesPerSecond: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, ...settings }) => {
    await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    if (settings.memoryPoolId) {
      await getOwned(ctx, ctx.tenant, "memoryPools", settings.memoryPoolId);
    }
    await store.updateSettings(ctx, connectionId, settings);
    return null;
  },
});

/**
 * Disconnects a number: inbound stops being routed and it can be set up again later. The
 * provider customer stays on the integration so reconnection does not create a new one.
 */
export const disconnect = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    await store.disconnect(
      ctx,
      await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId),
    );
    return null;
  },
});

export const getStatus = orgQuery({
  args: {},
  returns: v.object({
    enabled: v.boolean(),
    integrationStatus: v.union(vIntegrationStatus, v.literal("not_configured")),
    defaultAgentId: v.optional(v.id("agents")),
    connections: v.array(vConnectionView),
  }),
  handler: async (ctx) => {
    const config = await getIntegration(ctx, ctx.tenant);
    const connections = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .take(500);
    const now = Date.now();
    return {
      enabled: config?.status === "active",
      integrationStatus: config?.status ?? ("not_configured" as const),
      defaultAgentId: config?.defaultAgentId,
      connections: connections.map((c) => connectionView(c, now)),
    };
  },
});

export const get = orgQuery({
  args: { connectionId: v.id("whatsappConnections") },
  returns: vConnectionView,
  handler: async (ctx, { connectionId }) =>
    connectionView(
      await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId),
      Date.now(),
    ),
});

// ---------------------------------------------------------------------------------------------
// Internal: the provider side of setup, called by provider.ts (and by tests standing in for
// the project webhook, which itself calls `markConnected` of connectionStore.ts).

export const getSetupContext = internalQuery({
  args: { connectionId: v.id("whatsappConnections") },
  handler: async (ctx, { connectionId }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) return null;
    const org = await ctx.db.get("organizations", connection.organizationId);
    const config = await getIntegration(ctx, connection);
    return {
      status: connection.status,
      organizationName: org?.name ?? "Switchboard customer",
      clerkOrgId: org?.clerkOrgId ?? "",
      environment: connection.environment,
      kapsoCustomerId: connection.kapsoCustomerId ?? config?.kapsoCustomerId,
    };
  },
});

/** Stores the provider customer (on the integration too) and the setup link. */
export const recordSetupLink = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    kapsoCustomerId: v.string(),
    setupLinkUrl: v.string(),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, kapsoCustomerId, setupLinkUrl }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) return null;
    if (await store.recordSetup(ctx, connection, { kapsoCustomerId, setupLinkUrl })) {
      await rememberKapsoCustomer(ctx, connection, kapsoCustomerId);
    }
    return null;
  },
});

export const recordSetupError = internalMutation({
  args: { connectionId: v.id("whatsappConnections"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { connectionId, error }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection !== null) await store.recordSetup(ctx, connection, { error });
    return null;
  },
});

/** `markConnected` of connectionStore.ts as a function (tests and simulations call it). */
export const markConnected = internalMutation({
  args: {
    kapsoCustomerId: v.string(),
    providerPhoneNumberId: v.string(),
    phoneNumber: v.optional(v.string()),
    businessAccountId: v.optional(v.string()),
  },
  returns: v.union(v.id("whatsappConnections"), v.null()),
  handler: async (ctx, args) => {
    const connected = await store.markConnected(ctx, args);
    return "connection" in connected ? connected.connection._id : null;
  },
});

export const getWebhookRegistration = internalQuery({
  args: { connectionId: v.id("whatsappConnections") },
  handler: async (ctx, { connectionId }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null || connection.status !== "connected") return null;
    const newest = connection.webhookSecrets.at(-1);
    if (!connection.providerPhoneNumberId || newest === undefined) return null;
    return {
      providerPhoneNumberId: connection.providerPhoneNumberId,
      secret: newest.secret,
      secretAddedAt: newest.addedAt,
      providerWebhookId: connection.providerWebhookId,
    };
  },
});

/** Records the registered webhook, or why registration failed (shown on the connection). */
export const recordWebhookRegistration = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    providerWebhookId: v.optional(v.string()),
    error: v.optional(v.string()),
    /** The secret the provider confirmed (its `addedAt`): older ones start their grace period. */
    pushedSecretAddedAt: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, ...registration }) => {
    await store.recordWebhookRegistration(ctx, connectionId, registration);
    return null;
  },
});

// --- Verifying a Meta-direct number (provider.verifyMetaNumber) -----------------------------

/** What the Graph API call needs (SECRET: the access token), while the number is pending. */
export const getMetaVerification = internalQuery({
  args: { connectionId: v.id("whatsappConnections") },
  handler: async (ctx, { connectionId }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    const meta = connection?.metaCredentials;
    if (!connection || connection.status !== "pending_setup" || !meta) return null;
    if (connection.providerPhoneNumberId === undefined) return null;
    return {
      phoneNumberId: connection.providerPhoneNumberId,
      accessToken: meta.accessToken,
      graphVersion: meta.graphApiVersion,
    };
  },
});

/** The Graph API's answer: the number is connected, or `setupError` says why not. */
export const recordMetaVerification = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    ok: v.boolean(),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, ok, error }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) return null;
    await store.confirmMetaNumber(
      ctx,
      connection,
      ok ? { ok: true } : { ok: false, error: error ?? "unknown error" },
    );
    return null;
  },
});

// --- Provider credentials: how the provider boundary reaches a number ------------------------

/** How to reach the provider for a number. SECRET (Meta access token): internal readers only. */
export type ProviderTarget = {
  provider: Doc<"whatsappConnections">["provider"];
  phoneNumberId: string;
  /** The WhatsApp Business Account: templates live there. */
  businessAccountId?: string;
  /** Numbers connected to Meta directly; Kapso numbers use the platform key. */
  meta?: { accessToken: string; graphVersion: string };
};

/** The provider target of a number; null until it has a provider phone number id. */
export async function readProviderTarget(
  ctx: QueryCtx,
  connectionId: Id<"whatsappConnections">,
): Promise<ProviderTarget | null> {
  const connection = await ctx.db.get("whatsappConnections", connectionId);
  if (connection === null || connection.providerPhoneNumberId === undefined) return null;
  const meta = connection.metaCredentials;
  return {
    provider: connection.provider,
    phoneNumberId: connection.providerPhoneNumberId,
    businessAccountId: connection.businessAccountId ?? meta?.businessAccountId,
    meta:
      meta === undefined
        ? undefined
        : { accessToken: meta.accessToken, graphVersion: meta.graphApiVersion },
  };
}

/** The provider target of a number, for provider.ts (template calls). */
export const getProviderTarget = internalQuery({
  args: { connectionId: v.id("whatsappConnections") },
  handler: async (ctx, { connectionId }) => await readProviderTarget(ctx, connectionId),
});
