/**
 * Every change of a `whatsappConnections` row, as plain helpers taking `ctx`: this module owns
 * the table. The registered functions (connections.ts) check tenancy and call these; the
 * project webhook (inbound.ts) calls `markConnected` and `markDisconnected`, the template sync
 * `saveTemplateSync`, the local demo `insertConnectedNumber`. Field rules without I/O are in
 * connectionFields.ts.
 */
import type { Doc, Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { stripUndefined } from "../lib/objects";
import { randomToken } from "../lib/random";
import type { TemplateSyncState } from "../lib/validators";
import {
  checkMetaCredentials,
  checkSettings,
  DEFAULT_GRAPH_API_VERSION,
  DEFAULT_MESSAGES_PER_SECOND,
  expireSuperseded,
  normalizeBusinessNumber,
  rotateSecrets,
} from "./connectionFields";

type Connection = Doc<"whatsappConnections">;

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

/**
 * Puts a provider number in `pending_setup` (a new one, or `existing` when reconnecting) and
 * requests its setup link in the background.
 */
export async function startSetup(
  ctx: MutationCtx,
  tenant: Tenant,
  setup: { label?: string; existing?: Connection; kapsoCustomerId?: string },
): Promise<Id<"whatsappConnections">> {
  const { label, existing } = setup;
  let id: Id<"whatsappConnections">;
  if (existing !== undefined) {
    if (existing.provider !== "kapso" || existing.status === "connected") {
      throw appError(
        "INVALID_ARGUMENT",
        "Only a disconnected provider number can be set up again.",
      );
    }
    await ctx.db.patch("whatsappConnections", existing._id, {
      status: "pending_setup",
      setupLinkUrl: undefined,
      setupError: undefined,
      ...(label !== undefined ? { label } : {}),
    });
    id = existing._id;
  } else {
    id = await ctx.db.insert("whatsappConnections", {
      organizationId: tenant.organizationId,
      environment: tenant.environment,
      label: label?.trim() || "WhatsApp number",
      provider: "kapso",
      status: "pending_setup",
      kapsoCustomerId: setup.kapsoCustomerId,
      webhookSecrets: [{ secret: randomToken("whsec_"), addedAt: Date.now() }],
      pacing: { messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND },
      createdAt: Date.now(),
    });
  }
  await ctx.scheduler.runAfter(0, internal.whatsapp.provider.createSetupLink, { connectionId: id });
  return id;
}

export type MetaNumber = {
  label: string;
  phoneNumber: string;
  phoneNumberId: string;
  appId: string;
  appSecret: string;
  businessAccountId: string;
  accessToken: string;
  graphApiVersion?: string;
  verifyToken?: string;
};

/** Refuses a Meta app whose numbers another organization has connected. */
async function checkMetaAppFree(ctx: QueryCtx, organizationId: Id<"organizations">, appId: string) {
  const rows = await ctx.db
    .query("whatsappConnections")
    .withIndex("by_metaAppId", (q) => q.eq("metaCredentials.appId", appId))
    .take(100);
  if (rows.some((c) => c.status === "connected" && c.organizationId !== organizationId)) {
    throw appError("IN_USE", "This Meta app is used by another organization.");
  }
}

/**
 * A number connected to Meta's Cloud API directly, with its credentials: `pending_setup` until
 * the Graph API confirms the number for its access token (`provider.verifyMetaNumber`, then
 * `confirmMetaNumber`), so nobody can hold a phone number id they cannot read.
 */
export async function insertMetaNumber(ctx: MutationCtx, tenant: Tenant, number: MetaNumber) {
  const { phoneNumberId, appId, appSecret, businessAccountId, accessToken } = number;
  const graphApiVersion = number.graphApiVersion ?? DEFAULT_GRAPH_API_VERSION;
  checkMetaCredentials(
    { phoneNumberId, appId, appSecret, businessAccountId, accessToken },
    graphApiVersion,
  );
  const phoneNumber = normalizeBusinessNumber(number.phoneNumber);
  if ((await findConnectedByPhoneNumberId(ctx, phoneNumberId)) !== null) {
    throw appError("PHONE_NUMBER_TAKEN", "This phone number id is already connected.");
  }
  await checkMetaAppFree(ctx, tenant.organizationId, appId);
  const id = await ctx.db.insert("whatsappConnections", {
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    label: number.label.trim() || phoneNumber,
    provider: "meta",
    status: "pending_setup",
    phoneNumber,
    providerPhoneNumberId: phoneNumberId,
    businessAccountId,
    webhookSecrets: [],
    metaCredentials: {
      appId,
      appSecret,
      businessAccountId,
      accessToken,
      graphApiVersion,
      verifyToken: number.verifyToken ?? randomToken("verify_", 16),
    },
    pacing: { messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND },
    createdAt: Date.now(),
  });
  await ctx.scheduler.runAfter(0, internal.whatsapp.provider.verifyMetaNumber, {
    connectionId: id,
  });
  return id;
}

/**
 * The Graph API's answer about a pending Meta-direct number: connected when it confirmed the
 * number (and nobody else connected the number or this app meanwhile), else why not.
 */
export async function confirmMetaNumber(
  ctx: MutationCtx,
  connection: Connection,
  verdict: { ok: true } | { ok: false; error: string },
) {
  if (connection.provider !== "meta" || connection.status !== "pending_setup") return;
  const refuse = (error: string) =>
    ctx.db.patch("whatsappConnections", connection._id, { setupError: error });
  if (!verdict.ok) return await refuse(`Meta did not confirm this number: ${verdict.error}`);
  const pnid = connection.providerPhoneNumberId;
  if (pnid === undefined || (await findConnectedByPhoneNumberId(ctx, pnid)) !== null) {
    return await refuse("This phone number id is already connected.");
  }
  try {
    await checkMetaAppFree(ctx, connection.organizationId, connection.metaCredentials!.appId);
  } catch {
    return await refuse("This Meta app is used by another organization.");
  }
  const now = Date.now();
  await ctx.db.patch("whatsappConnections", connection._id, {
    status: "connected",
    setupError: undefined,
    lastConnectedAt: now,
  });
}

/** Replaces the access token of a Meta-direct number. */
export async function replaceMetaAccessToken(
  ctx: MutationCtx,
  connection: Connection,
  accessToken: string,
) {
  if (connection.metaCredentials === undefined) {
    throw appError("INVALID_ARGUMENT", "This number is not connected to Meta directly.");
  }
  if (accessToken.trim() === "") throw appError("INVALID_ARGUMENT", "accessToken is required.");
  await ctx.db.patch("whatsappConnections", connection._id, {
    metaCredentials: { ...connection.metaCredentials, accessToken },
  });
  if (connection.status === "pending_setup") {
    // A number Meta did not confirm with the old token is verified again with the new one.
    await ctx.scheduler.runAfter(0, internal.whatsapp.provider.verifyMetaNumber, {
      connectionId: connection._id,
    });
  }
}

/**
 * Who answers a number: an agent or a router, never both. Assigning one while the other is set
 * is refused unless `replace` says to switch; `null` clears both (the environment default then
 * answers, if any).
 */
export async function assignHandler(
  ctx: MutationCtx,
  connection: Connection,
  handler: { agentId: Id<"agents"> } | { routerId: Id<"routers"> } | null,
  replace: boolean | undefined,
) {
  const other = handler === null ? null : "agentId" in handler ? "router" : "agent";
  const taken = other === "router" ? connection.routerId : connection.agentId;
  if (other !== null && taken !== undefined && replace !== true) {
    const by = other === "router" ? "a router" : "an agent";
    const flag = other === "router" ? "replaceRouter" : "replaceAgent";
    throw appError(
      "AGENT_AND_ROUTER_EXCLUSIVE",
      `This number is handled by ${by}; a number has an agent or a router, not both. Pass ${flag} to switch.`,
    );
  }
  await ctx.db.patch("whatsappConnections", connection._id, {
    agentId: undefined,
    routerId: undefined,
    ...handler,
  });
}

/**
 * Adds a signing secret and pushes it to the provider. The older ones keep verifying until the
 * push succeeds (then for the grace period), unless `expirePrevious`: an admin's choice to let
 * them expire after the grace period whatever the push does.
 */
export async function rotateSecret(
  ctx: MutationCtx,
  connection: Connection,
  expirePrevious: boolean,
) {
  if (connection.provider !== "kapso") {
    throw appError(
      "INVALID_ARGUMENT",
      "Numbers connected to Meta directly are verified with the app secret.",
    );
  }
  const { webhookSecrets, previousExpireAt } = rotateSecrets(
    connection.webhookSecrets,
    randomToken("whsec_"),
    Date.now(),
    expirePrevious,
  );
  await ctx.db.patch("whatsappConnections", connection._id, { webhookSecrets });
  if (connection.status === "connected") {
    await ctx.scheduler.runAfter(
      0,
      connection.providerWebhookId !== undefined
        ? internal.whatsapp.provider.updateWebhookSecret
        : internal.whatsapp.provider.registerWebhook,
      { connectionId: connection._id },
    );
  }
  return { activeSecrets: webhookSecrets.length, previousExpireAt };
}

export type ConnectionSettings = {
  label?: string;
  persona?: string;
  /** `null` leaves the memory pool. */
  memoryPoolId?: Id<"memoryPools"> | null;
  messagesPerSecond?: number;
};

/** Label, persona, memory pool and sending pace; what is not given is kept. */
export async function updateSettings(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  settings: ConnectionSettings,
) {
  const { label, persona, memoryPoolId, messagesPerSecond } = settings;
  checkSettings({ label, messagesPerSecond });
  await ctx.db.patch("whatsappConnections", connectionId, {
    ...(label !== undefined ? { label: label.trim() } : {}),
    ...(persona !== undefined ? { persona } : {}),
    ...(memoryPoolId !== undefined ? { memoryPoolId: memoryPoolId ?? undefined } : {}),
    ...(messagesPerSecond !== undefined ? { pacing: { messagesPerSecond } } : {}),
  });
}

/** The business disconnected the number (it can be set up again later). */
export async function disconnect(ctx: MutationCtx, connection: Connection) {
  if (connection.status === "disconnected") return;
  await ctx.db.patch("whatsappConnections", connection._id, {
    status: "disconnected",
    setupLinkUrl: undefined,
    lastDisconnectedAt: Date.now(),
  });
}

/** The provider's answer to a setup request: its link, or why there is none. */
export async function recordSetup(
  ctx: MutationCtx,
  connection: Connection,
  result: { kapsoCustomerId: string; setupLinkUrl: string } | { error: string },
) {
  if (connection.status !== "pending_setup") return false;
  await ctx.db.patch(
    "whatsappConnections",
    connection._id,
    "error" in result ? { setupError: result.error } : { ...result, setupError: undefined },
  );
  return true;
}

/**
 * The registered message webhook of a number, or why registration failed. A successful push
 * of the secret added at `pushedSecretAddedAt` starts the grace period of the older ones.
 */
export async function recordWebhookRegistration(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  registration: { providerWebhookId?: string; error?: string; pushedSecretAddedAt?: number },
) {
  const connection = await ctx.db.get("whatsappConnections", connectionId);
  if (connection === null) return;
  const { pushedSecretAddedAt, error } = registration;
  await ctx.db.patch("whatsappConnections", connectionId, {
    providerWebhookId: registration.providerWebhookId,
    setupError: error,
    ...(error === undefined && pushedSecretAddedAt !== undefined
      ? {
          webhookSecrets: expireSuperseded(
            connection.webhookSecrets,
            pushedSecretAddedAt,
            Date.now(),
          ),
        }
      : {}),
  });
}

export type ConnectedNumber = {
  kapsoCustomerId: string;
  providerPhoneNumberId: string;
  phoneNumber?: string;
  businessAccountId?: string;
};

/**
 * The provider reported a number connected for a customer (`whatsapp.phone_number.created`):
 * the oldest pending connection of that customer (or `only`, for a replayed event) becomes
 * `connected` and its message webhook is registered. Returns the connection (also when it was
 * connected already), or why none: no pending connection, or the number is connected by
 * another connection (a phone number id belongs to one connection at a time, across all
 * organizations).
 */
export async function markConnected(
  ctx: MutationCtx,
  number: ConnectedNumber,
  only?: Id<"whatsappConnections">,
): Promise<
  { connection: Connection } | { refused: "no_pending_connection" | "phone_number_taken" }
> {
  const candidates = (
    await ctx.db
      .query("whatsappConnections")
      .withIndex("by_kapsoCustomerId", (q) => q.eq("kapsoCustomerId", number.kapsoCustomerId))
      .take(100)
  ).filter((c) => only === undefined || c._id === only);
  const already = candidates.find(
    (c) => c.status === "connected" && c.providerPhoneNumberId === number.providerPhoneNumberId,
  );
  if (already) return { connection: already };
  const pending = candidates.find((c) => c.status === "pending_setup");
  if (!pending) return { refused: "no_pending_connection" };
  if ((await findConnectedByPhoneNumberId(ctx, number.providerPhoneNumberId)) !== null) {
    return { refused: "phone_number_taken" };
  }
  let phoneNumber: string | undefined;
  try {
    phoneNumber = number.phoneNumber ? normalizeBusinessNumber(number.phoneNumber) : undefined;
  } catch {
    phoneNumber = undefined;
  }
  const patch = {
    status: "connected" as const,
    providerPhoneNumberId: number.providerPhoneNumberId,
    ...(phoneNumber ? { phoneNumber } : {}),
    ...(number.businessAccountId ? { businessAccountId: number.businessAccountId } : {}),
    setupLinkUrl: undefined,
    setupError: undefined,
    lastConnectedAt: Date.now(),
  };
  await ctx.db.patch("whatsappConnections", pending._id, patch);
  await ctx.scheduler.runAfter(0, internal.whatsapp.provider.registerWebhook, {
    connectionId: pending._id,
  });
  return { connection: { ...pending, ...patch } };
}

/** The provider reported a number deleted (`whatsapp.phone_number.deleted`). */
export async function markDisconnected(ctx: MutationCtx, connection: Connection, at: number) {
  await ctx.db.patch("whatsappConnections", connection._id, {
    status: "disconnected",
    lastDisconnectedAt: at,
  });
}

/** A number stored as connected with the caller's ids and secret (the local demo's number). */
export async function insertConnectedNumber(
  ctx: MutationCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
  number: ConnectedNumber & {
    label: string;
    agentId: Id<"agents">;
    persona: string;
    webhookSecret: string;
  },
) {
  const now = Date.now();
  const { webhookSecret, ...fields } = number;
  return await ctx.db.insert("whatsappConnections", {
    organizationId: tenant.organizationId,
    environment: tenant.environment,
    ...fields,
    provider: "kapso",
    status: "connected",
    webhookSecrets: [{ secret: webhookSecret, addedAt: now }],
    pacing: { messagesPerSecond: DEFAULT_MESSAGES_PER_SECOND },
    createdAt: now,
    lastConnectedAt: now,
  });
}

/** A number's template sync: its state (keys set to undefined are cleared) and/or due time. */
export async function saveTemplateSync(
  ctx: MutationCtx,
  connection: Connection,
  change: { state?: TemplateSyncState; dueAt?: number },
) {
  const { state, dueAt } = change;
  await ctx.db.patch("whatsappConnections", connection._id, {
    ...(state !== undefined ? { templateSync: stripUndefined(state) as TemplateSyncState } : {}),
    ...(dueAt !== undefined ? { templateSyncDueAt: dueAt } : {}),
  });
}
