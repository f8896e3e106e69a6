/**
 * Customer memory: notes and facts about one contact, shared by the numbers of its memory pool
 * (the contact row is per pool), each tagged with the number it was learned on; and the
 * contact's recent messages on the pool's other numbers. Agents read and write it only through
 * their run, so a tool call can reach nothing but the run's own contact. Reads are bounded.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

/** Memories placed in an agent's context, newest first. */
export const MAX_MEMORIES_IN_CONTEXT = 10;
/** Memories one contact keeps searchable; older ones are still stored but not searched first. */
export const MAX_MEMORY_SEARCH_RESULTS = 10;

export type MemoryHit = {
  kind: Doc<"memories">["kind"];
  content: string;
  createdAt: number;
  sourceConnectionId: Id<"whatsappConnections">;
};

function hit(memory: Doc<"memories">): MemoryHit {
  return {
    kind: memory.kind,
    content: memory.content,
    createdAt: memory.createdAt,
    sourceConnectionId: memory.sourceConnectionId,
  };
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

/** Full-text search in one contact's memories, optionally only those learned on one number. */
export async function searchMemories(
  ctx: QueryCtx,
  contactId: Id<"contacts">,
  query: string,
  limit: number,
  sourceConnectionId?: Id<"whatsappConnections">,
): Promise<MemoryHit[]> {
  const rows = await ctx.db
    .query("memories")
    .withSearchIndex("search_content", (q) => {
      const scoped = q.search("content", query).eq("contactId", contactId);
      return sourceConnectionId === undefined
        ? scoped
        : scoped.eq("sourceConnectionId", sourceConnectionId);
    })
    .take(Math.min(limit, MAX_MEMORY_SEARCH_RESULTS));
  return rows.map(hit);
}

/** Other threads of one contact read for the pool's shared history (one per pooled number). */
export const MAX_POOL_THREADS = 10;
/** Newest messages read from each of those threads. */
export const MAX_POOL_MESSAGES_PER_THREAD = 10;
/** Messages from other numbers placed in an agent's context, newest kept. */
export const MAX_POOL_MESSAGES = 20;

export type NumberRef = {
  connectionId: Id<"whatsappConnections">;
  label: string;
  phoneNumber?: string;
};

export type PoolMessage = {
  source: NumberRef;
  role: "user" | "assistant" | "human";
  content: string;
  createdAt: number;
};

export function numberRef(connection: Doc<"whatsappConnections">): NumberRef {
  return {
    connectionId: connection._id,
    label: connection.label,
    ...(connection.phoneNumber ? { phoneNumber: connection.phoneNumber } : {}),
  };
}

/** Whether a connection (still) belongs to the memory pool of `poolKey`. */
function inPool(connection: Doc<"whatsappConnections"> | null, poolKey: string) {
  return (
    connection !== null &&
    connection.memoryPoolId !== undefined &&
    `pool:${connection.memoryPoolId}` === poolKey
  );
}

/**
 * The contact's recent messages on the OTHER numbers of its memory pool (the support
 * line sees yesterday's sales turn), oldest first, each tagged with its source number. Nothing
 * for unpooled numbers (their contact is per connection) or numbers that left the pool.
 */
export async function poolHistory(ctx: QueryCtx, thread: Doc<"threads">): Promise<PoolMessage[]> {
  const contact = await ctx.db.get("contacts", thread.contactId);
  if (contact === null || !contact.poolKey.startsWith("pool:")) return [];
  const threads = await ctx.db
    .query("threads")
    .withIndex("by_contactId", (q) => q.eq("contactId", contact._id))
    .take(MAX_POOL_THREADS + 1);
  const out: PoolMessage[] = [];
  for (const other of threads) {
    if (
      other._id === thread._id ||
      other.organizationId !== thread.organizationId ||
      other.environment !== thread.environment
    ) {
      continue;
    }
    const connection = await ctx.db.get("whatsappConnections", other.connectionId);
    if (connection === null || !inPool(connection, contact.poolKey)) continue;
    const rows = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", other._id))
      .order("desc")
      .take(MAX_POOL_MESSAGES_PER_THREAD);
    for (const m of rows) {
      if (m.role !== "user" && m.role !== "assistant" && m.role !== "human") continue;
      out.push({
        source: numberRef(connection),
        role: m.role,
        content: m.content,
        createdAt: m.createdAt,
      });
    }
  }
  out.sort((a, b) => a.createdAt - b.createdAt);
  return out.slice(-MAX_POOL_MESSAGES);
}

/**
 * The numbers whose memories a contact of `thread` shares: the thread's own number and, for a
 * pooled contact, the tenant's other numbers in the same pool (bounded read).
 */
export async function poolNumbers(ctx: QueryCtx, thread: Doc<"threads">): Promise<NumberRef[]> {
  const [contact, own] = await Promise.all([
    ctx.db.get("contacts", thread.contactId),
    ctx.db.get("whatsappConnections", thread.connectionId),
  ]);
  const numbers = own ? [numberRef(own)] : [];
  if (contact === null || !contact.poolKey.startsWith("pool:")) return numbers;
  const connections = await ctx.db
    .query("whatsappConnections")
    .withIndex("by_organizationId_and_environment", (q) =>
      q.eq("organizationId", thread.organizationId).eq("environment", thread.environment),
    )
    .take(100);
  for (const c of connections) {
    if (c._id !== thread.connectionId && inPool(c, contact.poolKey)) numbers.push(numberRef(c));
  }
  return numbers;
}

/** Stores a memory about the thread's contact, tagged with the number it was learned on. */
export async function storeMemory(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: { kind: Doc<"memories">["kind"]; content: string; now: number },
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
