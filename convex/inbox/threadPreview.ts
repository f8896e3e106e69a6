/**
 * What the inbox list shows of a thread's newest message: who wrote it, a one-line text cut to
 * `PREVIEW_LENGTH` characters (or a label for media, voice notes and templates; a voice note's
 * words once known) and when. Pure: threads.ts keeps it on the thread as each message is stored
 * (and as a voice note's transcript arrives), so the list reads no messages.
 */
import type { Doc } from "../_generated/dataModel";
import type { LastMessage } from "../lib/validators";

/** Longest preview, in characters (an emoji counts as one), the ellipsis included. */
export const PREVIEW_LENGTH = 120;

const MEDIA_LABELS: Record<string, string> = {
  image: "Image",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
  audio: "Audio",
};

type PreviewedMessage = Pick<Doc<"messages">, "role" | "content" | "channelData" | "createdAt">;

/** One line: whitespace collapsed, cut on a character boundary with an ellipsis. */
function oneLine(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  if (chars.length <= PREVIEW_LENGTH) return chars.join("");
  return `${chars.slice(0, PREVIEW_LENGTH - 1).join("")}…`;
}

/**
 * The words of a voice note (or other audio), once known: its transcript, or the provider's
 * (Kapso sends one with the message, stored as its content before the transcript is recorded).
 */
function spokenWords(message: PreviewedMessage): string | undefined {
  const { transcript, payload } = message.channelData;
  if (transcript !== undefined) {
    return transcript.status === "completed" ? transcript.text?.trim() || undefined : undefined;
  }
  const transcribed = (payload as { transcribed?: unknown } | undefined)?.transcribed === true;
  return transcribed ? message.content.trim() || undefined : undefined;
}

function label(message: PreviewedMessage): string | undefined {
  const { type, templateName, media, payload } = message.channelData;
  if (templateName !== undefined) return `Template: ${templateName}`;
  if (type === "audio" && (payload as { voice?: unknown } | undefined)?.voice === true) {
    const words = spokenWords(message);
    return words !== undefined ? `Voice message: ${words}` : "Voice message";
  }
  const kind = MEDIA_LABELS[type];
  if (kind === undefined) return undefined;
  const detail =
    (type === "audio" ? spokenWords(message) : undefined) ?? media?.caption ?? media?.filename;
  return detail ? `${kind}: ${detail}` : kind;
}

/** The preview of a message, as stored on its thread (`threads.lastMessage`). */
export function lastMessageOf(message: PreviewedMessage): LastMessage {
  return {
    direction: message.channelData.direction,
    role: message.role,
    preview: oneLine(label(message) ?? message.content),
    at: message.createdAt,
  };
}
