/**
 * What an agent sees of a thread's media: each media message described by its caption, file
 * name, type and size (with the id `media.view` takes when the agent may see images), and the
 * `media.view` tool itself, which reads a stored image of the run's own thread and hands it to
 * a vision-capable model as an image content part after the tool's result.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import type { ModelMessage } from "../agents/model";

/** Image types a vision model takes. */
const VIEWABLE = new Set(["image/jpeg", "image/png", "image/webp", "image/gif"]);
/** Messages searched for the customer's latest image when no id is given. */
const LOOKBACK = 50;

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function baseType(mimeType: string | undefined) {
  return (mimeType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * A message as the agent reads it: media gets its type and size, and — for an agent that may
 * view images and an image we stored — the id to pass to `media.view`. Other messages: content.
 */
export function contentForAgent(message: Doc<"messages">, vision: boolean): string {
  const media = message.channelData.media;
  const type = message.channelData.type;
  if (media === undefined || type === "audio" || type === "voice") return message.content;
  const details = [
    media.filename && !message.content.includes(media.filename) ? media.filename : undefined,
    media.mimeType ? baseType(media.mimeType) : undefined,
    media.size !== undefined ? sizeText(media.size) : undefined,
  ].filter(Boolean);
  const viewable =
    vision && media.storageId !== undefined && VIEWABLE.has(baseType(media.mimeType));
  if (viewable) details.push(`media_view id: ${message._id}`);
  return details.length > 0 ? `${message.content} (${details.join(", ")})` : message.content;
}

/** The stored image `media.view` shows: the given message of the run's thread, else the latest. */
export const viewable = internalQuery({
  args: { runId: v.id("agentRuns"), messageId: v.optional(v.string()) },
  returns: v.union(
    v.object({ storageId: v.id("_storage"), mimeType: v.string(), name: v.string() }),
    v.object({ error: v.string() }),
  ),
  handler: async (ctx, { runId, messageId }) => {
    const run = await ctx.db.get("agentRuns", runId);
    if (run === null) return { error: "The run is gone." };
    let candidates: Doc<"messages">[];
    if (messageId !== undefined) {
      const id = ctx.db.normalizeId("messages", messageId);
      const message = id === null ? null : await ctx.db.get("messages", id);
      if (message === null || message.threadId !== run.threadId) {
        return { error: "No such media in this conversation." };
      }
      candidates = [message];
    } else {
      candidates = await ctx.db
        .query("messages")
        .withIndex("by_threadId_and_seq", (q) => q.eq("threadId", run.threadId))
        .order("desc")
        .take(LOOKBACK);
    }
    const found = candidates.find((m) => m.channelData.media?.storageId !== undefined);
    const media = found?.channelData.media;
    if (found === undefined || media?.storageId === undefined) {
      return { error: "There is no stored media to view (it may be too large or expired)." };
    }
    const mimeType = baseType(media.mimeType);
    if (!VIEWABLE.has(mimeType)) {
      return { error: `Only images can be viewed; this is ${mimeType || "an unknown type"}.` };
    }
    const name = media.filename ?? media.caption ?? found.content;
    return { storageId: media.storageId, mimeType, name: name.slice(0, 200) };
  },
});

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** `media.view` on the turn's side: the tool's result, and the image as a data URL. */
export async function viewMedia(
  ctx: ActionCtx,
  runId: Doc<"agentRuns">["_id"],
  input: { messageId?: string },
): Promise<{ result: unknown; image?: string }> {
  const found = await ctx.runQuery(internal.media.view.viewable, { runId, ...input });
  if ("error" in found) return { result: found };
  const blob = await ctx.storage.get(found.storageId);
  if (blob === null) return { result: { error: "The stored copy is gone." } };
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return {
    result: { shown: found.name, note: "The image follows as the next message." },
    image: `data:${found.mimeType};base64,${base64(bytes)}`,
  };
}

/** The message that carries the images `media.view` fetched, right after the tool results. */
export function imagesMessage(images: string[]): ModelMessage {
  return {
    role: "user",
    content: [
      { type: "text", text: "(The media you asked to view.)" },
      ...images.map((url) => ({ type: "image_url" as const, image_url: { url } })),
    ],
  };
}
