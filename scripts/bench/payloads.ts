/**
 * Realistic webhook bodies for the bench, as the providers send them: a Meta Cloud API delivery
 * of one customer text, a Meta delivery carrying a 50-message batch (50 customers, one change),
 * Kapso v2 message bodies, and Meta status deliveries (single and batched). Signed with
 * node:crypto, independently of the code under test.
 */
import { createHmac } from "node:crypto";

export const APP_SECRET = "bench-app-secret-3f9a2c";
export const PHONE_NUMBER_ID = "106540352242922";
export const WABA_ID = "102290129340398";

export function hmacHex(secret: string, body: string | Uint8Array): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** JSON as Meta serialises it: every non-ASCII character escaped as `\uXXXX`. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\0-~]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

const TEXTS = [
  "Hi! I ordered a pair of running shoes last Tuesday (order #48213) and the tracking page still says label created. Could you check what is going on?",
  "Do you ship to Lisbon? And how long does it usually take?",
  "thanks, that helps a lot 🙏",
  "Can I change the size of my order to 42 before it ships?",
];

function contact(i: number) {
  const waId = `1555${String(1_000_000 + i).padStart(7, "0")}`;
  return { waId, contact: { profile: { name: `Customer ${i}` }, wa_id: waId } };
}

function textMessage(i: number, waId: string, timestamp: number) {
  return {
    from: waId,
    id: `wamid.HBgLMTU1NTAxMDAxMDAVAgASGBQzQTRCNUQ2RTdGOEEwMUIyQzNENAA${String(i).padStart(6, "0")}=`,
    timestamp: String(timestamp + i),
    type: "text",
    text: { body: TEXTS[i % TEXTS.length]! },
  };
}

/** A Meta `messages` change carrying `count` customer texts (one contact each). */
export function metaMessagesBody(count: number, first = 0, timestamp = 1_764_000_000): string {
  const contacts = [];
  const messages = [];
  for (let i = first; i < first + count; i++) {
    const c = contact(i);
    contacts.push(c.contact);
    messages.push(textMessage(i, c.waId, timestamp));
  }
  return metaJson({
    object: "whatsapp_business_account",
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
              contacts,
              messages,
            },
            field: "messages",
          },
        ],
      },
    ],
  });
}

export type StatusEvent = { wamid: string; status: string; timestamp: number; recipient: string };

function metaStatus(s: StatusEvent) {
  return {
    id: s.wamid,
    status: s.status,
    timestamp: String(s.timestamp),
    recipient_id: s.recipient,
    ...(s.status === "sent"
      ? {
          conversation: { id: "c0ffee", origin: { type: "service" } },
          pricing: {
            billable: false,
            pricing_model: "PMP",
            category: "service",
            type: "free_customer_service",
          },
        }
      : {}),
  };
}

/** A Meta `messages` change carrying status updates of one number. */
export function metaStatusBody(phoneNumberId: string, statuses: StatusEvent[]): string {
  return metaJson({
    object: "whatsapp_business_account",
    entry: [
      {
        id: WABA_ID,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              statuses: statuses.map(metaStatus),
            },
            field: "messages",
          },
        ],
      },
    ],
  });
}

/** A Kapso v2 `whatsapp.message.received` body for one customer text. */
export function kapsoTextBody(m: {
  phoneNumberId: string;
  messageId: string;
  from: string;
  text: string;
  now: number;
}): string {
  const iso = new Date(m.now).toISOString();
  const digits = m.from.replace(/\D/g, "");
  return JSON.stringify({
    message: {
      id: m.messageId,
      timestamp: String(Math.floor(m.now / 1000)),
      type: "text",
      from: digits,
      text: { body: m.text },
      kapso: {
        direction: "inbound",
        status: "received",
        processing_status: "pending",
        origin: "cloud_api",
        has_media: false,
        content: m.text,
      },
    },
    conversation: {
      id: `conv_${digits}`,
      phone_number: `+${digits}`,
      status: "active",
      last_active_at: iso,
      created_at: iso,
      updated_at: iso,
      metadata: {},
      phone_number_id: m.phoneNumberId,
      kapso: { contact_name: `Customer ${digits.slice(-4)}`, messages_count: 1 },
    },
    is_new_conversation: false,
    phone_number_id: m.phoneNumberId,
  });
}
