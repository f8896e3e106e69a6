/**
 * Inbound ingest: the one mutation each webhook delivery ends in. It records the delivery in
 * `webhookDeliveries`, then for every item: dedups messages by (connection, provider message id)
 * with an index read and the insert in this same transaction, gets or creates the contact (per
 * memory pool) and the thread (`whatsapp:{connectionId}:{contactKey}`), stores the message,
 * moves `channelParams.lastInboundAt` forward to the WhatsApp timestamp, and schedules routing;
 * applies or parks statuses, reconciles echoes, updates template states, and applies project
 * events. Whatever is not handled is recorded on the delivery with a reason, never dropped.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { contactKey, threadExternalId } from "./phone";
import {
  parseJsonObject,
  parseKapsoMessages,
  parseKapsoProject,
  parseMeta,
  type ParsedDelivery,
  type ParsedMessage,
  type ParsedProjectEvent,
  type ParsedStatus,
  type ParsedTemplateStatus,
} from "./payloads";
import {
  vDeliverySource,
  vDeliveryVerdict,
  type ChannelData,
  type DeliverySource,
  type DeliveryVerdict,
} from "../lib/validators";
import { routingDelayMs } from "../agents/routing";
import {
  applyPendingStatuses,
  applyStatusUpdates,
  findStatusTarget,
  isDuplicateStatus,
  mergeStatus,
  parkStatus,
} from "./statuses";
import { handOffToHuman } from "../inbox/handoff";
import { applyTemplateStatus } from "./templates";
import { findConnectedByPhoneNumberId, getIntegration } from "./connections";

/** Bodies up to this size are kept on deliveries that may need a replay. */
export const MAX_STORED_BODY = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Lookups the HTTP actions need before they can verify a signature.

/**
 * Connections a delivery may be for, with the secrets that verify it: active webhook secrets
 * for provider numbers, the app secret for Meta-direct numbers. Internal only.
 */
export const webhookCandidates = internalQuery({
  args: {
    phoneNumberIds: v.array(v.string()),
    businessAccountIds: v.array(v.string()),
    now: v.number(),
  },
  returns: v.array(
    v.object({
      connectionId: v.id("whatsappConnections"),
      provider: v.union(v.literal("kapso"), v.literal("meta")),
      secrets: v.array(v.string()),
    }),
  ),
  handler: async (ctx, { phoneNumberIds, businessAccountIds, now }) => {
    const found = new Map<Id<"whatsappConnections">, Doc<"whatsappConnections">>();
    for (const pnid of phoneNumberIds.slice(0, 20)) {
      const c = await findConnectedByPhoneNumberId(ctx, pnid);
      if (c !== null) found.set(c._id, c);
    }
    for (const waba of businessAccountIds.slice(0, 20)) {
      const rows = await ctx.db
        .query("whatsappConnections")
        .withIndex("by_businessAccountId", (q) => q.eq("businessAccountId", waba))
        .take(20);
      for (const c of rows) if (c.status === "connected") found.set(c._id, c);
    }
    return [...found.values()].map((c) => ({
      connectionId: c._id,
      provider: c.provider,
      secrets:
        c.provider === "meta"
          ? c.metaCredentials
            ? [c.metaCredentials.appSecret]
            : []
          : c.webhookSecrets
              .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
              .map((s) => s.secret),
    }));
  },
});

/** Meta's GET handshake: does some Meta-direct number use this verify token? */
export const metaVerifyTokenKnown = internalQuery({
  args: { verifyToken: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { verifyToken }) => {
    if (verifyToken === "") return false;
    const row = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_verifyToken", (q) => q.eq("metaCredentials.verifyToken", verifyToken))
      .first();
    return row !== null && row.provider === "meta";
  },
});

// ---------------------------------------------------------------------------------------------
// The ingest mutation.

const ingestArgs = {
  source: vDeliverySource,
  receivedAt: v.number(),
  body: v.string(),
  bodySha256: v.string(),
  headers: v.record(v.string(), v.string()),
  /** `accepted` when the signature matched; otherwise the rejection, recorded and nothing else. */
  verdict: vDeliveryVerdict,
  /** Connections whose secret verified this delivery: only their items are acted on. */
  verifiedConnectionIds: v.array(v.id("whatsappConnections")),
  /** Kapso project webhooks are verified by the deployment secret rather than a connection's. */
  projectVerified: v.optional(v.boolean()),
  /** Set by a replay: update this delivery instead of recording a new one. */
  deliveryId: v.optional(v.id("webhookDeliveries")),
};

export type IngestArgs = {
  source: DeliverySource;
  receivedAt: number;
  body: string;
  bodySha256: string;
  headers: Record<string, string>;
  verdict: DeliveryVerdict;
  verifiedConnectionIds: Id<"whatsappConnections">[];
  projectVerified?: boolean;
  deliveryId?: Id<"webhookDeliveries">;
};

const vIngestResult = v.object({
  deliveryId: v.id("webhookDeliveries"),
  verdict: vDeliveryVerdict,
  messages: v.number(),
  duplicates: v.number(),
  statuses: v.number(),
  ignored: v.number(),
  deadLetter: v.optional(v.string()),
});

export const ingest = internalMutation({
  args: ingestArgs,
  returns: vIngestResult,
  handler: (ctx, args) => ingestDelivery(ctx, args),
});

type Counts = { messages: number; duplicates: number; statuses: number; ignored: number };

/** Per-delivery state: counters, dead-letter reasons, and lookups cached for its items. */
class Delivery {
  counts: Counts = { messages: 0, duplicates: 0, statuses: 0, ignored: 0 };
  deadLetters: { reason: string; detail?: string }[] = [];
  tenant?: Pick<Doc<"whatsappConnections">, "organizationId" | "environment" | "_id">;
  private connections = new Map<string, Doc<"whatsappConnections"> | null>();
  private handlers = new Map<Id<"whatsappConnections">, "active" | "disabled" | "no_handler">();

  constructor(
    readonly ctx: MutationCtx,
    readonly args: IngestArgs,
  ) {}

  deadLetter(reason: string, detail?: string) {
    this.counts.ignored += 1;
    if (this.deadLetters.length < 20 && !this.deadLetters.some((d) => d.reason === reason)) {
      this.deadLetters.push({ reason, ...(detail !== undefined ? { detail } : {}) });
    }
  }

  /** The verified, connected connection of a phone number id, or null (reason recorded). */
  async connection(phoneNumberId: string): Promise<Doc<"whatsappConnections"> | null> {
    if (!this.connections.has(phoneNumberId)) {
      this.connections.set(
        phoneNumberId,
        await findConnectedByPhoneNumberId(this.ctx, phoneNumberId),
      );
    }
    const connection = this.connections.get(phoneNumberId) ?? null;
    if (connection === null) {
      this.deadLetter("unknown_connection", phoneNumberId);
      return null;
    }
    if (!this.args.verifiedConnectionIds.includes(connection._id)) {
      this.deadLetter("signature_not_for_connection", phoneNumberId);
      return null;
    }
    this.tenant ??= connection;
    return connection;
  }

  /** Whether inbound on this connection is handled: enabled, and an agent, router or default. */
  async handling(connection: Doc<"whatsappConnections">) {
    let state = this.handlers.get(connection._id);
    if (state === undefined) {
      const config = await getIntegration(this.ctx, connection);
      if (config === null || config.status !== "active") state = "disabled";
      else if (connection.agentId || connection.routerId || config.defaultAgentId) state = "active";
      else state = "no_handler";
      this.handlers.set(connection._id, state);
    }
    return state;
  }
}

/** The plain helper behind `ingest` (tests call it inside `t.run` to measure a transaction). */
export async function ingestDelivery(ctx: MutationCtx, args: IngestArgs) {
  const delivery = new Delivery(ctx, args);
  let verdict = args.verdict;
  let eventType: string | undefined;
  if (verdict === "accepted") {
    const json = parseJsonObject(args.body);
    if (json === null) {
      verdict = "malformed";
      delivery.deadLetter("malformed_json");
    } else {
      const parsed = parse(args, json);
      eventType = parsed.eventType;
      await processItems(delivery, parsed);
    }
  } else {
    delivery.deadLetter(verdict);
  }
  const deadLetter = summarize(delivery.deadLetters);
  const accepted = verdict === "accepted";
  const keepBody = (!accepted || deadLetter !== undefined) && args.body.length <= MAX_STORED_BODY;
  const failed = !accepted || deadLetter !== undefined;
  const fields = {
    verdict,
    eventType,
    counts: delivery.counts,
    deadLetter,
    failed,
    ...(delivery.tenant
      ? {
          organizationId: delivery.tenant.organizationId,
          environment: delivery.tenant.environment,
          connectionId: delivery.tenant._id,
        }
      : {}),
  };
  let deliveryId: Id<"webhookDeliveries">;
  if (args.deliveryId !== undefined) {
    const original = await ctx.db.get("webhookDeliveries", args.deliveryId);
    if (original === null) throw new Error("Replayed delivery no longer exists.");
    await ctx.db.patch("webhookDeliveries", args.deliveryId, {
      ...fields,
      replays: original.replays + 1,
      ...(failed ? {} : { resolvedAt: args.receivedAt }),
    });
    deliveryId = args.deliveryId;
  } else {
    deliveryId = await ctx.db.insert("webhookDeliveries", {
      source: args.source,
      receivedAt: args.receivedAt,
      idempotencyKey: args.headers["x-idempotency-key"],
      bodySha256: args.bodySha256,
      ...(keepBody ? { body: args.body } : {}),
      headers: args.headers,
      replays: 0,
      ...fields,
    });
  }
  return { deliveryId, verdict, ...delivery.counts, deadLetter: deadLetter?.reason };
}

function summarize(reasons: { reason: string; detail?: string }[]) {
  if (reasons.length === 0) return undefined;
  const [first, ...rest] = reasons;
  const detail = [
    first!.detail,
    ...rest.map((r) => (r.detail ? `${r.reason}: ${r.detail}` : r.reason)),
  ]
    .filter((d): d is string => d !== undefined)
    .join("; ")
    .slice(0, 2000);
  return { reason: first!.reason, ...(detail ? { detail } : {}) };
}

function parse(args: IngestArgs, json: Record<string, unknown>): ParsedDelivery {
  const event = args.headers["x-webhook-event"];
  switch (args.source) {
    case "kapso_messages":
      return parseKapsoMessages(
        json,
        { event, batch: args.headers["x-webhook-batch"] },
        args.receivedAt,
      );
    case "kapso_project":
      return parseKapsoProject(json, event);
    case "meta":
      return parseMeta(json, args.receivedAt);
  }
}

async function processItems(delivery: Delivery, parsed: ParsedDelivery) {
  for (const item of parsed.items) {
    switch (item.kind) {
      case "message":
        await ingestMessage(delivery, item);
        break;
      case "status":
        await ingestStatus(delivery, item);
        break;
      case "template":
        await ingestTemplateStatus(delivery, item);
        break;
      case "project":
        await ingestProjectEvent(delivery, item);
        break;
      case "ignored":
        if (item.deadLetter) delivery.deadLetter(item.reason, item.detail);
        else delivery.counts.ignored += 1;
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Messages.

async function ingestMessage(delivery: Delivery, item: ParsedMessage) {
  const { ctx } = delivery;
  const connection = await delivery.connection(item.phoneNumberId);
  if (connection === null) return;
  const handling = await delivery.handling(connection);
  if (handling === "disabled") {
    delivery.deadLetter("whatsapp_disabled", connection._id);
    return;
  }
  // Dedup: this index read and the insert below commit together (serializable), so a
  // redelivery — concurrent or days later — finds the row and changes nothing.
  const existing = await ctx.db
    .query("messages")
    .withIndex("by_connectionId_and_providerMessageId", (q) =>
      q
        .eq("connectionId", connection._id)
        .eq("channelData.providerMessageId", item.providerMessageId),
    )
    .first();
  if (existing !== null) {
    // An echo of our own send (or a redelivery): reconcile statuses, create nothing.
    if (item.statuses.length > 0) await applyStatusUpdates(ctx, existing, item.statuses);
    delivery.counts.duplicates += 1;
    return;
  }
  if (!item.customerPhone && !item.bsuid) {
    delivery.deadLetter("missing_customer_identity", item.providerMessageId);
    return;
  }
  const contact = await getOrCreateContact(ctx, connection, item, delivery.args.receivedAt);
  const thread = await getOrCreateThread(ctx, connection, contact, delivery.args.receivedAt);

  let channelData: ChannelData = {
    channel: "whatsapp",
    direction: item.direction,
    type: item.type,
    providerMessageId: item.providerMessageId,
    status: item.direction === "inbound" ? "received" : "sent",
    statusTimestamps: item.direction === "inbound" ? {} : { sentAt: item.timestamp },
    origin: item.origin,
    whatsappTimestamp: item.timestamp,
    ...(item.media && Object.keys(item.media).length > 0 ? { media: item.media } : {}),
    ...(item.payload !== undefined ? { payload: item.payload } : {}),
    ...(item.contextMessageId !== undefined ? { contextMessageId: item.contextMessageId } : {}),
  };
  for (const update of item.statuses) channelData = mergeStatus(channelData, update);
  await ctx.db.insert("messages", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    threadId: thread._id,
    connectionId: connection._id,
    role: item.role,
    content: item.content,
    channelData,
    createdAt: item.timestamp,
  });
  delivery.counts.messages += 1;

  const patch: Partial<Doc<"threads">> = {
    lastMessageAt: Math.max(thread.lastMessageAt, item.timestamp),
  };
  if (item.direction === "inbound") {
    const params = thread.channelParams;
    patch.channelParams = {
      ...params,
      ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
      ...(item.contactName ? { contactName: item.contactName } : {}),
      ...(contact.bsuid ? { bsuid: contact.bsuid } : {}),
      // The 24-hour window starts at WhatsApp's timestamp; a late redelivery never moves it back.
      lastInboundAt: Math.max(params.lastInboundAt ?? 0, item.timestamp),
    };
  }
  let schedule = false;
  if (item.direction === "inbound" && item.role === "user" && item.triggersRouting) {
    patch.generation = thread.generation + 1;
    if (handling === "no_handler") delivery.deadLetter("no_handler", connection._id);
    schedule = handling === "active" && thread.owner === "ai";
  }
  await ctx.db.patch("threads", thread._id, patch);
  if (item.origin === "business_app") {
    // A person answered from the WhatsApp Business app: the AI steps aside (recorded in the
    // handoff history; a thread a human already owns only records the activity).
    await handOffToHuman(
      ctx,
      { ...thread, ...patch },
      {
        reason: "business_app_reply",
        by: { kind: "system" },
        now: delivery.args.receivedAt,
      },
    );
  }
  if (schedule) {
    await ctx.scheduler.runAfter(routingDelayMs(), internal.agents.routing.route, {
      threadId: thread._id,
      generation: patch.generation!,
    });
  }
}

function poolKeyOf(connection: Doc<"whatsappConnections">) {
  return connection.memoryPoolId
    ? `pool:${connection.memoryPoolId}`
    : `connection:${connection._id}`;
}

async function getOrCreateContact(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  item: ParsedMessage,
  now: number,
): Promise<Doc<"contacts">> {
  const poolKey = poolKeyOf(connection);
  const org = connection.organizationId;
  let contact: Doc<"contacts"> | null = null;
  if (item.customerPhone) {
    contact = await ctx.db
      .query("contacts")
      .withIndex("by_organizationId_and_poolKey_and_phoneNumber", (q) =>
        q.eq("organizationId", org).eq("poolKey", poolKey).eq("phoneNumber", item.customerPhone),
      )
      .first();
  }
  if (contact === null && item.bsuid) {
    contact = await ctx.db
      .query("contacts")
      .withIndex("by_organizationId_and_poolKey_and_bsuid", (q) =>
        q.eq("organizationId", org).eq("poolKey", poolKey).eq("bsuid", item.bsuid),
      )
      .first();
  }
  const name = item.direction === "inbound" ? item.contactName : undefined;
  if (contact === null) {
    const id = await ctx.db.insert("contacts", {
      organizationId: org,
      environment: connection.environment,
      poolKey,
      phoneNumber: item.customerPhone,
      bsuid: item.bsuid,
      name,
      attributes: {},
      createdAt: now,
      updatedAt: now,
    });
    return (await ctx.db.get("contacts", id))!;
  }
  const update: Partial<Doc<"contacts">> = {};
  if (!contact.phoneNumber && item.customerPhone) update.phoneNumber = item.customerPhone;
  if (!contact.bsuid && item.bsuid) update.bsuid = item.bsuid;
  if (name && contact.name !== name) update.name = name;
  if (Object.keys(update).length > 0) {
    await ctx.db.patch("contacts", contact._id, { ...update, updatedAt: now });
    contact = { ...contact, ...update };
  }
  return contact;
}

async function getOrCreateThread(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  contact: Doc<"contacts">,
  now: number,
): Promise<Doc<"threads">> {
  const externalId = threadExternalId(connection._id, contactKey(contact)!);
  const existing = await ctx.db
    .query("threads")
    .withIndex("by_externalId", (q) => q.eq("externalId", externalId))
    .first();
  if (existing !== null) return existing;
  const id = await ctx.db.insert("threads", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    connectionId: connection._id,
    contactId: contact._id,
    channel: "whatsapp",
    externalId,
    channelParams: {
      ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
      ...(contact.name ? { contactName: contact.name } : {}),
      ...(contact.bsuid ? { bsuid: contact.bsuid } : {}),
    },
    owner: "ai",
    ownerChangedAt: now,
    generation: 0,
    lastMessageAt: 0,
    createdAt: now,
  });
  return (await ctx.db.get("threads", id))!;
}

// ---------------------------------------------------------------------------------------------
// Statuses, templates, project events.

async function ingestStatus(delivery: Delivery, item: ParsedStatus) {
  const { ctx } = delivery;
  const connection = await delivery.connection(item.phoneNumberId);
  if (connection === null) return;
  const target = await findStatusTarget(
    ctx,
    connection._id,
    item.providerMessageId,
    item.update.bizOpaqueCallbackData,
  );
  if (target === null) {
    const { parked } = await parkStatus(
      ctx,
      connection,
      item.providerMessageId,
      item.update,
      delivery.args.receivedAt,
    );
    if (parked) delivery.counts.statuses += 1;
    else delivery.counts.duplicates += 1;
    return;
  }
  if (target.channelData.direction !== "outbound") {
    delivery.counts.ignored += 1;
    return;
  }
  if (isDuplicateStatus(target.channelData, item.update)) {
    delivery.counts.duplicates += 1;
    return;
  }
  await applyStatusUpdates(ctx, target, [item.update]);
  delivery.counts.statuses += 1;
  const fresh = await ctx.db.get("messages", target._id);
  if (fresh !== null) await applyPendingStatuses(ctx, fresh);
}

async function ingestTemplateStatus(delivery: Delivery, item: ParsedTemplateStatus) {
  const changed = await applyTemplateStatus(
    delivery.ctx,
    {
      businessAccountId: item.businessAccountId,
      providerTemplateId: item.providerTemplateId,
      name: item.name,
      language: item.language,
      status: item.status,
      reason: item.reason,
      at: delivery.args.receivedAt,
    },
    delivery.args.verifiedConnectionIds,
  );
  const first = changed[0];
  if (first === undefined) {
    delivery.deadLetter("unknown_template", item.name ?? item.providerTemplateId);
    return;
  }
  delivery.tenant ??= {
    organizationId: first.organizationId,
    environment: first.environment,
    _id: first.connectionId,
  };
  delivery.counts.statuses += 1;
}

async function ingestProjectEvent(delivery: Delivery, item: ParsedProjectEvent) {
  const { ctx } = delivery;
  if (delivery.args.projectVerified !== true) {
    delivery.deadLetter("project_event_not_verified", item.event);
    return;
  }
  if (item.event === "whatsapp.phone_number.created") {
    if (!item.customerId || !item.phoneNumberId) {
      delivery.deadLetter("invalid_project_event", item.event);
      return;
    }
    const connectionId = await ctx.runMutation(internal.whatsapp.connections.markConnected, {
      kapsoCustomerId: item.customerId,
      providerPhoneNumberId: item.phoneNumberId,
      phoneNumber: item.displayPhoneNumber,
      businessAccountId: item.businessAccountId,
    });
    if (connectionId === null) {
      delivery.deadLetter("no_pending_connection", item.customerId);
      return;
    }
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection) delivery.tenant ??= connection;
    delivery.counts.statuses += 1;
    return;
  }
  if (item.event === "whatsapp.phone_number.deleted") {
    const connection = item.phoneNumberId
      ? await findConnectedByPhoneNumberId(ctx, item.phoneNumberId)
      : null;
    if (connection === null) {
      delivery.counts.ignored += 1;
      return;
    }
    delivery.tenant ??= connection;
    await ctx.db.patch("whatsappConnections", connection._id, {
      status: "disconnected",
      lastDisconnectedAt: delivery.args.receivedAt,
    });
    delivery.counts.statuses += 1;
    return;
  }
  delivery.counts.ignored += 1;
}
