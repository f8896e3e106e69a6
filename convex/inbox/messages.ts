/**
 * Messages (`messages`), which this module owns: inbound ingest (whatsapp/inboundMessages.ts)
 * and outbound queueing (outbound/sends.ts) store them through `insertMessage`, which numbers
 * each one in its thread's arrival order and updates the thread's preview and unread count; delivery statuses, the send lifecycle and media
 * (copies, transcripts) change a message's WhatsApp details through `setChannelData`.
 */
import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { ChannelData } from "../lib/validators";
import { recordMessageArrival } from "./threads";

/** A new message: every field but its arrival number (`seq`), which is stamped here. */
export type NewMessage = Omit<WithoutSystemFields<Doc<"messages">>, "seq">;

/**
 * Stores a message on its thread with the next arrival number of the thread, in the same
 * transaction, so a thread's messages are numbered in the order they were stored, whatever
 * their timestamps say. The one place messages are added: the thread's preview and unread
 * count (threads.ts) move with it.
 */
export async function insertMessage(ctx: MutationCtx, message: NewMessage) {
  const seq = await recordMessageArrival(ctx, message);
  return await ctx.db.insert("messages", { ...message, seq });
}

/**
 * A message's WhatsApp details changed (delivery status, provider ids, media copy, transcript)
 * and, when given, the text people and agents read (a voice note's words replacing its
 * placeholder).
 */
export async function setChannelData(
  ctx: MutationCtx,
  messageId: Id<"messages">,
  channelData: ChannelData,
  content?: string,
) {
  await ctx.db.patch("messages", messageId, {
    channelData,
    ...(content !== undefined ? { content } : {}),
  });
}
