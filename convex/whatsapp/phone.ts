/**
 * Customer identity from webhooks: phone numbers normalised to E.164 (`+` and digits), and the
 * contact key a thread is named after — the phone when WhatsApp gives one, otherwise the
 * business-scoped user id (`bsuid:{id}`) of username adopters, whose `wa_id` may be "".
 */

/** `+15551234567` from `15551234567`, `+1 (555) 123-4567` or `0015551234567`; else undefined. */
export function normalizeCustomerPhone(raw: string | undefined | null): string | undefined {
  if (typeof raw !== "string") return undefined;
  const compact = raw.trim().replace(/[\s().-]/g, "");
  const withPlus = compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
  const digits = withPlus.startsWith("+") ? withPlus.slice(1) : withPlus;
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : undefined;
}

/** A BSUID as sent (`user.…`), trimmed; undefined when absent or empty. */
export function normalizeBsuid(raw: string | undefined | null): string | undefined {
  if (typeof raw !== "string") return undefined;
  const trimmed = raw.trim();
  return trimmed.length > 0 && trimmed.length <= 256 ? trimmed : undefined;
}

/** The customer part of a thread's external id: the phone, or `bsuid:{id}` without one. */
export function contactKey(contact: { phoneNumber?: string; bsuid?: string }): string | null {
  if (contact.phoneNumber) return contact.phoneNumber;
  if (contact.bsuid) return `bsuid:${contact.bsuid}`;
  return null;
}

export function threadExternalId(connectionId: string, key: string): string {
  return `whatsapp:${connectionId}:${key}`;
}
