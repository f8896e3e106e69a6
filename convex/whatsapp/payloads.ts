/**
 * Webhook payload parsers: Kapso message webhooks (v1 `{event,data}`, v2 bodies with the event
 * in `X-Webhook-Event`, batched `{type,batch:true,data:[…]}`), Kapso project webhooks, and
 * Meta's `entry[].changes[].value` (messages, statuses, contacts, errors, echoes, template
 * status). Every entry of every change is read, and each item is parsed on its own: a bad item
 * becomes a dead-lettered item, its valid siblings are kept. Nothing here touches the database;
 * the output is built field by field so no raw provider object reaches a document.
 */
import { z } from "zod";
import type { Media, ProviderError, StatusUpdate } from "../lib/validators";
import { normalizeBsuid, normalizeCustomerPhone } from "./phone";

export type MessageOrigin = "customer" | "cloud_api" | "business_app";

/** A message to store (customer inbound, or an echo of a business-side send). */
export type ParsedMessage = {
  kind: "message";
  phoneNumberId: string;
  providerMessageId: string;
  /** WhatsApp's timestamp, in ms. */
  timestamp: number;
  direction: "inbound" | "outbound";
  origin: MessageOrigin;
  customerPhone?: string;
  bsuid?: string;
  contactName?: string;
  role: "user" | "system" | "human";
  type: string;
  content: string;
  media?: Media;
  payload?: Record<string, unknown>;
  contextMessageId?: string;
  /** Whether a new message of this kind starts an agent turn (reactions and system notices don't). */
  triggersRouting: boolean;
  /** Statuses reported with an echo (Kapso's `kapso.statuses`). */
  statuses: StatusUpdate[];
};

export type ParsedStatus = {
  kind: "status";
  phoneNumberId: string;
  providerMessageId: string;
  update: StatusUpdate;
};

export type ParsedTemplateStatus = {
  kind: "template";
  businessAccountId: string;
  providerTemplateId?: string;
  name?: string;
  language?: string;
  status: string;
  reason?: string;
};

export type ParsedProjectEvent = {
  kind: "project";
  event: string;
  phoneNumberId?: string;
  customerId?: string;
  displayPhoneNumber?: string;
  businessAccountId?: string;
};

/** Something recorded but not acted on; `deadLetter` items make the delivery listable as failed. */
export type ParsedIgnored = {
  kind: "ignored";
  reason: string;
  detail?: string;
  phoneNumberId?: string;
  deadLetter: boolean;
};

export type ParsedItem =
  ParsedMessage | ParsedStatus | ParsedTemplateStatus | ParsedProjectEvent | ParsedIgnored;

export type ParsedDelivery = { eventType?: string; items: ParsedItem[] };

const MAX_ITEMS = 2000;
const MAX_TEXT = 65_536;
const MAX_ID = 512;

// ---------------------------------------------------------------------------------------------
// Small readers: everything from the wire is `unknown` until one of these accepts it.

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value === "string") return value.length <= max ? value : value.slice(0, max);
  return undefined;
}

function id(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID
    ? value
    : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** WhatsApp timestamps are unix seconds (usually as a string); returns ms. */
function timestampMs(value: unknown): number | undefined {
  const seconds = num(value);
  if (seconds === undefined || seconds <= 0 || seconds > 1e11) return undefined;
  return Math.round(seconds * 1000);
}

/** Parses a body that must be a JSON object; null for anything else. */
export function parseJsonObject(text: string): Json | null {
  try {
    return obj(JSON.parse(text)) ?? null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Minimal extraction before verification: which numbers (and WABAs) the body claims to be for.

/** Phone number ids a Kapso message body names (to find the candidate signing secrets). */
export function kapsoPhoneNumberIds(body: Json): string[] {
  const found = new Set<string>();
  const visit = (item: unknown) => {
    const o = obj(item);
    if (!o) return;
    for (const candidate of [
      o.phone_number_id,
      obj(o.conversation)?.phone_number_id,
      obj(obj(o.message)?.kapso)?.phone_number_id,
    ]) {
      const value = id(candidate);
      if (value !== undefined) found.add(value);
    }
  };
  visit(body);
  const data = body.data;
  if (Array.isArray(data)) data.slice(0, MAX_ITEMS).forEach(visit);
  else visit(data);
  return [...found].slice(0, 20);
}

/** Phone number ids and WABA ids of a Meta body. */
export function metaIdentifiers(body: Json): { phoneNumberIds: string[]; wabaIds: string[] } {
  const phones = new Set<string>();
  const wabas = new Set<string>();
  for (const entry of arr(body.entry).slice(0, MAX_ITEMS)) {
    const e = obj(entry);
    const waba = id(e?.id);
    if (waba !== undefined) wabas.add(waba);
    for (const change of arr(e?.changes).slice(0, MAX_ITEMS)) {
      const pnid = id(obj(obj(obj(change)?.value)?.metadata)?.phone_number_id);
      if (pnid !== undefined) phones.add(pnid);
    }
  }
  return { phoneNumberIds: [...phones].slice(0, 20), wabaIds: [...wabas].slice(0, 20) };
}

// ---------------------------------------------------------------------------------------------
// Message content: one rendering per WhatsApp type, readable by the agent and the dashboard.

const vMessageCore = z.looseObject({
  id: z.string().min(1).max(MAX_ID),
  type: z.string().min(1).max(64),
});

type Described = Pick<
  ParsedMessage,
  "type" | "content" | "media" | "payload" | "contextMessageId" | "role" | "triggersRouting"
>;

const MEDIA_TYPES: Record<string, string> = {
  image: "Image",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
  audio: "Audio",
};

function mediaOf(part: Json | undefined, kapso: Json | undefined): Media {
  const data = obj(kapso?.media_data);
  const media: Media = {
    providerMediaId: id(part?.id),
    url: str(kapso?.media_url, 2048) ?? str(data?.url, 2048) ?? str(part?.url, 2048),
    mimeType: str(part?.mime_type, 256) ?? str(data?.content_type, 256),
    size: num(data?.byte_size) ?? num(part?.file_size),
    caption: str(part?.caption),
    filename: str(part?.filename, 1024) ?? str(data?.filename, 1024),
    sha256: str(part?.sha256, 256),
  };
  return Object.fromEntries(Object.entries(media).filter(([, v]) => v !== undefined)) as Media;
}

function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Renders one Meta-shaped message object (Kapso's `message` is the same plus `kapso`). */
function describe(m: Json, type: string): Described {
  const kapso = obj(m.kapso);
  const context = obj(m.context);
  const base = {
    type,
    role: "user" as const,
    triggersRouting: true,
    contextMessageId: id(context?.id),
  };
  switch (type) {
    case "text":
      return { ...base, content: str(obj(m.text)?.body) ?? str(kapso?.content) ?? "" };
    case "image":
    case "video":
    case "document":
    case "sticker": {
      const media = mediaOf(obj(m[type]), kapso);
      const label = `[${MEDIA_TYPES[type]}${media.filename ? `: ${media.filename}` : ""}]`;
      return { ...base, media, content: media.caption ? `${label} ${media.caption}` : label };
    }
    case "audio":
    case "voice": {
      const media = mediaOf(obj(m[type]), kapso);
      const transcript = str(obj(kapso?.transcript)?.text)?.trim();
      return {
        ...base,
        media,
        payload: { voice: obj(m[type])?.voice === true, transcribed: Boolean(transcript) },
        content: transcript ? transcript : "[Sent a voice message]",
      };
    }
    case "location": {
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
      return { ...base, payload, content: `[Location${place ? `: ${place}` : ""}${coords}]` };
    }
    case "contacts": {
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
      return { ...base, payload: { contacts: cards }, content: `[Shared contact: ${summary}]` };
    }
    case "interactive": {
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
      const text = payload.title ?? payload.body ?? `[Interactive reply: ${kind}]`;
      return { ...base, payload, content: text };
    }
    case "button": {
      const b = obj(m.button);
      const payload = clean({ payload: str(b?.payload, 1024), text: str(b?.text, 1024) });
      return { ...base, payload, content: payload.text ?? payload.payload ?? "[Button reply]" };
    }
    case "reaction": {
      const r = obj(m.reaction);
      const emoji = str(r?.emoji, 64);
      return {
        ...base,
        triggersRouting: false,
        contextMessageId: id(r?.message_id) ?? base.contextMessageId,
        payload: clean({ emoji }),
        content: emoji ? `[Reacted ${emoji} to a message]` : "[Removed a reaction]",
      };
    }
    case "order": {
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
        ...base,
        payload: clean({ catalogId: str(o?.catalog_id, 256), text, items }),
        content: `[Order: ${lines.join(", ")}]${text ? ` ${text}` : ""}`,
      };
    }
    case "system": {
      const s = obj(m.system);
      return {
        ...base,
        role: "system",
        triggersRouting: false,
        payload: clean({ kind: str(s?.type, 128), waId: str(s?.wa_id, 64) }),
        content: str(s?.body) ?? "[System notice]",
      };
    }
    case "template":
      return { ...base, content: str(kapso?.content) ?? "[Template]" };
    default: {
      const what = str(obj(m.unsupported)?.type, 64) ?? type;
      const error = obj(arr(m.errors)[0]);
      return {
        ...base,
        type: type === "unsupported" ? "unsupported" : type,
        payload: clean({ unsupportedType: what, errorCode: num(error?.code) }),
        content: `[Unsupported message: ${what}]`,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Statuses.

const REPORTED = new Set(["sent", "delivered", "read", "played", "failed"]);

function providerError(raw: unknown): ProviderError | undefined {
  const e = obj(raw);
  const code = num(e?.code);
  if (!e || code === undefined) return undefined;
  return clean({
    code,
    title: str(e.title, 512) ?? "Error",
    message: str(e.message, 2048),
    details: str(obj(e.error_data)?.details, 4096),
  });
}

function pricingOf(raw: unknown): Record<string, unknown> | undefined {
  const p = obj(raw);
  if (!p) return undefined;
  return clean({
    billable: typeof p.billable === "boolean" ? p.billable : undefined,
    pricingModel: str(p.pricing_model, 64),
    type: str(p.type, 64),
    category: str(p.category, 64),
  });
}

/** One Meta status object (also Kapso's `kapso.statuses[]` entries), or why not. */
function statusItem(raw: unknown, phoneNumberId: string): ParsedStatus | ParsedIgnored {
  const s = obj(raw);
  const providerMessageId = id(s?.id);
  const status = str(s?.status, 32);
  const timestamp = timestampMs(s?.timestamp);
  if (!s || providerMessageId === undefined || timestamp === undefined) {
    return { kind: "ignored", reason: "invalid_status", phoneNumberId, deadLetter: true };
  }
  if (status === undefined || !REPORTED.has(status)) {
    return {
      kind: "ignored",
      reason: "unknown_status",
      detail: status,
      phoneNumberId,
      deadLetter: false,
    };
  }
  return {
    kind: "status",
    phoneNumberId,
    providerMessageId,
    update: clean({
      status: status as StatusUpdate["status"],
      timestamp,
      error: providerError(arr(s.errors)[0]),
      recipientId: str(s.recipient_id, 256) ?? str(s.recipient_user_id, 256),
      bizOpaqueCallbackData: str(s.biz_opaque_callback_data, 512),
      pricing: pricingOf(s.pricing),
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Kapso message webhooks.

function kapsoMessage(event: string, item: Json, fallbackTime: number): ParsedItem[] {
  const conversation = obj(item.conversation);
  const message = obj(item.message);
  const kapso = obj(message?.kapso);
  const phoneNumberId =
    id(item.phone_number_id) ?? id(conversation?.phone_number_id) ?? id(kapso?.phone_number_id);
  if (phoneNumberId === undefined) {
    return [{ kind: "ignored", reason: "missing_phone_number_id", deadLetter: true }];
  }
  const core = vMessageCore.safeParse(message);
  if (!core.success || !message) {
    return [{ kind: "ignored", reason: "invalid_message", phoneNumberId, deadLetter: true }];
  }
  const providerMessageId = core.data.id;
  const timestamp = timestampMs(message.timestamp) ?? fallbackTime;
  const origin = str(kapso?.origin, 32);
  const direction = str(kapso?.direction, 16);
  const kapsoStatuses = arr(kapso?.statuses)
    .slice(0, 20)
    .map((s) => statusItem(s, phoneNumberId))
    .filter((s): s is ParsedStatus => s.kind === "status" && s.providerMessageId === core.data.id);

  if (event === "whatsapp.message.received" && direction !== "outbound") {
    const described = describe(message, core.data.type);
    return [
      {
        kind: "message",
        phoneNumberId,
        providerMessageId,
        timestamp,
        direction: "inbound",
        origin: "customer",
        customerPhone:
          normalizeCustomerPhone(str(message.from, 64)) ??
          normalizeCustomerPhone(str(conversation?.phone_number, 64)),
        bsuid:
          normalizeBsuid(str(message.from_user_id, 256)) ??
          normalizeBsuid(str(conversation?.business_scoped_user_id, 256)),
        contactName: str(obj(conversation?.kapso)?.contact_name, 256),
        statuses: [],
        ...described,
      },
    ];
  }
  if (event === "whatsapp.message.sent" || direction === "outbound") {
    if (origin === "business_app" && event === "whatsapp.message.sent") {
      const described = describe(message, core.data.type);
      return [
        {
          kind: "message",
          phoneNumberId,
          providerMessageId,
          timestamp,
          direction: "outbound",
          origin: "business_app",
          customerPhone:
            normalizeCustomerPhone(str(message.to, 64)) ??
            normalizeCustomerPhone(str(conversation?.phone_number, 64)),
          bsuid: normalizeBsuid(str(conversation?.business_scoped_user_id, 256)),
          statuses: kapsoStatuses.map((s) => s.update),
          ...described,
          role: "human",
          triggersRouting: false,
        },
      ];
    }
    if (kapsoStatuses.length > 0) return kapsoStatuses;
    const status = event.replace(/^whatsapp\.message\./, "");
    const single = statusItem(
      { id: providerMessageId, status, timestamp: message.timestamp, errors: kapso?.errors },
      phoneNumberId,
    );
    return [single];
  }
  return [{ kind: "ignored", reason: "unexpected_direction", phoneNumberId, deadLetter: true }];
}

const IGNORED_KAPSO_EVENTS = new Set([
  "whatsapp.conversation.created",
  "whatsapp.conversation.ended",
  "whatsapp.conversation.inactive",
]);
const KAPSO_MESSAGE_EVENTS = new Set([
  "whatsapp.message.received",
  "whatsapp.message.sent",
  "whatsapp.message.delivered",
  "whatsapp.message.read",
  "whatsapp.message.failed",
]);

/**
 * A Kapso message-webhook body. The event comes from `X-Webhook-Event`, else the body's
 * `event` (v1) or `type` (batches); batches are `X-Webhook-Batch: true` or `batch: true`.
 */
export function parseKapsoMessages(
  body: Json,
  headers: { event?: string; batch?: string },
  receivedAt: number,
): ParsedDelivery {
  const eventType = headers.event ?? str(body.event, 128) ?? str(body.type, 128);
  const isBatch = headers.batch === "true" || body.batch === true;
  let data: unknown[];
  if (isBatch) data = arr(body.data);
  else if (obj(body.data) && (body.event !== undefined || body.message === undefined))
    data = [body.data];
  else data = [body];
  if (data.length > MAX_ITEMS) data = data.slice(0, MAX_ITEMS);
  if (eventType === undefined || !KAPSO_MESSAGE_EVENTS.has(eventType)) {
    const known = eventType !== undefined && IGNORED_KAPSO_EVENTS.has(eventType);
    return {
      eventType,
      items: [
        {
          kind: "ignored",
          reason: known ? "event_not_handled" : "unknown_event",
          detail: eventType,
          phoneNumberId: kapsoPhoneNumberIds(body)[0],
          deadLetter: !known,
        },
      ],
    };
  }
  if (data.length === 0) {
    return { eventType, items: [{ kind: "ignored", reason: "empty_batch", deadLetter: true }] };
  }
  const items = data.flatMap((item): ParsedItem[] => {
    const o = obj(item);
    if (!o) return [{ kind: "ignored", reason: "invalid_item", deadLetter: true }];
    return kapsoMessage(eventType, o, receivedAt);
  });
  return { eventType, items };
}

/** A Kapso project webhook (`whatsapp.phone_number.created`, `.deleted`, …), v1 or v2 body. */
export function parseKapsoProject(body: Json, headerEvent: string | undefined): ParsedDelivery {
  const eventType = headerEvent ?? str(body.event, 128) ?? str(body.type, 128);
  const data = obj(body.data) ?? body;
  if (eventType === undefined) {
    return { items: [{ kind: "ignored", reason: "unknown_event", deadLetter: true }] };
  }
  return {
    eventType,
    items: [
      clean({
        kind: "project" as const,
        event: eventType,
        phoneNumberId: id(data.phone_number_id),
        customerId: id(obj(data.customer)?.id) ?? id(data.customer_id),
        displayPhoneNumber:
          str(data.display_phone_number, 64) ??
          str(data.phone_number, 64) ??
          str(obj(data.phone_number_details)?.display_phone_number, 64),
        businessAccountId: id(data.business_account_id) ?? id(data.waba_id),
      }),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Meta webhooks.

function metaMessages(value: Json, phoneNumberId: string, fallbackTime: number): ParsedItem[] {
  const names = new Map<string, string>();
  const bsuids = new Map<string, string>();
  for (const c of arr(value.contacts).slice(0, MAX_ITEMS)) {
    const contact = obj(c);
    const name = str(obj(contact?.profile)?.name, 256);
    const waId = str(contact?.wa_id, 64);
    const userId = normalizeBsuid(str(contact?.user_id, 256));
    for (const key of [waId, userId]) {
      if (key) {
        if (name) names.set(key, name);
        if (userId) bsuids.set(key, userId);
      }
    }
  }
  const items: ParsedItem[] = [];
  for (const raw of arr(value.messages).slice(0, MAX_ITEMS)) {
    const m = obj(raw);
    const core = vMessageCore.safeParse(m);
    if (!m || !core.success) {
      items.push({ kind: "ignored", reason: "invalid_message", phoneNumberId, deadLetter: true });
      continue;
    }
    const from = str(m.from, 64);
    const fromUser = normalizeBsuid(str(m.from_user_id, 256));
    items.push({
      kind: "message",
      phoneNumberId,
      providerMessageId: core.data.id,
      timestamp: timestampMs(m.timestamp) ?? fallbackTime,
      direction: "inbound",
      origin: "customer",
      customerPhone: normalizeCustomerPhone(from),
      bsuid: fromUser ?? (from ? bsuids.get(from) : undefined),
      contactName:
        (from ? names.get(from) : undefined) ?? (fromUser ? names.get(fromUser) : undefined),
      statuses: [],
      ...describe(m, core.data.type),
    });
  }
  for (const raw of arr(value.statuses).slice(0, MAX_ITEMS)) {
    items.push(statusItem(raw, phoneNumberId));
  }
  for (const raw of arr(value.errors).slice(0, 20)) {
    const error = providerError(raw);
    items.push({
      kind: "ignored",
      reason: "provider_error",
      detail: error ? `${error.code} ${error.title}` : undefined,
      phoneNumberId,
      deadLetter: false,
    });
  }
  return items;
}

/** `smb_message_echoes`: messages the business sent from the WhatsApp Business app. */
function metaEchoes(value: Json, phoneNumberId: string, fallbackTime: number): ParsedItem[] {
  return arr(value.message_echoes)
    .slice(0, MAX_ITEMS)
    .map((raw): ParsedItem => {
      const m = obj(raw);
      const core = vMessageCore.safeParse(m);
      if (!m || !core.success) {
        return { kind: "ignored", reason: "invalid_echo", phoneNumberId, deadLetter: true };
      }
      return {
        kind: "message",
        phoneNumberId,
        providerMessageId: core.data.id,
        timestamp: timestampMs(m.timestamp) ?? fallbackTime,
        direction: "outbound",
        origin: "business_app",
        customerPhone: normalizeCustomerPhone(str(m.to, 64)),
        bsuid: normalizeBsuid(str(m.to_user_id, 256)),
        statuses: [],
        ...describe(m, core.data.type),
        role: "human",
        triggersRouting: false,
      };
    });
}

function metaTemplate(value: Json, wabaId: string | undefined): ParsedItem {
  const status = str(value.event, 64);
  if (wabaId === undefined || status === undefined) {
    return { kind: "ignored", reason: "invalid_template_status", deadLetter: true };
  }
  return clean({
    kind: "template" as const,
    businessAccountId: wabaId,
    providerTemplateId: id(value.message_template_id),
    name: str(value.message_template_name, 512),
    language: str(value.message_template_language, 32),
    status,
    reason:
      str(obj(value.rejection_info)?.reason, 1024) ??
      (value.reason === null ? undefined : str(value.reason, 1024)),
  });
}

/** A Meta Cloud API webhook body: every entry, every change, every message and status. */
export function parseMeta(body: Json, receivedAt: number): ParsedDelivery {
  const entries = arr(body.entry);
  if (body.object !== "whatsapp_business_account" || entries.length === 0) {
    return { items: [{ kind: "ignored", reason: "not_whatsapp_payload", deadLetter: true }] };
  }
  const items: ParsedItem[] = [];
  const fields = new Set<string>();
  for (const rawEntry of entries.slice(0, MAX_ITEMS)) {
    const entry = obj(rawEntry);
    const wabaId = id(entry?.id);
    for (const rawChange of arr(entry?.changes).slice(0, MAX_ITEMS)) {
      const change = obj(rawChange);
      const field = str(change?.field, 128) ?? "unknown";
      const value = obj(change?.value);
      fields.add(field);
      if (!value) {
        items.push({ kind: "ignored", reason: "invalid_change", detail: field, deadLetter: true });
        continue;
      }
      const phoneNumberId = id(obj(value.metadata)?.phone_number_id);
      if (field === "message_template_status_update") {
        items.push(metaTemplate(value, wabaId));
      } else if (field === "messages" || field === "smb_message_echoes") {
        if (phoneNumberId === undefined) {
          items.push({ kind: "ignored", reason: "missing_phone_number_id", deadLetter: true });
        } else if (field === "messages") {
          items.push(...metaMessages(value, phoneNumberId, receivedAt));
        } else {
          items.push(...metaEchoes(value, phoneNumberId, receivedAt));
        }
      } else {
        items.push({
          kind: "ignored",
          reason: "field_not_handled",
          detail: field,
          phoneNumberId,
          deadLetter: false,
        });
      }
    }
  }
  if (items.length === 0) {
    items.push({ kind: "ignored", reason: "empty_payload", deadLetter: true });
  }
  return { eventType: [...fields].sort().join(",").slice(0, 256), items: items.slice(0, 5000) };
}
