/**
 * What the console's delivery drawer may show of one webhook delivery beyond its list row: the
 * headers that were kept (secrets hidden, signatures shortened) and the items that failed, read
 * back from the dead letter. Pure helpers; the query is `deliveries.get`.
 */
import { v, type Infer } from "convex/values";

/**
 * Headers shown in full: what the provider says about the delivery (type, batch, event,
 * idempotency key, payload version, client). Nothing here authenticates anything.
 */
const SHOWN_IN_FULL = new Set([
  "content-type",
  "user-agent",
  "x-webhook-event",
  "x-webhook-batch",
  "x-batch-size",
  "x-idempotency-key",
  "x-webhook-payload-version",
]);

/**
 * Signatures (`x-webhook-signature`, `x-hub-signature-256`, any name with "signature") are
 * HMACs of the body, not secrets, but are shortened anyway: the scheme (`sha256=`) and the first
 * 8 characters, enough to tell two deliveries apart and never enough to reuse one.
 */
const SIGNATURE = /signature/i;
const SIGNATURE_PREFIX = 8;

/**
 * Every other header is listed by name with its value hidden: authorization, cookies, tokens,
 * API keys, and whatever a future change might record. Only the two lists above are shown.
 */
export const vShownHeader = v.object({
  name: v.string(),
  value: v.string(),
  shown: v.union(v.literal("full"), v.literal("shortened"), v.literal("hidden")),
});
export type ShownHeader = Infer<typeof vShownHeader>;

function shortened(value: string): string {
  const [, scheme = "", rest = ""] = /^([a-z0-9-]+=)?(.*)$/i.exec(value) ?? [];
  return rest.length <= SIGNATURE_PREFIX
    ? `${scheme}…`
    : `${scheme}${rest.slice(0, SIGNATURE_PREFIX)}…`;
}

/** The kept headers as the drawer shows them, sorted by name. */
export function shownHeaders(headers: Record<string, string>): ShownHeader[] {
  return Object.entries(headers)
    .map(([raw, value]): ShownHeader => {
      const name = raw.toLowerCase();
      if (SHOWN_IN_FULL.has(name)) return { name, value: value.slice(0, 512), shown: "full" };
      if (SIGNATURE.test(name)) return { name, value: shortened(value), shown: "shortened" };
      return { name, value: "", shown: "hidden" };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const vFailedItem = v.object({ index: v.number(), error: v.string() });
export type FailedItem = Infer<typeof vFailedItem>;

const MAX_FAILED_ITEMS = 50;
/** `item <n>: <error>`, up to the next item or the next reason (`; no_handler: …`). */
const ITEM = /(?:^|; )item (\d+): ((?:(?!; item \d+: |; [a-z][a-z_]*(?:: |$))[\s\S])*)/g;

/**
 * Items that failed in a transaction of their own, read back from the dead letter's detail
 * (`item 3: <error>; item 7: <error>`, as `recordFailedItems` writes it; other reasons follow as
 * `; <reason>: <detail>`).
 */
export function failedItemsOf(deadLetter: { detail?: string } | undefined): FailedItem[] {
  const detail = deadLetter?.detail;
  if (detail === undefined) return [];
  const items: FailedItem[] = [];
  for (const m of detail.matchAll(ITEM)) {
    items.push({ index: Number(m[1]), error: m[2]! });
    if (items.length === MAX_FAILED_ITEMS) break;
  }
  return items;
}
