/**
 * Voice-note transcription through the `openai` SDK's `audio.transcriptions.create` against
 * any OpenAI-compatible server (`TRANSCRIPTION_BASE_URL`, else the model server's). WhatsApp
 * voice notes are Ogg/Opus: they are uploaded as `voice.ogg`, since some models reject the same
 * bytes named `.opus` or `.oga`.
 */
import OpenAI, { toFile } from "openai";
import type { MediaConfig } from "../lib/config";

/** The upload name for a media type: the extension the transcription server decides by. */
export function transcriptionFilename(mimeType: string | undefined): string {
  const type = (mimeType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "audio/mpeg" || type === "audio/mp3") return "voice.mp3";
  if (type === "audio/mp4" || type === "audio/m4a" || type === "audio/x-m4a") return "voice.m4a";
  if (type === "audio/aac") return "voice.m4a";
  if (type === "audio/wav" || type === "audio/x-wav") return "voice.wav";
  if (type === "audio/webm") return "voice.webm";
  // Ogg/Opus (WhatsApp's voice notes), AMR and anything unknown.
  return "voice.ogg";
}

/** The words of one audio file; throws the server's error when it cannot be transcribed. */
export async function transcribeAudio(
  audio: Blob,
  mimeType: string | undefined,
  config: MediaConfig,
): Promise<string> {
  const client = new OpenAI({
    baseURL: config.transcriptionBaseUrl,
    apiKey: config.transcriptionApiKey,
    timeout: config.timeoutMs,
    maxRetries: 1,
  });
  const filename = transcriptionFilename(mimeType);
  const type = filename.endsWith(".ogg") ? "audio/ogg" : (mimeType ?? "").split(";")[0]!;
  const file = await toFile(audio, filename, { type });
  const result = await client.audio.transcriptions.create({
    file,
    model: config.transcriptionModel,
    response_format: "json",
  });
  return result.text.trim();
}
