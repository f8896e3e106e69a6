"use node";
/**
 * Inbound media download, part of the provider boundary: the media id is resolved through the
 * number's own provider (Kapso's Meta proxy with the platform key, or the Graph API with the
 * number's token) into a short-lived URL, and the bytes are read from it — Meta's with the
 * same token, Kapso's `download_url` as given (its authentication is in the URL). Files over the
 * size limit are refused before their bytes are read.
 */
import { kapsoConfig } from "../lib/config";
import * as cloud from "./cloudApi";
import type { ProviderTarget } from "./connections";
import { toCloudTarget } from "./provider";

/** A download that must not be retried (too large, nothing to download). */
export class MediaRefused extends Error {}

export type DownloadedMedia = { blob: Blob; mimeType?: string; size: number };

/** Where the media is: its provider media id, else a Kapso-hosted media URL. */
export type MediaSource = { providerMediaId?: string; url?: string; mimeType?: string };

function tooLarge(size: number, maxBytes: number) {
  return new MediaRefused(`The file is ${size} bytes, over the ${maxBytes}-byte limit.`);
}

/** A Kapso-hosted media URL from a webhook: fetched with the platform key, nothing else is. */
function isKapsoHosted(url: string): boolean {
  try {
    return new URL(url).origin === new URL(kapsoConfig().baseUrl).origin;
  } catch {
    return false;
  }
}

async function locate(
  client: ReturnType<typeof cloud.clientFor>,
  target: ProviderTarget,
  source: MediaSource,
  maxBytes: number,
): Promise<{ response: Response; mimeType?: string }> {
  if (source.providerMediaId !== undefined) {
    const meta = await client.media.get({
      mediaId: source.providerMediaId,
      phoneNumberId: target.phoneNumberId,
    });
    const declared = Number(meta.fileSize);
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
    if (meta.downloadUrl) {
      return { response: await client.rawFetch(meta.downloadUrl), mimeType: meta.mimeType };
    }
    if (!meta.url) throw new Error("The provider returned no download URL for this media.");
    return { response: await client.fetch(meta.url), mimeType: meta.mimeType };
  }
  if (target.provider === "kapso" && source.url !== undefined && isKapsoHosted(source.url)) {
    return { response: await client.fetch(source.url) };
  }
  throw new MediaRefused("The message names no media id to download.");
}

/** Downloads one inbound media file of `target`'s number, within `maxBytes`. */
export async function downloadProviderMedia(
  target: ProviderTarget,
  source: MediaSource,
  limits: { maxBytes: number; timeoutMs: number },
): Promise<DownloadedMedia> {
  const client = cloud.clientFor(toCloudTarget(target), limits.timeoutMs);
  const { response, mimeType } = await locate(client, target, source, limits.maxBytes);
  if (!response.ok) {
    const status = response.status;
    await response.body?.cancel();
    throw new Error(`The media download failed (HTTP ${status}).`);
  }
  const length = Number(response.headers.get("content-length"));
  if (Number.isFinite(length) && length > limits.maxBytes) {
    await response.body?.cancel();
    throw tooLarge(length, limits.maxBytes);
  }
  const blob = await response.blob();
  if (blob.size > limits.maxBytes) throw tooLarge(blob.size, limits.maxBytes);
  const type =
    mimeType || source.mimeType || response.headers.get("content-type") || blob.type || undefined;
  return { blob, mimeType: type, size: blob.size };
}
