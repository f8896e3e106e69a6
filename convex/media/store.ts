/**
 * Stored copies of inbound media (Convex file storage, one `mediaFiles` row each, a table this
 * module owns) and the steps media/ingest.ts records through: what to download for a message,
 * the stored copy, a failed download, a transcript (the message itself changes through
 * inbox/messages.ts). Copies past `MEDIA_RETENTION_DAYS` are purged (ops/retention.ts); the
 * message keeps its metadata. Members read a copy through a short-lived storage URL.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { setChannelData } from "../inbox/messages";
import { getOwned, orgQuery } from "../lib/auth";
import { purgePage, type Purge } from "../lib/purge";
import { vMedia } from "../lib/validators";
import { isVoice, settleTranscript } from "./transcripts";

/** What media/ingest.ts needs of a message: its number, type, media, and whether to transcribe. */
export const job = internalQuery({
  args: { messageId: v.id("messages") },
  returns: v.union(
    v.null(),
    v.object({
      connectionId: v.id("whatsappConnections"),
      type: v.string(),
      media: vMedia,
      transcribe: v.boolean(),
    }),
  ),
  handler: async (ctx, { messageId }) => {
    const message = await ctx.db.get("messages", messageId);
    const media = message?.channelData.media;
    if (message === null || media === undefined) return null;
    return {
      connectionId: message.connectionId,
      type: message.channelData.type,
      media,
      transcribe: message.channelData.transcript?.status === "pending",
    };
  },
});

/** Records a downloaded copy; a message deleted meanwhile gets none (the file is removed). */
export const recordStored = internalMutation({
  args: {
    messageId: v.id("messages"),
    storageId: v.id("_storage"),
    mimeType: v.string(),
    size: v.number(),
  },
  returns: v.boolean(),
  handler: async (ctx, { messageId, storageId, mimeType, size }) => {
    const message = await ctx.db.get("messages", messageId);
    const media = message?.channelData.media;
    if (message === null || media === undefined || media.storageId !== undefined) {
      await ctx.storage.delete(storageId);
      return false;
    }
    await ctx.db.insert("mediaFiles", {
      organizationId: message.organizationId,
      environment: message.environment,
      messageId,
      storageId,
      mimeType,
      size,
      storedAt: Date.now(),
    });
    const { fetchError: _dropped, ...rest } = media;
    await setChannelData(ctx, messageId, {
      ...message.channelData,
      media: { ...rest, storageId, mimeType: rest.mimeType ?? mimeType, size: rest.size ?? size },
    });
    return true;
  },
});

/** A download that failed for good: kept on the media; a voice note's transcript fails too. */
export const recordFetchFailure = internalMutation({
  args: { messageId: v.id("messages"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { messageId, error }) => {
    const message = await ctx.db.get("messages", messageId);
    const media = message?.channelData.media;
    if (message === null || media === undefined) return null;
    const fetchError = error.slice(0, 500);
    await setChannelData(ctx, messageId, {
      ...message.channelData,
      media: { ...media, fetchError },
    });
    if (message.channelData.transcript?.status === "pending") {
      await settleTranscript(ctx, messageId, { fetchError });
    }
    return null;
  },
});

/** Our transcription of a voice note (or why it failed), unless its words are known already. */
export const recordTranscript = internalMutation({
  args: {
    messageId: v.id("messages"),
    text: v.optional(v.string()),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { messageId, text, error }) => {
    const message = await ctx.db.get("messages", messageId);
    if (message === null || !isVoice(message.channelData.type)) return null;
    if (message.channelData.transcript?.status !== "pending") return null;
    await settleTranscript(
      ctx,
      messageId,
      text !== undefined
        ? { text, source: "transcription" }
        : { error: error ?? "Transcription failed." },
    );
    return null;
  },
});

/** Deletes a stored copy: the file, its row, and the message's reference to it. */
export async function purgeMediaFile(ctx: MutationCtx, file: Doc<"mediaFiles">) {
  await ctx.storage.delete(file.storageId);
  await ctx.db.delete("mediaFiles", file._id);
  const message = await ctx.db.get("messages", file.messageId);
  const media = message?.channelData.media;
  if (message === null || media?.storageId !== file.storageId) return;
  const { storageId: _gone, ...rest } = media;
  await setChannelData(ctx, message._id, { ...message.channelData, media: rest });
}

/** Retention (ops/retention.ts): one page of copies stored before `cutoff`, each purged whole. */
export const purgeMediaOlderThan: Purge = async (ctx, cutoff, page) => {
  const files = await ctx.db
    .query("mediaFiles")
    .withIndex("by_storedAt", (q) => q.lt("storedAt", cutoff))
    .paginate(page);
  return await purgePage(files, (file) => purgeMediaFile(ctx, file));
};

/** A short-lived URL of a message's stored media copy (the dashboard shows or plays it). */
export const fileUrl = orgQuery({
  args: { messageId: v.id("messages") },
  returns: v.union(v.null(), v.string()),
  handler: async (ctx, { messageId }) => {
    const message = await getOwned(ctx, ctx.tenant, "messages", messageId);
    const storageId = message.channelData.media?.storageId;
    return storageId === undefined ? null : await ctx.storage.getUrl(storageId);
  },
});
