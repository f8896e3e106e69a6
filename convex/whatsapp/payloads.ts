/**
 * Webhook payloads, normalised: the items every parser returns (messages, statuses, template
 * events, project events, ignored items), the small readers that accept wire values, and the
 * status objects both providers send. The parsers are kapsoPayloads.ts and metaPayloads.ts;
 * message content rendering is messageContent.ts. Each item is parsed on its own: a bad item
 * becomes a dead-lettered item, its valid siblings are kept. Nothing here touches the
 * database; the output is built field by field so no raw provider object reaches a document.
 */
import type { IdentityChange } from "../customers/contacts";
import type { Media, ProviderError, StatusUpdate } from "../lib/validators";
import { explainTemplateError } from "./templateRules";

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
  /** A system notice that the customer's identity changed: the contact is re-keyed. */
  identityChange?: IdentityChange;
};

/** What a `system` message says changed (customers/contacts.ts re-keys the contact). */
export type { IdentityChange } from "../customers/contacts";

export type ParsedStatus = {
  kind: "status";
  phoneNumberId: string;
  providerMessageId: string;
  update: StatusUpdate;
};

/**
 * A template webhook of a WABA: a review status (`message_template_status_update`), a quality
 * rating (`message_template_quality_update`), a category change (`template_category_update`:
 * announced with `correctCategory` and `categoryChangeAt`, or done with `previousCategory`),
 * or an edit (`message_template_components_update`, which only asks for a sync).
 */
export type ParsedTemplateEvent = {
  kind: "template";
  event: "status" | "quality" | "category" | "components";
  businessAccountId: string;
  providerTemplateId?: string;
  name?: string;
  language?: string;
  status?: string;
  reason?: string;
  quality?: string;
  previousQuality?: string;
  category?: string;
  previousCategory?: string;
  correctCategory?: string;
  categoryChangeAt?: number;
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
  ParsedMessage | ParsedStatus | ParsedTemplateEvent | ParsedProjectEvent | ParsedIgnored;

export type ParsedDelivery = { eventType?: string; items: ParsedItem[] };

/**
 * Items read from one delivery, at most: more than a 4 MB body of the smallest messages holds.
 * A longer batch or entry list is cut, and the cut is dead-lettered (`too_many_items`).
 */
export const MAX_ITEMS = 10_000;
const MAX_TEXT = 65_536;
export const MAX_ID = 512;

// ---------------------------------------------------------------------------------------------
// Small readers: everything from the wire is `unknown` until one of these accepts it.

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value === "string") return value.length <= max ? value : value.slice(0, max);
  return undefined;
}

export function id(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID
    ? value
    : undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** WhatsApp timestamps are unix seconds (usually as a string); returns ms. */
export function timestampMs(value: unknown): number | undefined {
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

/** Drops the keys whose value is undefined. */
export function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Statuses.

const REPORTED = new Set(["sent", "delivered", "read", "played", "failed"]);

export function providerError(raw: unknown): ProviderError | undefined {
  const e = obj(raw);
  const code = num(e?.code);
  if (!e || code === undefined) return undefined;
  const details = str(obj(e.error_data)?.details, 4096);
  return clean({
    code,
    title: str(e.title, 512) ?? "Error",
    message: str(e.message, 2048),
    details: explainTemplateError(code, details),
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
export function statusItem(raw: unknown, phoneNumberId: string): ParsedStatus | ParsedIgnored {
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
