/**
 * Meta Cloud API webhooks: `entry[].changes[].value` with messages, statuses, contacts,
 * errors, Business app echoes (`smb_message_echoes`) and the WABA's template events (status,
 * quality, category, edits); every entry of every change is read. Parsed into the normalised
 * items of payloads.ts.
 */
import { describe, vMessageCore } from "./messageContent";
import {
  arr,
  clean,
  id,
  MAX_ITEMS,
  obj,
  providerError,
  statusItem,
  str,
  timestampMs,
  type Json,
  type ParsedDelivery,
  type ParsedItem,
} from "./payloads";
import { normalizeBsuid, normalizeCustomerPhone } from "./phone";

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

/** The WABA-level template fields Meta documents; each is a template event (or a sync hint). */
const TEMPLATE_FIELDS = new Set([
  "message_template_status_update",
  "message_template_quality_update",
  "template_category_update",
  "message_template_components_update",
]);

/** Why a template was rejected, paused or disabled, as readable as the payload allows. */
function templateReason(value: Json): string | undefined {
  const rejection = str(obj(value.rejection_info)?.reason, 1024);
  const reason = value.reason === null ? undefined : str(value.reason, 1024);
  const other = obj(value.other_info);
  const otherText = [str(other?.title, 128), str(other?.description, 1024)]
    .filter((part) => part !== undefined)
    .join(": ");
  return rejection ?? (reason !== "NONE" ? reason : undefined) ?? (otherText || reason);
}

/**
 * One template change, read by its shape rather than its field name alone: Meta's own example
 * of a quality update carries `field: "message_template_status_update"`.
 */
function metaTemplate(field: string, value: Json, wabaId: string | undefined): ParsedItem {
  if (wabaId === undefined) {
    return { kind: "ignored", reason: "invalid_template_event", detail: field, deadLetter: true };
  }
  const base = {
    kind: "template" as const,
    businessAccountId: wabaId,
    providerTemplateId: id(value.message_template_id),
    name: str(value.message_template_name, 512),
    language: str(value.message_template_language, 32),
  };
  const quality = str(value.new_quality_score, 32);
  if (quality !== undefined) {
    const previousQuality = str(value.previous_quality_score, 32);
    return clean({ ...base, event: "quality" as const, quality, previousQuality });
  }
  const category = str(value.new_category, 32);
  if (category !== undefined || field === "template_category_update") {
    return clean({
      ...base,
      event: "category" as const,
      category,
      previousCategory: str(value.previous_category, 32),
      correctCategory: str(value.correct_category, 32),
      categoryChangeAt: timestampMs(value.category_update_timestamp),
    });
  }
  const status = str(value.event, 64);
  if (status !== undefined) {
    return clean({
      ...base,
      event: "status" as const,
      status,
      reason: templateReason(value),
      category: str(value.message_template_category, 32),
    });
  }
  if (field === "message_template_components_update") {
    return clean({ ...base, event: "components" as const });
  }
  return { kind: "ignored", reason: "invalid_template_event", detail: field, deadLetter: true };
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
      if (TEMPLATE_FIELDS.has(field)) {
        items.push(metaTemplate(field, value, wabaId));
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
  const eventType = [...fields].sort().join(",").slice(0, 256);
  if (items.length <= MAX_ITEMS) return { eventType, items };
  const cut = `${items.length - MAX_ITEMS}`;
  const tooMany: ParsedItem = {
    kind: "ignored",
    reason: "too_many_items",
    detail: cut,
    deadLetter: true,
  };
  return { eventType, items: [...items.slice(0, MAX_ITEMS), tooMany] };
}
