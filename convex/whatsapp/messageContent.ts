/**
 * Message content: one rendering per WhatsApp message type, readable by the agent and the
 * dashboard (`content`), with the structured parts kept aside (`media`, `payload`). Reads a
 * Meta-shaped message object; Kapso's `message` is the same plus its `kapso` extras
 * (transcripts, media links, rendered text).
 */
import { z } from "zod";
import type { Media } from "../lib/validators";
import {
  arr,
  clean,
  id,
  MAX_ID,
  num,
  obj,
  str,
  type IdentityChange,
  type Json,
  type ParsedMessage,
} from "./payloads";
import { normalizeBsuid, normalizeCustomerPhone } from "./phone";

/** The two fields every message object must have before anything else is read. */
export const vMessageCore = z.looseObject({
  id: z.string().min(1).max(MAX_ID),
  type: z.string().min(1).max(64),
});

type Described = Pick<
  ParsedMessage,
  | "type"
  | "content"
  | "media"
  | "payload"
  | "contextMessageId"
  | "role"
  | "triggersRouting"
  | "identityChange"
>;

/** What one type adds to (or changes in) the defaults of `describe`. */
type Rendered = Partial<Described> & { content: string };
type Renderer = (m: Json, type: string, kapso: Json | undefined) => Rendered;

const MEDIA_TYPES: Record<string, string> = {
  image: "Image",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
  audio: "Audio",
};

function mediaOf(part: Json | undefined, kapso: Json | undefined): Media {
  const data = obj(kapso?.media_data);
  return clean({
    providerMediaId: id(part?.id),
    url: str(kapso?.media_url, 2048) ?? str(data?.url, 2048) ?? str(part?.url, 2048),
    mimeType: str(part?.mime_type, 256) ?? str(data?.content_type, 256),
    size: num(data?.byte_size) ?? num(part?.file_size),
    caption: str(part?.caption),
    filename: str(part?.filename, 1024) ?? str(data?.filename, 1024),
    sha256: str(part?.sha256, 256),
  });
}

const media: Renderer = (m, type, kapso) => {
  const found = mediaOf(obj(m[type]), kapso);
  const label = `[${MEDIA_TYPES[type]}${found.filename ? `: ${found.filename}` : ""}]`;
  return { media: found, content: found.caption ? `${label} ${found.caption}` : label };
};

/** What the agent reads for a voice note until its words are known (media/transcripts.ts). */
export const VOICE_PENDING = "[Voice message: transcription pending]";

/** Kapso's transcript: `kapso.transcript.text`, else the `Transcript:` line of `kapso.content`. */
function kapsoTranscript(kapso: Json | undefined): string | undefined {
  const text = str(obj(kapso?.transcript)?.text)?.trim();
  if (text) return text;
  return /\nTranscript: (.+)$/s.exec(str(kapso?.content) ?? "")?.[1]?.trim() || undefined;
}

const voice: Renderer = (m, type, kapso) => {
  const transcript = kapsoTranscript(kapso);
  return {
    media: mediaOf(obj(m[type]), kapso),
    payload: { voice: obj(m[type])?.voice === true, transcribed: Boolean(transcript) },
    content: transcript ? transcript : VOICE_PENDING,
  };
};

const location: Renderer = (m) => {
  const l = obj(m.location);
  const payload = clean({
    latitude: num(l?.latitude),
    longitude: num(l?.longitude),
    name: str(l?.name, 1024),
    address: str(l?.address, 1024),
    url: str(l?.url, 2048),
  });
  const place = [payload.name, payload.address].filter(Boolean).join(", ");
  const coords =
    payload.latitude !== undefined ? ` (${payload.latitude}, ${payload.longitude})` : "";
  return { payload, content: `[Location${place ? `: ${place}` : ""}${coords}]` };
};

const contacts: Renderer = (m) => {
  const cards = arr(m.contacts)
    .slice(0, 20)
    .map((c) => {
      const card = obj(c);
      return clean({
        name: str(obj(card?.name)?.formatted_name, 512),
        phones: arr(card?.phones)
          .slice(0, 10)
          .map((p) => str(obj(p)?.phone, 64) ?? str(obj(p)?.wa_id, 64))
          .filter((p): p is string => p !== undefined),
      });
    });
  const summary = cards.map((c) => [c.name, ...c.phones].filter(Boolean).join(" ")).join("; ");
  return { payload: { contacts: cards }, content: `[Shared contact: ${summary}]` };
};

const interactive: Renderer = (m) => {
  const i = obj(m.interactive);
  const kind = str(i?.type, 64) ?? "unknown";
  const reply = obj(i?.[kind]);
  const payload = clean({
    kind,
    id: str(reply?.id, 512),
    title: str(reply?.title, 1024),
    description: str(reply?.description, 1024),
    body: str(reply?.body, 4096),
    responseJson: str(reply?.response_json),
  });
  return { payload, content: payload.title ?? payload.body ?? `[Interactive reply: ${kind}]` };
};

const button: Renderer = (m) => {
  const b = obj(m.button);
  const payload = clean({ payload: str(b?.payload, 1024), text: str(b?.text, 1024) });
  return { payload, content: payload.text ?? payload.payload ?? "[Button reply]" };
};

const reaction: Renderer = (m) => {
  const r = obj(m.reaction);
  const emoji = str(r?.emoji, 64);
  return {
    triggersRouting: false,
    contextMessageId: id(r?.message_id) ?? id(obj(m.context)?.id),
    payload: clean({ emoji }),
    content: emoji ? `[Reacted ${emoji} to a message]` : "[Removed a reaction]",
  };
};

const order: Renderer = (m) => {
  const o = obj(m.order);
  const items = arr(o?.product_items)
    .slice(0, 100)
    .map((p) => {
      const item = obj(p);
      return clean({
        productRetailerId: str(item?.product_retailer_id, 256),
        quantity: num(item?.quantity),
        itemPrice: num(item?.item_price),
        currency: str(item?.currency, 16),
      });
    });
  const text = str(o?.text);
  const lines = items.map((p) => `${p.quantity ?? 1} × ${p.productRetailerId ?? "item"}`);
  return {
    payload: clean({ catalogId: str(o?.catalog_id, 256), text, items }),
    content: `[Order: ${lines.join(", ")}]${text ? ` ${text}` : ""}`,
  };
};

/** "User Sheena Nelson changed from US.111 to US.222": the two identities of the notice. */
function changedFromTo(body: string | undefined): [string, string] | undefined {
  const match = /changed from (\S+) to (\S+?)\.?$/.exec(body ?? "");
  return match ? [match[1]!, match[2]!] : undefined;
}

function identityChangeOf(m: Json, s: Json | undefined): IdentityChange | undefined {
  const kind = str(s?.type, 128);
  const fromTo = changedFromTo(str(s?.body, 1024));
  if (kind === "user_changed_user_id") {
    const previousBsuid = normalizeBsuid(str(m.from_user_id, 256)) ?? normalizeBsuid(fromTo?.[0]);
    const bsuid = normalizeBsuid(str(s?.user_id, 256)) ?? normalizeBsuid(fromTo?.[1]);
    return previousBsuid && bsuid && previousBsuid !== bsuid ? { previousBsuid, bsuid } : undefined;
  }
  if (kind === "user_changed_number") {
    const previousPhone =
      normalizeCustomerPhone(str(m.from, 64)) ?? normalizeCustomerPhone(fromTo?.[0]);
    const phone = normalizeCustomerPhone(str(s?.wa_id, 64)) ?? normalizeCustomerPhone(fromTo?.[1]);
    if (!previousPhone || !phone || previousPhone === phone) return undefined;
    return clean({ previousPhone, phone, bsuid: normalizeBsuid(str(s?.user_id, 256)) });
  }
  return undefined;
}

const system: Renderer = (m) => {
  const s = obj(m.system);
  const identityChange = identityChangeOf(m, s);
  return {
    role: "system",
    triggersRouting: false,
    payload: clean({ kind: str(s?.type, 128), waId: str(s?.wa_id, 64) }),
    content: str(s?.body) ?? "[System notice]",
    ...(identityChange ? { identityChange } : {}),
  };
};

const unsupported: Renderer = (m, type) => {
  const what = str(obj(m.unsupported)?.type, 64) ?? type;
  const error = obj(arr(m.errors)[0]);
  return {
    payload: clean({ unsupportedType: what, errorCode: num(error?.code) }),
    content: `[Unsupported message: ${what}]`,
  };
};

const RENDERERS: Record<string, Renderer> = {
  text: (m, _type, kapso) => ({ content: str(obj(m.text)?.body) ?? str(kapso?.content) ?? "" }),
  image: media,
  video: media,
  document: media,
  sticker: media,
  audio: voice,
  voice,
  location,
  contacts,
  interactive,
  button,
  reaction,
  order,
  system,
  template: (_m, _type, kapso) => ({ content: str(kapso?.content) ?? "[Template]" }),
};

/** Renders one message object: a customer message that starts a turn unless its type says not. */
export function describe(m: Json, type: string): Described {
  const render = Object.hasOwn(RENDERERS, type) ? RENDERERS[type]! : unsupported;
  return {
    type,
    role: "user",
    triggersRouting: true,
    contextMessageId: id(obj(m.context)?.id),
    ...render(m, type, obj(m.kapso)),
  };
}
