/**
 * The items of a verified delivery: parsed by its source, and split into chunks that each fit
 * one transaction. The HTTP action plans the chunks; each `deliveries.ingest` call parses the
 * same body again and acts on its chunk's items only (parsing is deterministic).
 */
import type { DeliverySource } from "../lib/validators";
import { parseKapsoMessages, parseKapsoProject } from "./kapsoPayloads";
import { parseMeta } from "./metaPayloads";
import type { Json, ParsedDelivery, ParsedItem } from "./payloads";

/**
 * Items per ingest transaction. A new message costs at most 8 documents read, 4 written, about
 * 8 index ranges and one scheduled routing job (tests/inboundStorm.test.ts measures it), so
 * 200 items stay far below Convex's per-transaction limits: 32,000 documents scanned, 4,096
 * index ranges, 16,000 documents written, 1,000 scheduled functions, and 1 s of code.
 */
export const CHUNK_ITEMS = 200;

export function parseDelivery(
  source: DeliverySource,
  json: Json,
  headers: Record<string, string>,
  receivedAt: number,
): ParsedDelivery {
  const event = headers["x-webhook-event"];
  switch (source) {
    case "kapso_messages":
      return parseKapsoMessages(json, { event, batch: headers["x-webhook-batch"] }, receivedAt);
    case "kapso_project":
      return parseKapsoProject(json, event);
    case "meta":
      return parseMeta(json, receivedAt);
  }
}

/** The thread an item belongs to, as far as parsing can tell (statuses and others: none). */
function threadKey(item: ParsedItem): string | undefined {
  if (item.kind !== "message") return undefined;
  const customer = item.customerPhone ?? item.bsuid ?? item.providerMessageId;
  return `${item.phoneNumberId}|${customer}`;
}

/**
 * Item indexes in chunks of at most `size`: the messages of one customer on one number stay
 * together (in their order) so each thread is routed once, and the other items (statuses,
 * template and project events) follow in their order, after the messages they may refer to.
 */
export function planChunks(items: ParsedItem[], size = CHUNK_ITEMS): number[][] {
  if (items.length <= size) return [items.map((_, i) => i)];
  const groups = new Map<string, number[]>();
  const rest: number[] = [];
  items.forEach((item, i) => {
    const key = threadKey(item);
    if (key === undefined) {
      rest.push(i);
      return;
    }
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  });
  const chunks: number[][] = [];
  let current: number[] = [];
  for (const group of [...groups.values(), rest]) {
    if (current.length > 0 && current.length + group.length > size) {
      chunks.push(current);
      current = [];
    }
    for (const index of group) {
      if (current.length === size) {
        chunks.push(current);
        current = [];
      }
      current.push(index);
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
