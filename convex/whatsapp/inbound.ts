/**
 * Inbound processing of one verified webhook delivery: parse it, then act on every item with
 * the helpers of the modules that own the rows: messages through inboundMessages.ts, statuses
 * through `statuses.ingestStatus`, template events through templateEvents.ts, and project
 * events through connectionStore.ts. Whatever is not handled comes back as a dead
 * letter with its reason, never dropped; deliveries.ts records the outcome on the delivery.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { routingDelayMs } from "../agents/turn";
import { vDeliverySource, vDeliveryVerdict, type DeliveryVerdict } from "../lib/validators";
import { findConnectedByPhoneNumberId, markConnected, markDisconnected } from "./connectionStore";
import { parseDelivery } from "./deliveryItems";
import { ingestMessage, type Handling } from "./inboundMessages";
import { getIntegration } from "./integration";
import {
  parseJsonObject,
  type ParsedDelivery,
  type ParsedItem,
  type ParsedProjectEvent,
  type ParsedStatus,
  type ParsedTemplateEvent,
} from "./payloads";
import { ingestStatus } from "./statuses";
import { applyTemplateEvent } from "./templateEvents";

/** One delivery as the webhook routes (and replays) hand it over: raw body and verdict. */
export const vIngestArgs = v.object({
  source: vDeliverySource,
  receivedAt: v.number(),
  body: v.string(),
  /** SHA-256 of the raw body; not computed on the verified path, where nothing needs it. */
  bodySha256: v.optional(v.string()),
  headers: v.record(v.string(), v.string()),
  /** `accepted` when the signature matched; otherwise the rejection, recorded and nothing else. */
  verdict: vDeliveryVerdict,
  /** Connections whose secret verified this delivery: only their items are acted on. */
  verifiedConnectionIds: v.array(v.id("whatsappConnections")),
  /** Kapso project webhooks are verified by the deployment secret rather than a connection's. */
  projectVerified: v.optional(v.boolean()),
  /** Set by a replay: update this delivery instead of recording a new one. */
  deliveryId: v.optional(v.id("webhookDeliveries")),
  /**
   * The body's items as the HTTP action parsed them (`ParsedItem`s, all or one chunk's), so the
   * body is parsed once; absent on replays, which parse `body`. Only our own action sets it.
   */
  parsed: v.optional(v.object({ eventType: v.optional(v.string()), items: v.array(v.any()) })),
  /** A later chunk: adds its outcome to `deliveryId` (recorded by an earlier chunk). */
  append: v.optional(v.boolean()),
});
export type IngestArgs = Infer<typeof vIngestArgs>;

export type Counts = { messages: number; duplicates: number; statuses: number; ignored: number };
export type DeadLetter = { reason: string; detail?: string };
export type DeliveryTenant = Pick<
  Doc<"whatsappConnections">,
  "organizationId" | "environment" | "_id"
>;

/** What processing a delivery did: the verdict after parsing, counts, dead letters, tenant. */
export type Processed = {
  verdict: DeliveryVerdict;
  eventType?: string;
  counts: Counts;
  deadLetters: DeadLetter[];
  /** The connection the delivery turned out to be for (the first one an item named). */
  tenant?: DeliveryTenant;
};

/** Per-delivery state: counters, dead-letter reasons, and lookups cached for its items. */
class Delivery {
  counts: Counts = { messages: 0, duplicates: 0, statuses: 0, ignored: 0 };
  deadLetters: DeadLetter[] = [];
  tenant?: DeliveryTenant;
  /** Threads whose turn a message started, with the generation to route: once per thread. */
  routes = new Map<Id<"threads">, number>();
  private connections = new Map<string, Doc<"whatsappConnections"> | null>();
  private handlers = new Map<Id<"whatsappConnections">, Handling>();

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

  /**
   * The connection a replayed project event was recorded for: a replay acts on it alone, never
   * on whichever connection holds the number now. Undefined for a live project delivery.
   */
  projectConnection(): Id<"whatsappConnections"> | undefined {
    return this.args.verifiedConnectionIds[0];
  }

  /** Whether inbound on this connection is handled: enabled, and an agent, router or default. */
  async handling(connection: Doc<"whatsappConnections">): Promise<Handling> {
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

/** Parses and acts on a delivery; a rejected one (`verdict` not accepted) is only a dead letter. */
export async function processDelivery(ctx: MutationCtx, args: IngestArgs): Promise<Processed> {
  const delivery = new Delivery(ctx, args);
  let verdict = args.verdict;
  let eventType: string | undefined;
  if (verdict !== "accepted") {
    delivery.deadLetter(verdict);
  } else {
    const json = args.parsed === undefined ? parseJsonObject(args.body) : null;
    const parsed: ParsedDelivery | null =
      args.parsed !== undefined
        ? { eventType: args.parsed.eventType, items: args.parsed.items as ParsedItem[] }
        : json && parseDelivery(args.source, json, args.headers, args.receivedAt);
    if (parsed === null) {
      verdict = "malformed";
      delivery.deadLetter("malformed_json");
    } else {
      eventType = parsed.eventType;
      for (const item of parsed.items) await processItem(delivery, item);
    }
  }
  for (const [threadId, generation] of delivery.routes) {
    await ctx.scheduler.runAfter(routingDelayMs(), internal.agents.turn.run, {
      threadId,
      generation,
    });
  }
  const { counts, deadLetters, tenant } = delivery;
  return { verdict, eventType, counts, deadLetters, tenant };
}

async function processItem(delivery: Delivery, item: ParsedItem) {
  switch (item.kind) {
    case "message": {
      const connection = await delivery.connection(item.phoneNumberId);
      if (connection === null) return;
      const handling = await delivery.handling(connection);
      const { receivedAt, deliveryId, append } = delivery.args;
      const outcome = await ingestMessage(delivery.ctx, connection, handling, item, {
        receivedAt,
        replay: deliveryId !== undefined && append !== true,
      });
      if (outcome.stored) delivery.counts.messages += 1;
      if (outcome.duplicate) delivery.counts.duplicates += 1;
      if (outcome.deadLetter)
        delivery.deadLetter(outcome.deadLetter.reason, outcome.deadLetter.detail);
      if (outcome.route) delivery.routes.set(outcome.route.threadId, outcome.route.generation);
      return;
    }
    case "status":
      return await processStatus(delivery, item);
    case "template":
      return await processTemplateEvent(delivery, item);
    case "project":
      return await processProjectEvent(delivery, item);
    case "ignored":
      if (item.deadLetter) delivery.deadLetter(item.reason, item.detail);
      else delivery.counts.ignored += 1;
      return;
  }
}

async function processStatus(delivery: Delivery, item: ParsedStatus) {
  const connection = await delivery.connection(item.phoneNumberId);
  if (connection === null) return;
  const outcome = await ingestStatus(delivery.ctx, connection, {
    providerMessageId: item.providerMessageId,
    update: item.update,
    receivedAt: delivery.args.receivedAt,
  });
  if (outcome === "applied" || outcome === "parked") delivery.counts.statuses += 1;
  else if (outcome === "duplicate") delivery.counts.duplicates += 1;
  else delivery.counts.ignored += 1;
}

async function processTemplateEvent(delivery: Delivery, item: ParsedTemplateEvent) {
  const outcome = await applyTemplateEvent(
    delivery.ctx,
    item,
    delivery.args.verifiedConnectionIds,
    delivery.args.receivedAt,
  );
  const first = outcome.connections[0];
  if (first === undefined) {
    delivery.deadLetter("unknown_template", item.name ?? item.providerTemplateId);
    return;
  }
  delivery.tenant ??= first;
  delivery.counts.statuses += 1;
}

/** Project events: a number connected (`phone_number.created`) or deleted at the provider. */
async function processProjectEvent(delivery: Delivery, item: ParsedProjectEvent) {
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
    const connected = await markConnected(
      ctx,
      {
        kapsoCustomerId: item.customerId,
        providerPhoneNumberId: item.phoneNumberId,
        phoneNumber: item.displayPhoneNumber,
        businessAccountId: item.businessAccountId,
      },
      delivery.projectConnection(),
    );
    if ("refused" in connected) {
      delivery.deadLetter(connected.refused, `${item.customerId} ${item.phoneNumberId}`);
      return;
    }
    const { connection } = connected;
    delivery.tenant ??= connection;
    delivery.counts.statuses += 1;
    return;
  }
  if (item.event === "whatsapp.phone_number.deleted") {
    const connection = item.phoneNumberId
      ? await findConnectedByPhoneNumberId(ctx, item.phoneNumberId)
      : null;
    const only = delivery.projectConnection();
    if (connection === null || (only !== undefined && connection._id !== only)) {
      delivery.counts.ignored += 1;
      return;
    }
    delivery.tenant ??= connection;
    await markDisconnected(ctx, connection, delivery.args.receivedAt);
    delivery.counts.statuses += 1;
    return;
  }
  delivery.counts.ignored += 1;
}
