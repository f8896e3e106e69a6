/**
 * The fake provider's inbound media, as Meta and Kapso serve it: `GET /{version}/{media-id}`
 * answers the metadata (a short-lived `url` that needs the caller's token, plus Kapso's
 * `download_url` with the authentication in its token when asked through the Kapso proxy), and
 * the download routes serve the bytes tests registered with `addMedia`. Every download is
 * recorded with the credentials it carried.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, json } from "./http";
import type { ProviderState } from "./state";

export type FakeMedia = { bytes: Uint8Array; mimeType: string };

/** Where the media of a message can be read back: media id → bytes and type. */
export type MediaStore = Map<string, FakeMedia>;

/**
 * Deterministic bytes of a voice note that "says" `words`: an Ogg page header followed by the
 * words, which the stand-in model's transcription endpoint reads back.
 */
export function spokenOgg(words: string): Uint8Array {
  return new TextEncoder().encode(`OggS\u0000\u0002SPOKEN: ${words}`);
}

function token(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const key = req.headers["x-api-key"];
  return bearer ?? (typeof key === "string" ? key : undefined);
}

/** The metadata of a registered media id, or a Graph error like Meta's for an unknown one. */
export function handleMediaMetadata(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  viaKapso: boolean,
) {
  const media = state.media.get(id);
  if (media === undefined) return graphError(res, 404, 100, `Media ${id} does not exist`);
  const bytes = Buffer.from(media.bytes);
  json(res, 200, {
    messaging_product: "whatsapp",
    url: `${state.url}/lookaside/${encodeURIComponent(id)}`,
    ...(viaKapso
      ? {
          download_url: `${state.url}/meta/whatsapp/media_download?token=tok_${encodeURIComponent(id)}`,
          download_url_expires_at: new Date(Date.now() + 4 * 60_000).toISOString(),
        }
      : {}),
    mime_type: media.mimeType,
    sha256: createHash("sha256").update(bytes).digest("base64"),
    file_size: String(bytes.length),
    id,
  });
  return state.mediaDownloads.push({ id, kind: "metadata", credential: token(req) });
}

/**
 * The bytes: `/lookaside/{id}` needs a credential (Meta refuses a download without the token);
 * Kapso's `/meta/whatsapp/media_download?token=…` carries its authentication in the token.
 */
export function handleMediaDownload(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): boolean {
  let id: string | undefined;
  const credential = token(req);
  if (url.pathname.startsWith("/lookaside/")) {
    id = decodeURIComponent(url.pathname.slice("/lookaside/".length));
    if (credential === undefined) {
      graphError(res, 401, 190, "Invalid OAuth access token");
      return true;
    }
  } else if (url.pathname === "/meta/whatsapp/media_download") {
    id = url.searchParams.get("token")?.replace(/^tok_/, "");
  } else {
    return false;
  }
  const media = id === undefined ? undefined : state.media.get(id);
  if (id === undefined || media === undefined) {
    graphError(res, 404, 100, "Media not found");
    return true;
  }
  state.mediaDownloads.push({ id, kind: "bytes", credential });
  res.writeHead(200, { "Content-Type": media.mimeType, "Content-Length": media.bytes.length });
  res.end(Buffer.from(media.bytes));
  return true;
}
