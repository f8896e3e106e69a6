/**
 * Template webhooks of a WABA applied to the stored templates of its numbers: review status,
 * quality rating, category changes and edits. What an event says is applied at once; it is also
 * a hint that asks for a sync (templateSync.ts) when it cannot be trusted alone: on numbers
 * connected through Kapso (the forwarded Meta event may be partial), for a template not stored
 * yet, for an edit, and for events that do not tell the status (FLAGGED, LOCKED, ...).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { TemplateCategory } from "../lib/validators";
import type { ParsedTemplateEvent } from "./payloads";
import { applyTemplateChange, removeTemplate } from "./templateStore";
import { requestTemplateSync } from "./templateSync";

export type TemplateEvent = Omit<ParsedTemplateEvent, "kind"> & { kind?: "template" };

/** Statuses an event sets as they are (REINSTATED means sendable again: APPROVED). */
const STATUS_EVENTS = new Set([
  "APPROVED",
  "PENDING",
  "REJECTED",
  "PAUSED",
  "DISABLED",
  "IN_APPEAL",
  "PENDING_DELETION",
  "ARCHIVED",
  "DELETED",
  "REINSTATED",
]);
const CATEGORIES: TemplateCategory[] = ["AUTHENTICATION", "MARKETING", "UTILITY"];

function asCategory(value: string | undefined): TemplateCategory | undefined {
  const upper = value?.toUpperCase();
  return CATEGORIES.find((c) => c === upper);
}

/** Meta writes `en-US` in some webhooks where templates are created as `en_US`. */
function languageVariants(language: string): string[] {
  return [...new Set([language, language.replace(/-/g, "_"), language.replace(/_/g, "-")])];
}

/** The numbers an event is for: the given ones (verified deliveries) or all of the WABA. */
async function eventConnections(
  ctx: MutationCtx,
  businessAccountId: string,
  connectionIds: Id<"whatsappConnections">[] | undefined,
): Promise<Doc<"whatsappConnections">[]> {
  const rows =
    connectionIds === undefined
      ? await ctx.db
          .query("whatsappConnections")
          .withIndex("by_businessAccountId", (q) => q.eq("businessAccountId", businessAccountId))
          .take(50)
      : await Promise.all(connectionIds.map((id) => ctx.db.get("whatsappConnections", id)));
  return rows.filter(
    (c): c is Doc<"whatsappConnections"> => c !== null && c.businessAccountId === businessAccountId,
  );
}

/** The stored copies an event names, by provider id, else by name and language. */
async function eventRows(
  ctx: MutationCtx,
  event: TemplateEvent,
  connections: Doc<"whatsappConnections">[],
): Promise<Doc<"templates">[]> {
  const ids = new Set(connections.map((c) => c._id));
  const mine = (rows: Doc<"templates">[]) =>
    rows.filter((r) => r.businessAccountId === event.businessAccountId && ids.has(r.connectionId));
  if (event.providerTemplateId !== undefined) {
    const rows = await ctx.db
      .query("templates")
      .withIndex("by_providerTemplateId", (q) =>
        q.eq("providerTemplateId", event.providerTemplateId),
      )
      .take(50);
    if (mine(rows).length > 0) return mine(rows);
  }
  const { name, language } = event;
  if (name === undefined || language === undefined) return [];
  for (const variant of languageVariants(language)) {
    const rows = await ctx.db
      .query("templates")
      .withIndex("by_businessAccountId_and_name_and_language", (q) =>
        q.eq("businessAccountId", event.businessAccountId).eq("name", name).eq("language", variant),
      )
      .take(50);
    if (mine(rows).length > 0) return mine(rows);
  }
  return [];
}

/** The change an event makes to a stored template; null deletes it, undefined changes nothing. */
function changeOf(
  row: Doc<"templates">,
  event: TemplateEvent,
  at: number,
): Partial<Doc<"templates">> | null | undefined {
  switch (event.event) {
    case "status": {
      const status = (event.status ?? "").toUpperCase();
      if (status === "DELETED") return null;
      if (!STATUS_EVENTS.has(status)) {
        return { lastEvent: { event: status, detail: event.reason, at }, updatedAt: at };
      }
      return {
        status: status === "REINSTATED" ? "APPROVED" : status,
        statusReason: event.reason && event.reason !== "NONE" ? event.reason : undefined,
        lastEvent: { event: status, detail: event.reason, at },
        ...(asCategory(event.category) ? { category: asCategory(event.category) } : {}),
        updatedAt: at,
      };
    }
    case "quality": {
      const score = (event.quality ?? "UNKNOWN").toUpperCase();
      const previousScore = event.previousQuality?.toUpperCase() ?? row.quality?.score;
      return { quality: { score, previousScore, updatedAt: at }, updatedAt: at };
    }
    case "category":
      return categoryChange(row, event, at);
    case "components":
      return { lastEvent: { event: "EDITED", at }, updatedAt: at };
  }
}

/**
 * `template_category_update`: announced (the category becomes `correctCategory` at
 * `categoryChangeAt`, while `category` is still the current one) or done (`previousCategory`
 * to `category`).
 */
function categoryChange(
  row: Doc<"templates">,
  event: TemplateEvent,
  at: number,
): Partial<Doc<"templates">> {
  const to = asCategory(event.correctCategory);
  if (to !== undefined && to !== row.category && event.previousCategory === undefined) {
    return { categoryChange: { to, at: event.categoryChangeAt }, updatedAt: at };
  }
  const category = asCategory(event.category);
  if (category === undefined || category === row.category) {
    return { categoryChange: undefined, updatedAt: at };
  }
  return {
    category,
    previousCategory: event.previousCategory ?? row.category,
    categoryChange: undefined,
    updatedAt: at,
  };
}

/** Whether an event alone cannot be trusted to bring a number's copy up to date. */
function needsSync(
  connection: Doc<"whatsappConnections">,
  event: TemplateEvent,
  matched: number,
): boolean {
  if (connection.provider === "kapso" || matched === 0 || event.event === "components") return true;
  if (event.event === "category" && asCategory(event.category) === undefined) return true;
  return event.event === "status" && !STATUS_EVENTS.has((event.status ?? "").toUpperCase());
}

/**
 * Applies a template event to the stored copies on the given numbers (all of the WABA when
 * `connectionIds` is undefined) and asks for the syncs it needs. `connections` is how many
 * numbers it concerned (0: none of them has this WABA), `rows` how many copies it changed.
 */
export async function applyTemplateEvent(
  ctx: MutationCtx,
  event: TemplateEvent,
  connectionIds: Id<"whatsappConnections">[] | undefined,
  at: number,
): Promise<{ connections: Doc<"whatsappConnections">[]; rows: number }> {
  const connections = await eventConnections(ctx, event.businessAccountId, connectionIds);
  const rows = await eventRows(ctx, event, connections);
  let changed = 0;
  for (const row of rows) {
    const change = changeOf(row, event, at);
    if (change === undefined) continue;
    changed += 1;
    if (change === null) await removeTemplate(ctx, row._id);
    else {
      const id = event.providerTemplateId ?? row.providerTemplateId;
      await applyTemplateChange(ctx, row, { ...change, providerTemplateId: id });
    }
  }
  for (const connection of connections) {
    const matched = rows.filter((r) => r.connectionId === connection._id).length;
    if (needsSync(connection, event, matched)) await requestTemplateSync(ctx, connection);
  }
  return { connections, rows: changed };
}
