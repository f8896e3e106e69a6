/**
 * The life of an inbound message's media and a voice note's words, as database steps: when the
 * message is stored its transcript is taken from the provider or marked pending and the download
 * is scheduled (media/ingest.ts); a provider transcript that arrives with a later redelivery
 * is merged in; a transcript (or its failure) replaces the placeholder the agent reads; and an
 * agent turn whose burst holds a pending voice note waits for it, within a bound.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { TurnArgs } from "../agents/turnSteps";
import { setChannelData } from "../inbox/messages";
import { refreshMessagePreview } from "../inbox/threads";
import { mediaConfig } from "../lib/config";
import type { Transcript } from "../lib/validators";
import { VOICE_PENDING } from "../whatsapp/messageContent";
import type { ParsedMessage } from "../whatsapp/payloads";

/** What the agent reads for a voice note whose words could not be had. */
export const VOICE_FAILED = "[Voice message: could not be transcribed]";

const VOICE_TYPES = new Set(["audio", "voice"]);
/** Types whose file is downloaded and kept (videos and stickers keep their metadata only). */
const STORED_TYPES = new Set(["image", "document", "audio", "voice"]);

export function isVoice(type: string): boolean {
  return VOICE_TYPES.has(type);
}

function providerTranscribed(payload: unknown): boolean {
  return (payload as { transcribed?: unknown } | undefined)?.transcribed === true;
}

/** The transcript a voice note starts with: the provider's, pending, or off. */
function initialTranscript(message: Doc<"messages">, now: number): Transcript {
  if (providerTranscribed(message.channelData.payload)) {
    const text = message.content;
    return { status: "completed", source: "provider", text, requestedAt: now, completedAt: now };
  }
  if (mediaConfig().transcriptionModel === "off") {
    const error = "Transcription is off on this deployment.";
    return { status: "failed", error, requestedAt: now, completedAt: now };
  }
  return { status: "pending", requestedAt: now };
}

/**
 * After an inbound message is stored: a voice note gets its transcript state, and the file of a
 * stored type is scheduled for download (and transcription) unless it is known to be too large.
 */
export async function startMediaWork(ctx: MutationCtx, messageId: Id<"messages">, now: number) {
  const message = await ctx.db.get("messages", messageId);
  if (message === null || message.channelData.direction !== "inbound") return;
  const { type, media } = message.channelData;
  if (!STORED_TYPES.has(type) || media === undefined) return;
  const transcript = isVoice(type) ? initialTranscript(message, now) : undefined;
  const { maxBytes } = mediaConfig();
  const fetchError =
    media.size !== undefined && media.size > maxBytes
      ? `The file is ${media.size} bytes, over the ${maxBytes}-byte limit.`
      : media.providerMediaId === undefined && media.url === undefined
        ? "The message names no media to download."
        : undefined;
  await setChannelData(
    ctx,
    messageId,
    {
      ...message.channelData,
      media: fetchError ? { ...media, fetchError } : media,
      ...(transcript ? { transcript } : {}),
    },
    transcript?.status === "failed" ? VOICE_FAILED : undefined,
  );
  if (fetchError !== undefined) {
    if (transcript?.status === "pending") await settleTranscript(ctx, messageId, { fetchError });
    return;
  }
  await ctx.scheduler.runAfter(0, internal.media.ingest.fetchAndTranscribe, {
    messageId,
    attempt: 1,
  });
}

/**
 * A redelivery of a stored voice note that now carries the provider's transcript: merged into
 * the message (content and transcript) unless its words are already known.
 */
export async function mergeRedelivery(
  ctx: MutationCtx,
  existing: Doc<"messages">,
  item: ParsedMessage,
) {
  if (!isVoice(item.type) || !providerTranscribed(item.payload)) return;
  if (existing.channelData.transcript?.status === "completed") return;
  await settleTranscript(ctx, existing._id, { text: item.content, source: "provider" });
}

export type TranscriptOutcome =
  | { text: string; source: "provider" | "transcription" }
  | { error: string }
  | { fetchError: string };

/**
 * Records a voice note's words (or why there are none): the transcript replaces the placeholder
 * the agent reads, the thread's preview shows it while the note is the newest message, and a
 * turn that waits for it is started again now.
 */
export async function settleTranscript(
  ctx: MutationCtx,
  messageId: Id<"messages">,
  outcome: TranscriptOutcome,
) {
  const message = await ctx.db.get("messages", messageId);
  if (message === null) return;
  const now = Date.now();
  const previous = message.channelData.transcript;
  const text = "text" in outcome ? outcome.text.trim() : "";
  const error =
    "error" in outcome
      ? outcome.error
      : "fetchError" in outcome
        ? outcome.fetchError
        : "No speech was recognised.";
  const transcript: Transcript = {
    requestedAt: previous?.requestedAt ?? now,
    completedAt: now,
    ...(text
      ? { status: "completed", text, source: "text" in outcome ? outcome.source : "transcription" }
      : { status: "failed", error: error.slice(0, 500) }),
  };
  const placeholder = message.content === VOICE_PENDING || message.content === VOICE_FAILED;
  await setChannelData(
    ctx,
    messageId,
    { ...message.channelData, transcript },
    placeholder || text ? text || VOICE_FAILED : undefined,
  );
  if (text) await refreshMessagePreview(ctx, message);
  if (previous?.awaitedBy !== undefined) {
    await ctx.scheduler.runAfter(0, internal.agents.turn.run, {
      threadId: message.threadId,
      generation: previous.awaitedBy,
    });
  }
}

/**
 * Holds a turn while a voice note of its burst is still being transcribed, until
 * `VOICE_TRANSCRIPT_WAIT_MS` after the newest one arrived: the notes are marked as awaited (so
 * their transcript starts the turn again at once) and the turn is scheduled again at the
 * deadline, where it goes on with whatever is known. Returns the wait (0: go on now).
 */
export async function waitForVoiceTranscripts(
  ctx: MutationCtx,
  args: TurnArgs,
  burst: Doc<"messages">[],
): Promise<number> {
  const pending = burst.filter((m) => m.channelData.transcript?.status === "pending");
  if (pending.length === 0) return 0;
  const newest = Math.max(...pending.map((m) => m.channelData.transcript!.requestedAt));
  const wait = newest + mediaConfig().transcriptWaitMs - Date.now();
  if (wait <= 0) return 0;
  for (const message of pending) {
    const transcript = message.channelData.transcript!;
    if (transcript.awaitedBy === args.generation) continue;
    await setChannelData(ctx, message._id, {
      ...message.channelData,
      transcript: { ...transcript, awaitedBy: args.generation },
    });
  }
  await ctx.scheduler.runAfter(wait, internal.agents.turn.run, args);
  return wait;
}
