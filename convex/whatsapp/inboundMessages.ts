/**
 * One parsed WhatsApp message of a verified delivery, stored: deduplicated by (connection,
 * provider message id) with an index read and the insert in the same transaction, the contact
 * got, created or re-keyed per memory pool (customers/contacts.ts), the thread got or created and
 * moved forward (inbox/threads.ts), and the turn to route named when the customer starts one. A
 * message the business sent from the WhatsApp Business app hands the thread to a person.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { applyIdentityChange, getOrCreateContact } from "../customers/contacts";
import { handOffToHuman } from "../inbox/handoff";
import { mergeRedelivery, startMediaWork } from "../media/transcripts";
import { insertMessage } from "../inbox/messages";
import { getOrCreateThread, recordThreadMessage, startTurn } from "../inbox/threads";
import type { ChannelData } from "../lib/validators";
import type { ParsedMessage } from "./payloads";
import { applyStatusUpdates, mergeStatus } from "./statuses";

type Connection = Doc<"whatsappConnections">;

/** Whether inbound on a connection is answered: enabled, and an agent, router or default. */
export type Handling = "active" | "disabled" | "no_handler";

/** What storing one message did; a dead letter names why nothing (or not all) was done. */
export type MessageOutcome = {
  stored: boolean;
  duplicate?: boolean;
  deadLetter?: { reason: string; detail: string };
  /** The turn this message started: the delivery routes each thread once, when it ends. */
  route?: { threadId: Id<"threads">; generation: number };
};

/** Why a message of a number in a disabled environment was not stored, and what to do. */
function disabledLetter(connection: Connection) {
  return {
    reason: "whatsapp_disabled",
    detail: `WhatsApp was off in ${connection.environment} when it arrived (number "${connection.label}"). Enable it, then replay.`,
  };
}

/** Why a stored message was not answered, and what to do. */
function noHandlerLetter(connection: Connection) {
  return {
    reason: "no_handler",
    detail: `Stored but not answered: number "${connection.label}" has no agent or router. Assign one, then replay.`,
  };
}

/**
 * Stores one message. `replay`: the delivery is replayed after a fix, so a customer message
 * stored earlier but never answered (no agent then) starts its turn now.
 */
export async function ingestMessage(
  ctx: MutationCtx,
  connection: Connection,
  handling: Handling,
  item: ParsedMessage,
  options: { receivedAt: number; replay: boolean },
): Promise<MessageOutcome> {
  const { receivedAt } = options;
  if (handling === "disabled") {
    return { stored: false, deadLetter: disabledLetter(connection) };
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
    // A voice note redelivered with the provider's transcript, which was late the first time.
    await mergeRedelivery(ctx, existing, item);
    const route =
      options.replay && handling === "active" && startsTurn(item)
        ? await unansweredTurn(ctx, existing)
        : undefined;
    return { stored: false, duplicate: true, ...(route ? { route } : {}) };
  }
  const found = await contactOf(ctx, connection, item, receivedAt);
  if ("missing" in found) return { stored: false, deadLetter: found.missing };
  const { contact, conflict } = found;
  const thread = await getOrCreateThread(ctx, connection, contact, receivedAt);
  const messageId = await insertMessage(ctx, {
    organizationId: connection.organizationId,
    environment: connection.environment,
    threadId: thread._id,
    connectionId: connection._id,
    role: item.role,
    content: item.content,
    channelData: channelDataOf(item),
    createdAt: item.timestamp,
  });
  // Media is fetched (and a voice note transcribed) right away: provider URLs expire.
  if (item.media !== undefined) await startMediaWork(ctx, messageId, receivedAt);
  const updated = await recordThreadMessage(ctx, thread, {
    at: item.timestamp,
    customer:
      item.direction === "inbound"
        ? { phoneNumber: contact.phoneNumber, contactName: item.contactName, bsuid: contact.bsuid }
        : undefined,
    startsTurn: startsTurn(item),
  });
  if (item.origin === "business_app") {
    // A person answered from the WhatsApp Business app: the AI steps aside (recorded in the
    // handoff history; a thread a human already owns only records the activity).
    await handOffToHuman(ctx, updated, {
      reason: "business_app_reply",
      by: { kind: "system" },
      now: receivedAt,
    });
  }
  if (conflict) return { stored: true, deadLetter: conflict };
  if (!startsTurn(item)) return { stored: true };
  if (handling === "no_handler") {
    return { stored: true, deadLetter: noHandlerLetter(connection) };
  }
  if (updated.owner !== "ai") return { stored: true };
  return { stored: true, route: { threadId: updated._id, generation: updated.generation } };
}

type DeadLetter = NonNullable<MessageOutcome["deadLetter"]>;

/**
 * The message's contact: re-keyed when WhatsApp reports a new identity (`conflict` when another
 * contact holds it already), else got or created; `missing` when the message names nobody.
 */
async function contactOf(
  ctx: MutationCtx,
  connection: Connection,
  item: ParsedMessage,
  receivedAt: number,
): Promise<{ contact: Doc<"contacts">; conflict?: DeadLetter } | { missing: DeadLetter }> {
  if (item.identityChange !== undefined) {
    const changed = await applyIdentityChange(ctx, connection, item.identityChange, receivedAt);
    const { contact } = changed;
    if (!changed.conflict) return { contact };
    const detail = `${contact._id} ${changed.conflict._id}`;
    return { contact, conflict: { reason: "identity_conflict", detail } };
  }
  if (!item.customerPhone && !item.bsuid) {
    return { missing: { reason: "missing_customer_identity", detail: item.providerMessageId } };
  }
  const contact = await getOrCreateContact(
    ctx,
    connection,
    {
      phoneNumber: item.customerPhone,
      bsuid: item.bsuid,
      name: item.direction === "inbound" ? item.contactName : undefined,
    },
    receivedAt,
  );
  return { contact };
}

function startsTurn(item: ParsedMessage) {
  return item.direction === "inbound" && item.role === "user" && item.triggersRouting;
}

/**
 * The turn of a stored customer message that nothing answered yet (no assistant or human
 * message after it, the AI owns the thread), started now; undefined when it was answered.
 */
async function unansweredTurn(ctx: MutationCtx, message: Doc<"messages">) {
  const thread = await ctx.db.get("threads", message.threadId);
  if (thread === null || thread.owner !== "ai") return undefined;
  const later = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) =>
      q.eq("threadId", message.threadId).gte("createdAt", message.createdAt),
    )
    .take(50);
  if (later.some((m) => m.role === "assistant" || m.role === "human")) return undefined;
  return { threadId: thread._id, generation: await startTurn(ctx, thread) };
}

function channelDataOf(item: ParsedMessage): ChannelData {
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
  return channelData;
}
