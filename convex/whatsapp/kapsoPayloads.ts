/**
 * Kapso webhooks: message webhooks (v1 `{event,data}`, v2 bodies with the event in
 * `X-Webhook-Event`, batched `{type,batch:true,data:[…]}`) and project webhooks (a number
 * connected or deleted), parsed into the normalised items of payloads.ts. A number's webhook of
 * Kapso's "meta" kind forwards Meta's raw bodies (template events among them): those are read
 * as Meta webhooks.
 */
import { describe, vMessageCore } from "./messageContent";
import { metaIdentifiers, parseMeta } from "./metaPayloads";
import {
  arr,
  clean,
  id,
  MAX_ITEMS,
  obj,
  statusItem,
  str,
  timestampMs,
  type Json,
  type ParsedDelivery,
  type ParsedItem,
  type ParsedStatus,
} from "./payloads";
import { normalizeBsuid, normalizeCustomerPhone } from "./phone";

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

/** Whether a body is a raw Meta webhook that Kapso forwarded. */
function isForwardedMeta(body: Json): boolean {
  return body.object === "whatsapp_business_account";
}

/** Phone number ids and WABA ids a delivery on the Kapso route names (to find its secrets). */
export function kapsoIdentifiers(body: Json): { phoneNumberIds: string[]; wabaIds: string[] } {
  if (isForwardedMeta(body)) return metaIdentifiers(body);
  return { phoneNumberIds: kapsoPhoneNumberIds(body), wabaIds: [] };
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
  if (isForwardedMeta(body)) return parseMeta(body, receivedAt);
  const eventType = headers.event ?? str(body.event, 128) ?? str(body.type, 128);
  const isBatch = headers.batch === "true" || body.batch === true;
  let data: unknown[];
  if (isBatch) data = arr(body.data);
  else if (obj(body.data) && (body.event !== undefined || body.message === undefined))
    data = [body.data];
  else data = [body];
  const cut = data.length > MAX_ITEMS ? data.length - MAX_ITEMS : 0;
  if (cut > 0) data = data.slice(0, MAX_ITEMS);
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
  if (cut > 0) {
    items.push({ kind: "ignored", reason: "too_many_items", detail: `${cut}`, deadLetter: true });
  }
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
