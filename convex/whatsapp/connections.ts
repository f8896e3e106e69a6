/**
 * The WhatsApp connection lifecycle of one organization and environment (Struere seed):
 * enable → setup (pending_setup + provider setup link) → connected (project webhook) →
 * agent XOR router assigned → disconnect (the provider customer is kept for reconnection).
 * Numbers can also be connected to Meta's Cloud API directly with per-number credentials.
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import {
  internalMutation,
  internalQuery,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server";
import { internal } from "../_generated/api";
import { getOwned, orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { connectionView, vConnectionView } from "../lib/projections";
import { randomToken } from "../lib/random";
import { vIntegrationStatus } from "../lib/validators";

/** Meta's default throughput per business number. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
/** How long a replaced webhook secret keeps verifying, so in-flight deliveries still pass. */
export const SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export async function getIntegration(
  ctx: QueryCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
) {
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

async function requireEnabled(ctx: QueryCtx, tenant: Tenant) {
  const config = await getIntegration(ctx, tenant);
  if (config === null || config.status !== "active") {
    throw appError(
      "WHATSAPP_NOT_ENABLED",
      `WhatsApp is not enabled for ${tenant.environment}: enable it first.`,
    );
  }
  return config;
}

/** The connected number that owns a provider phone number id, if any (one at most). */
export async function findConnectedByPhoneNumberId(ctx: QueryCtx, providerPhoneNumberId: string) {
  const rows = await ctx.db
    .query("whatsappConnections")
    .withIndex("by_providerPhoneNumberId", (q) =>
      q.eq("providerPhoneNumberId", providerPhoneNumberId),
    )
    .take(50);
  return rows.find((c) => c.status === "connected") ?? null;
}

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

async function setIntegrationStatus(
  ctx: MutationCtx,
  tenant: Tenant,
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
    let id: Id<"whatsappConnections">;
    if (connectionId !== undefined) {
      const existing = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
      if (existing.provider !== "kapso" || existing.status === "connected") {
        throw appError(
          "INVALID_ARGUMENT",
          "Only a disconnected provider number can be set up again.",
        );
      }
      await ctx.db.patch("whatsappConnections", connectionId, {
        status: "pending_setup",
        setupLinkUrl: undefined,
        setupError: undefined,
        ...(label !== undefined ? { label } : {}),
      });
      id = connectionId;
    } else {
      id = await ctx.db.insert("whatsappConnections", {
        organizationId: ctx.tenant.organizationId,
        environment: ctx.tenant.environment,
        label: label?.trim() || "WhatsApp number",
        provider: "kapso",
        status: "pending_setup",
        kapsoCustomerId: config.kapsoCustomerId,
        webhookSecrets: [{ secret: randomToken("whsec_"), addedAt: Date.now() }],
        pacing: { messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND },
        createdAt: Date.now(),
      });
    }
    await ctx.scheduler.runAfter(0, internal.whatsapp.provider.createSetupLink, {
      connectionId: id,
    });
    return id;
  },
});

/** Connects a number to Meta's Cloud API directly with its own credentials (seed 003). */
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
    const required = {
      phoneNumberId: args.phoneNumberId,
      appId: args.appId,
      appSecret: args.appSecret,
      businessAccountId: args.businessAccountId,
      accessToken: args.accessToken,
    };
    for (const [name, value] of Object.entries(required)) {
      if (value.trim() === "") throw appError("INVALID_ARGUMENT", `${name} is required.`);
    }
    const graphApiVersion = args.graphApiVersion ?? "v23.0";
    if (!/^v\d+\.\d+$/.test(graphApiVersion)) {
      throw appError(
        "INVALID_ARGUMENT",
        `Graph API version "${graphApiVersion}" is not like v23.0.`,
      );
    }
    const phoneNumber = normalizeBusinessNumber(args.phoneNumber);
    const taken = await findConnectedByPhoneNumberId(ctx, args.phoneNumberId);
    if (taken !== null) {
      throw appError("PHONE_NUMBER_TAKEN", "This phone number id is already connected.");
    }
    const now = Date.now();
    return await ctx.db.insert("whatsappConnections", {
      organizationId: ctx.tenant.organizationId,
      environment: ctx.tenant.environment,
      label: args.label.trim() || phoneNumber,
      provider: "meta",
      status: "connected",
      phoneNumber,
      providerPhoneNumberId: args.phoneNumberId,
      businessAccountId: args.businessAccountId,
      webhookSecrets: [],
      metaCredentials: {
        appId: args.appId,
        appSecret: args.appSecret,
        businessAccountId: args.businessAccountId,
        accessToken: args.accessToken,
        graphApiVersion,
        verifyToken: args.verifyToken ?? randomToken("verify_", 16),
      },
      pacing: { messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND },
      createdAt: now,
      lastConnectedAt: now,
    });
  },
});

/** Replaces the access token of a Meta-direct number (tokens expire or get rotated). */
export const updateMetaAccessToken = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections"), accessToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { connectionId, accessToken }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    if (connection.metaCredentials === undefined) {
      throw appError("INVALID_ARGUMENT", "This number is not connected to Meta directly.");
    }
    if (accessToken.trim() === "") throw appError("INVALID_ARGUMENT", "accessToken is required.");
    await ctx.db.patch("whatsappConnections", connectionId, {
      metaCredentials: { ...connection.metaCredentials, accessToken },
    });
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
    if (connection.routerId !== undefined && replaceRouter !== true) {
      throw appError(
        "AGENT_AND_ROUTER_EXCLUSIVE",
        "This number is handled by a router; a number has an agent or a router, not both. Pass replaceRouter to switch.",
      );
    }
    await ctx.db.patch("whatsappConnections", connectionId, { agentId, routerId: undefined });
    return null;
  },
});

/** Assigns a router (which always has a fallback agent); the mirror of setWhatsAppAgent. */
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
    if (connection.agentId !== undefined && replaceAgent !== true) {
      throw appError(
        "AGENT_AND_ROUTER_EXCLUSIVE",
        "This number is handled by an agent; a number has an agent or a router, not both. Pass replaceAgent to switch.",
      );
    }
    await ctx.db.patch("whatsappConnections", connectionId, { routerId, agentId: undefined });
    return null;
  },
});

/** Removes the agent or router of a number (it then uses the environment default, if any). */
export const clearHandler = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.null(),
  handler: async (ctx, { connectionId }) => {
    await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    await ctx.db.patch("whatsappConnections", connectionId, {
      agentId: undefined,
      routerId: undefined,
    });
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
    await ctx.db.patch("integrationConfigs", config._id, {
      defaultAgentId: agentId ?? undefined,
      updatedAt: Date.now(),
    });
    return null;
  },
});

/**
 * Adds a new signing secret to a provider number and pushes it to the provider's webhook.
 * Older secrets keep verifying for SECRET_ROTATION_GRACE_MS, so deliveries signed before the
 * provider switched still pass; then they expire. A failed push is shown on the connection.
 */
export const rotateSecret = orgAdminMutation({
  args: { connectionId: v.id("whatsappConnections") },
  returns: v.object({ activeSecrets: v.number(), previousExpireAt: v.number() }),
  handler: async (ctx, { connectionId }) => {
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    if (connection.provider !== "kapso") {
      throw appError(
        "INVALID_ARGUMENT",
        "Numbers connected to Meta directly are verified with the app secret.",
      );
    }
    const now = Date.now();
    const previousExpireAt = now + SECRET_ROTATION_GRACE_MS;
    const kept = connection.webhookSecrets
      .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
      .map((s) => ({
        ...s,
        expiresAt: Math.min(s.expiresAt ?? previousExpireAt, previousExpireAt),
      }));
    const webhookSecrets = [...kept, { secret: randomToken("whsec_"), addedAt: now }];
    await ctx.db.patch("whatsappConnections", connectionId, { webhookSecrets });
    if (connection.status === "connected") {
      await ctx.scheduler.runAfter(
        0,
        connection.providerWebhookId !== undefined
          ? internal.whatsapp.provider.updateWebhookSecret
          : internal.whatsapp.provider.registerWebhook,
        { connectionId },
      );
    }
    return { activeSecrets: webhookSecrets.length, previousExpireAt };
  },
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
  handler: async (ctx, { connectionId, label, persona, memoryPoolId, messagesPerSecond }) => {
    await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    if (memoryPoolId) await getOwned(ctx, ctx.tenant, "memoryPools", memoryPoolId);
    if (
      messagesPerSecond !== undefined &&
      (!Number.isFinite(messagesPerSecond) || messagesPerSecond < 1 || messagesPerSecond > 1000)
    ) {
      throw appError("INVALID_ARGUMENT", "messagesPerSecond must be between 1 and 1000.");
    }
    if (label !== undefined && label.trim() === "") {
      throw appError("INVALID_ARGUMENT", "A number needs a label.");
    }
    await ctx.db.patch("whatsappConnections", connectionId, {
      ...(label !== undefined ? { label: label.trim() } : {}),
      ...(persona !== undefined ? { persona } : {}),
      ...(memoryPoolId !== undefined ? { memoryPoolId: memoryPoolId ?? undefined } : {}),
      ...(messagesPerSecond !== undefined ? { pacing: { messagesPerSecond } } : {}),
    });
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
    const connection = await getOwned(ctx, ctx.tenant, "whatsappConnections", connectionId);
    if (connection.status === "disconnected") return null;
    await ctx.db.patch("whatsappConnections", connectionId, {
      status: "disconnected",
      setupLinkUrl: undefined,
      lastDisconnectedAt: Date.now(),
    });
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

/** Business numbers are stored in E.164 (`+` and digits). */
export function normalizeBusinessNumber(raw: string): string {
  const digits = raw.replace(/[\s()-.]/g, "").replace(/^00/, "+");
  const withPlus = digits.startsWith("+") ? digits : `+${digits}`;
  if (!/^\+[1-9]\d{6,14}$/.test(withPlus)) {
    throw appError("INVALID_ARGUMENT", `"${raw}" is not a phone number in international format.`);
  }
  return withPlus;
}

// ---------------------------------------------------------------------------------------------
// Internal: the provider side of setup, called by provider.ts and the project webhook.

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
    if (connection === null || connection.status !== "pending_setup") return null;
    await ctx.db.patch("whatsappConnections", connectionId, {
      kapsoCustomerId,
      setupLinkUrl,
      setupError: undefined,
    });
    const config = await getIntegration(ctx, connection);
    if (config !== null && config.kapsoCustomerId !== kapsoCustomerId) {
      await ctx.db.patch("integrationConfigs", config._id, { kapsoCustomerId });
    }
    return null;
  },
});

export const recordSetupError = internalMutation({
  args: { connectionId: v.id("whatsappConnections"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { connectionId, error }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null || connection.status !== "pending_setup") return null;
    await ctx.db.patch("whatsappConnections", connectionId, { setupError: error });
    return null;
  },
});

/**
 * The provider reported a number connected for a customer (`whatsapp.phone_number.created`):
 * the oldest pending connection of that customer becomes `connected` and its message webhook is
 * registered. Returns the connection, or null when no pending connection matches.
 */
export const markConnected = internalMutation({
  args: {
    kapsoCustomerId: v.string(),
    providerPhoneNumberId: v.string(),
    phoneNumber: v.optional(v.string()),
    businessAccountId: v.optional(v.string()),
  },
  returns: v.union(v.id("whatsappConnections"), v.null()),
  handler: async (ctx, args) => {
    const candidates = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_kapsoCustomerId", (q) => q.eq("kapsoCustomerId", args.kapsoCustomerId))
      .take(100);
    const already = candidates.find(
      (c) => c.status === "connected" && c.providerPhoneNumberId === args.providerPhoneNumberId,
    );
    if (already) return already._id;
    const pending = candidates.find((c) => c.status === "pending_setup");
    if (!pending) return null;
    const now = Date.now();
    let phoneNumber: string | undefined;
    try {
      phoneNumber = args.phoneNumber ? normalizeBusinessNumber(args.phoneNumber) : undefined;
    } catch {
      phoneNumber = undefined;
    }
    await ctx.db.patch("whatsappConnections", pending._id, {
      status: "connected",
      providerPhoneNumberId: args.providerPhoneNumberId,
      ...(phoneNumber ? { phoneNumber } : {}),
      ...(args.businessAccountId ? { businessAccountId: args.businessAccountId } : {}),
      setupLinkUrl: undefined,
      setupError: undefined,
      lastConnectedAt: now,
    });
    await ctx.scheduler.runAfter(0, internal.whatsapp.provider.registerWebhook, {
      connectionId: pending._id,
    });
    return pending._id;
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
  },
  returns: v.null(),
  handler: async (ctx, { connectionId, providerWebhookId, error }) => {
    await ctx.db.patch("whatsappConnections", connectionId, {
      providerWebhookId,
      setupError: error,
    });
    return null;
  },
});
