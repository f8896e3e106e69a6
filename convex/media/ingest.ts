"use node";
/**
 * Fetches an inbound message's media as soon as it is stored (Meta's URLs live minutes, its
 * media ids days): downloaded through the number's provider, kept in file storage, and a voice
 * note without the provider's transcript transcribed. Failures are retried a few times with
 * backoff; then the message records why (a voice note's transcript fails, so the agent reads
 * that it could not be transcribed instead of waiting).
 */
import { v } from "convex/values";
import type { FunctionReturnType } from "convex/server";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { backoffMs } from "../lib/backoff";
import { mediaConfig, type MediaConfig } from "../lib/config";
import { downloadProviderMedia, MediaRefused } from "../whatsapp/providerMedia";
import { transcribeAudio } from "./transcription";

/** Attempts of one message's download and transcription before it counts as failed. */
export const MEDIA_MAX_ATTEMPTS = 3;

type Job = NonNullable<FunctionReturnType<typeof internal.media.store.job>>;
type File = { blob: Blob; mimeType?: string };

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/** The message's stored copy, downloaded through its number's provider when there is none. */
async function storedCopy(
  ctx: ActionCtx,
  messageId: Id<"messages">,
  job: Job,
  config: MediaConfig,
): Promise<File> {
  if (job.media.storageId !== undefined) {
    const blob = await ctx.storage.get(job.media.storageId);
    if (blob !== null) return { blob, mimeType: job.media.mimeType };
  }
  const target = await ctx.runQuery(internal.whatsapp.connections.getProviderTarget, {
    connectionId: job.connectionId,
  });
  if (target === null) throw new MediaRefused("This number is not connected.");
  const downloaded = await downloadProviderMedia(target, job.media, config);
  const storageId = await ctx.storage.store(downloaded.blob);
  await ctx.runMutation(internal.media.store.recordStored, {
    messageId,
    storageId,
    mimeType: downloaded.mimeType ?? "application/octet-stream",
    size: downloaded.size,
  });
  return downloaded;
}

/** Downloads (and, for a pending voice note, transcribes) the media of one inbound message. */
export const fetchAndTranscribe = internalAction({
  args: { messageId: v.id("messages"), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { messageId, attempt }) => {
    const job = await ctx.runQuery(internal.media.store.job, { messageId });
    if (job === null) return null;
    const config = mediaConfig();
    let step: "download" | "transcription" = "download";
    try {
      const file = await storedCopy(ctx, messageId, job, config);
      if (!job.transcribe) return null;
      step = "transcription";
      const text = await transcribeAudio(file.blob, file.mimeType, config);
      await ctx.runMutation(internal.media.store.recordTranscript, { messageId, text });
    } catch (error) {
      if (!(error instanceof MediaRefused) && attempt < MEDIA_MAX_ATTEMPTS) {
        const delay = backoffMs(attempt, { baseMs: 1_000 });
        await ctx.scheduler.runAfter(delay, internal.media.ingest.fetchAndTranscribe, {
          messageId,
          attempt: attempt + 1,
        });
        return null;
      }
      const failure = `The ${step} failed: ${errorText(error)}`;
      await ctx.runMutation(
        step === "download"
          ? internal.media.store.recordFetchFailure
          : internal.media.store.recordTranscript,
        { messageId, error: failure },
      );
    }
    return null;
  },
});
