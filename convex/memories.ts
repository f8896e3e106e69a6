/**
 * Customer memory: notes and facts about one contact, shared by the numbers of its memory pool
 * (the contact row is per pool). Agents read and write it only through their run, so a tool
 * call can reach nothing but the run's own contact. Reads are bounded (`take`).
 */
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx, QueryCtx } from "./_generated/server";

/** Memories placed in an agent's context, newest first. */
export const MAX_MEMORIES_IN_CONTEXT = 10;
/** Memories one contact keeps searchable; older ones are still stored but not searched first. */
export const MAX_MEMORY_SEARCH_RESULTS = 10;

export type MemoryHit = { kind: Doc<"memories">["kind"]; content: string; createdAt: number };

function hit(memory: Doc<"memories">): MemoryHit {
  return { kind: memory.kind, content: memory.content, createdAt: memory.createdAt };
}

/** The newest memories of a contact (bounded). */
export async function recentMemories(
  ctx: QueryCtx,
  contactId: Id<"contacts">,
  limit = MAX_MEMORIES_IN_CONTEXT,
): Promise<MemoryHit[]> {
  const rows = await ctx.db
    .query("memories")
    .withIndex("by_contactId_and_createdAt", (q) => q.eq("contactId", contactId))
    .order("desc")
    .take(limit);
  return rows.map(hit);
}

/** Full-text search in one contact's memories. */
export async function searchMemories(
  ctx: QueryCtx,
  contactId: Id<"contacts">,
  query: string,
  limit: number,
): Promise<MemoryHit[]> {
  const rows = await ctx.db
    .query("memories")
    .withSearchIndex("search_content", (q) => q.search("content", query).eq("contactId", contactId))
    .take(Math.min(limit, MAX_MEMORY_SEARCH_RESULTS));
  return rows.map(hit);
}

/** Stores a memory about the thread's contact, tagged with the number it was learned on. */
export async function storeMemory(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: { kind: "note" | "fact"; content: string; now: number },
): Promise<Id<"memories">> {
  const contact = await ctx.db.get("contacts", thread.contactId);
  if (contact === null) throw new Error("The thread's contact is missing.");
  return await ctx.db.insert("memories", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    contactId: contact._id,
    poolKey: contact.poolKey,
    sourceConnectionId: thread.connectionId,
    kind: input.kind,
    content: input.content,
    createdAt: input.now,
  });
}
