/**
 * The rules of an agent's allow-list of other recipients, free of server code so the agent
 * editor checks numbers as they are typed exactly as `recipients.setAllowed` checks them on save.
 */
import { normalizeCustomerPhone } from "../whatsapp/phone";

/** An agent may be allowed at most this many other numbers. */
export const MAX_ALLOWED_RECIPIENTS = 20;

/** The allow-list as stored (E.164, without repeats), or the first problem in words. */
export function allowedRecipientsFrom(
  phoneNumbers: string[],
): { ok: true; numbers: string[] } | { ok: false; problem: string } {
  const numbers: string[] = [];
  for (const raw of phoneNumbers) {
    const phone = normalizeCustomerPhone(raw);
    if (phone === undefined) {
      return { ok: false, problem: `"${raw}" is not a phone number (E.164).` };
    }
    if (!numbers.includes(phone)) numbers.push(phone);
  }
  if (numbers.length > MAX_ALLOWED_RECIPIENTS) {
    return {
      ok: false,
      problem: `An agent may be allowed at most ${MAX_ALLOWED_RECIPIENTS} other numbers.`,
    };
  }
  return { ok: true, numbers };
}
