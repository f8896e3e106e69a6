/**
 * The inbox: threads of a tenant's numbers, their messages, and who answers them. This module
 * owns `threads`: it creates them and moves them forward for inbound messages
 * (`getOrCreateThread`, `recordThreadMessage`), keeps the list's preview and unread count as
 * messages are stored (`recordMessageArrival`) or a voice note's words arrive
 * (`refreshMessagePreview`), and every other change of a thread (who answers it, the current
 * agent, its place in the inbox) goes through its helpers. `takeOver` hands a thread to a human
 * and `release` gives it back to the AI (see handoff.ts); `markSeen` clears the unread count.
 * Reads are paginated index ranges.
 */
import { paginationOptsValidator } from "convex/server";
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import schema from "../schema";
import { handOffToHuman, releaseToAi } from "./handoff";
import { lastMessageOf } from "./threadPreview";
import { getOwned, orgMutation, orgQuery } from "../lib/auth";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import { MAX_RELEASE_NOTE, type ChannelParams } from "../lib/validators";
import { contactKey, threadExternalId } from "../whatsapp/phone";

/** A thread as the inbox shows it: no tenancy, no routing or handoff bookkeeping. */
export const vThreadView = doc(schema, "threads").omit(
  "organizationId",
  "environment",
  "agentHandoff",
  "generation",
  "handoffSummary",
  "lastHumanActivityAt",
);

export function threadView(thread: Doc<"threads">) {
  return project(thread, vThreadView);
}

/** A message as the inbox shows it: every field but tenancy. */
export const vMessageView = doc(schema, "messages").omit("organizationId", "environment");

export function messageView(message: Doc<"messages">) {
  return project(message, vMessageView);
}

// --- The thread side of inbound (whatsapp/inboundMessages.ts) --------------------------------

/** What a thread's external id and channel params say of its contact's identity. */
function identityFields(thread: Doc<"threads">, contact: Doc<"contacts">) {
  return {
    externalId: threadExternalId(thread.connectionId, contactKey(contact)!),
    channelParams: {
      ...thread.channelParams,
      ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
      ...(contact.bsuid ? { bsuid: contact.bsuid } : {}),
    },
  };
}

/**
 * The thread of a contact on a number (`whatsapp:{connectionId}:{contactKey}`), created once.
 * A contact whose key changed (a phone number appeared, the BSUID rotated) keeps its thread,
 * found by contact and re-keyed.
 */
export async function getOrCreateThread(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  contact: Doc<"contacts">,
  now: number,
): Promise<Doc<"threads">> {
  const externalId = threadExternalId(connection._id, contactKey(contact)!);
  const existing = await ctx.db
    .query("threads")
    .withIndex("by_externalId", (q) => q.eq("externalId", externalId))
    .first();
  if (existing !== null) return existing;
  const earlier = (
    await ctx.db
      .query("threads")
      .withIndex("by_contactId", (q) => q.eq("contactId", contact._id))
      .take(50)
  ).find((th) => th.connectionId === connection._id);
  if (earlier !== undefined) {
    const rekeyed = identityFields(earlier, contact);
    await ctx.db.patch("threads", earlier._id, rekeyed);
    return { ...earlier, ...rekeyed };
  }
  const id = await ctx.db.insert("threads", {
    organizationId: connection.organizationId,
    environment: connection.environment,
    connectionId: connection._id,
    contactId: contact._id,
    channel: "whatsapp",
    externalId,
    channelParams: {
      ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
      ...(contact.name ? { contactName: contact.name } : {}),
      ...(contact.bsuid ? { bsuid: contact.bsuid } : {}),
    },
    owner: "ai",
    ownerChangedAt: now,
    generation: 0,
    lastMessageAt: 0,
    createdAt: now,
  });
  return (await ctx.db.get("threads", id))!;
}

/**
 * A contact's identity changed (customers/contacts.ts): its threads on every number of its
 * pool take the new key and send to the new identity. A contact has at most one thread per
 * number, so a bounded read covers them.
 */
export async function rekeyContactThreads(ctx: MutationCtx, contact: Doc<"contacts">) {
  const threads = await ctx.db
    .query("threads")
    .withIndex("by_contactId", (q) => q.eq("contactId", contact._id))
    .take(100);
  for (const thread of threads) {
    await ctx.db.patch("threads", thread._id, identityFields(thread, contact));
  }
}

/**
 * Moves a thread forward for a message stored on it (`at`: WhatsApp's timestamp). A customer
 * message refreshes what the agent sees of the customer and the 24-hour window, which a late
 * redelivery never moves back; `startsTurn` bumps the generation, so a routing run already
 * under way stands down. Returns the thread as patched.
 */
export async function recordThreadMessage(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  message: { at: number; customer?: Omit<ChannelParams, "lastInboundAt">; startsTurn: boolean },
): Promise<Doc<"threads">> {
  const { at, customer, startsTurn } = message;
  const patch: Partial<Doc<"threads">> = { lastMessageAt: Math.max(thread.lastMessageAt, at) };
  if (customer !== undefined) {
    const params = thread.channelParams;
    patch.channelParams = {
      ...params,
      ...(customer.phoneNumber ? { phoneNumber: customer.phoneNumber } : {}),
      ...(customer.contactName ? { contactName: customer.contactName } : {}),
      ...(customer.bsuid ? { bsuid: customer.bsuid } : {}),
      lastInboundAt: Math.max(params.lastInboundAt ?? 0, at),
    };
  }
  if (startsTurn) patch.generation = thread.generation + 1;
  await ctx.db.patch("threads", thread._id, patch);
  return { ...thread, ...patch };
}

/**
 * Starts a new turn on a thread without a new message (a replayed message that was never
 * answered): bumps the generation, so a routing run already under way stands down. Returns
 * the generation to route.
 */
export async function startTurn(ctx: MutationCtx, thread: Doc<"threads">): Promise<number> {
  const generation = thread.generation + 1;
  await ctx.db.patch("threads", thread._id, { generation });
  return generation;
}

/**
 * A message is being stored on the thread (inbox/messages.ts): returns its arrival number
 * (`messages.seq`, the thread's counter moved on in the same transaction) and keeps what the
 * inbox list shows of the thread — the newest message's preview (a message older than the one
 * shown, delivered late, leaves it) and one more unread for a customer message.
 */
export async function recordMessageArrival(
  ctx: MutationCtx,
  message: Pick<Doc<"messages">, "threadId" | "role" | "content" | "channelData" | "createdAt">,
): Promise<number> {
  const thread = await ctx.db.get("threads", message.threadId);
  if (thread === null) throw new Error("The message's thread is missing.");
  const seq = (thread.messageSeq ?? 0) + 1;
  const patch: Partial<Doc<"threads">> = { messageSeq: seq };
  if (thread.lastMessage === undefined || message.createdAt >= thread.lastMessage.at) {
    patch.lastMessage = lastMessageOf(message);
  }
  if (message.channelData.direction === "inbound" && message.role === "user") {
    patch.unreadCount = (thread.unreadCount ?? 0) + 1;
  }
  await ctx.db.patch("threads", thread._id, patch);
  return seq;
}

/**
 * A stored message's text changed (a voice note's transcript arrived, media/transcripts.ts):
 * the thread's preview follows, only while that message is still the one it shows — same time,
 * direction and role, and the last stored at that instant (WhatsApp times are whole seconds, so
 * a burst shares them). A newer message's preview is never overwritten.
 */
export async function refreshMessagePreview(
  ctx: MutationCtx,
  message: Pick<Doc<"messages">, "_id" | "threadId" | "role" | "channelData" | "createdAt">,
) {
  const thread = await ctx.db.get("threads", message.threadId);
  const shown = thread?.lastMessage;
  if (thread === null || shown === undefined) return;
  const same =
    shown.at === message.createdAt &&
    shown.direction === message.channelData.direction &&
    shown.role === message.role;
  if (!same) return;
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) =>
      q.eq("threadId", thread._id).eq("createdAt", message.createdAt),
    )
    .order("desc")
    .first();
  if (newest === null || newest._id !== message._id) return;
  const { preview } = lastMessageOf(newest);
  if (preview !== shown.preview) {
    await ctx.db.patch("threads", thread._id, { lastMessage: { ...shown, preview } });
  }
}

// --- Who answers a thread, and its bookkeeping (handoff.ts, escalation.ts, agents, outbound) --

/**
 * A person takes the thread over: a new generation (a turn under way stands down), the
 * inactivity clock started, and the summary the person (and later the AI) reads.
 */
export async function giveToHuman(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  now: number,
  summary: string | undefined,
) {
  await ctx.db.patch("threads", thread._id, {
    owner: "human",
    ownerChangedAt: now,
    generation: thread.generation + 1,
    lastHumanActivityAt: now,
    ...(summary !== undefined ? { handoffSummary: summary } : {}),
  });
}

/** The AI answers the thread again, from a new generation. */
export async function giveBackToAi(ctx: MutationCtx, thread: Doc<"threads">, now: number) {
  await ctx.db.patch("threads", thread._id, {
    owner: "ai",
    ownerChangedAt: now,
    generation: thread.generation + 1,
  });
}

/** A thread opened for a teammate (escalation.ts) is a person's from the start. */
export async function startHumanOwned(ctx: MutationCtx, thread: Doc<"threads">, now: number) {
  await ctx.db.patch("threads", thread._id, { owner: "human", ownerChangedAt: now });
  return { ...thread, owner: "human" as const, ownerChangedAt: now };
}

/** A person acted on the thread: the auto-release inactivity clock restarts. */
export async function touchHumanActivity(ctx: MutationCtx, thread: Doc<"threads">, now: number) {
  await ctx.db.patch("threads", thread._id, { lastHumanActivityAt: now });
}

/** The agent that answers the thread from now on (the turn's handler or router decision). */
export async function setCurrentAgent(
  ctx: MutationCtx,
  threadId: Id<"threads">,
  agentId: Id<"agents">,
) {
  await ctx.db.patch("threads", threadId, { currentAgentId: agentId });
}

/**
 * An agent passes the thread to another (`agents.handoff`): the new agent answers from a new
 * generation, with the note it will see. Returns that generation.
 */
export async function passToAgent(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  handoff: { agentId: Id<"agents">; fromAgentId?: Id<"agents">; note: string; at: number },
) {
  const { agentId, ...agentHandoff } = handoff;
  const generation = thread.generation + 1;
  await ctx.db.patch("threads", thread._id, {
    currentAgentId: agentId,
    agentHandoff,
    generation,
  });
  return generation;
}

/** A message of ours went onto the thread now: it moves up the inbox. */
export async function touchThread(ctx: MutationCtx, threadId: Id<"threads">, at: number) {
  await ctx.db.patch("threads", threadId, { lastMessageAt: at });
}

const vPage = <T extends ReturnType<typeof v.object>>(item: T) =>
  v.object({
    page: v.array(item),
    isDone: v.boolean(),
    continueCursor: v.string(),
    splitCursor: v.optional(v.union(v.string(), v.null())),
    pageStatus: v.optional(
      v.union(v.literal("SplitRecommended"), v.literal("SplitRequired"), v.null()),
    ),
  });

/**
 * A thread stored before `lastMessage` was kept shows its newest message, read here (one
 * index read per such row of the page; every message stored since keeps the field).
 */
async function withLastMessage(ctx: QueryCtx, thread: Doc<"threads">): Promise<Doc<"threads">> {
  if (thread.lastMessage !== undefined) return thread;
  const newest = await ctx.db
    .query("messages")
    .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", thread._id))
    .order("desc")
    .first();
  return newest === null ? thread : { ...thread, lastMessage: lastMessageOf(newest) };
}

/** The inbox, most recent conversation first, each with its preview and unread count. */
export const list = orgQuery({
  args: { paginationOpts: paginationOptsValidator },
  returns: vPage(vThreadView),
  handler: async (ctx, { paginationOpts }) => {
    const result = await ctx.db
      .query("threads")
      .withIndex("by_organizationId_and_environment_and_lastMessageAt", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .order("desc")
      .paginate(paginationOpts);
    const page = await Promise.all(result.page.map((th) => withLastMessage(ctx, th)));
    return { ...result, page: page.map(threadView) };
  },
});

export const get = orgQuery({
  args: { threadId: v.id("threads") },
  returns: vThreadView,
  handler: async (ctx, { threadId }) =>
    threadView(await getOwned(ctx, ctx.tenant, "threads", threadId)),
});

/** Messages of one thread, newest first (the dashboard reverses a page to display it). */
export const messages = orgQuery({
  args: { threadId: v.id("threads"), paginationOpts: paginationOptsValidator },
  returns: vPage(vMessageView),
  handler: async (ctx, { threadId, paginationOpts }) => {
    await getOwned(ctx, ctx.tenant, "threads", threadId);
    const result = await ctx.db
      .query("messages")
      .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .paginate(paginationOpts);
    return { ...result, page: result.page.map(messageView) };
  },
});

/** A teammate's note on a take-over or release, trimmed; refused past MAX_RELEASE_NOTE. */
function teammateNote(summary: string | undefined): string {
  const note = summary?.trim() ?? "";
  if (note.length > MAX_RELEASE_NOTE) {
    throw appError("INVALID_ARGUMENT", `The note is at most ${MAX_RELEASE_NOTE} characters.`);
  }
  return note;
}

/** A human takes the thread over: the AI stays silent until it is released. */
export const takeOver = orgMutation({
  args: { threadId: v.id("threads"), summary: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { threadId, summary }) => {
    const note = teammateNote(summary);
    const thread = await getOwned(ctx, ctx.tenant, "threads", threadId);
    return await handOffToHuman(ctx, thread, {
      reason: "manual",
      ...(note !== "" ? { summary: note } : {}),
      by: { kind: "user", userId: ctx.tenant.userId },
      now: Date.now(),
    });
  },
});

/**
 * The human hands the thread back to the AI, which then sees the whole history; an optional
 * note (what the person did or promised) is recorded on the release and kept in the customer's
 * memory, so the AI does not undo or re-ask it.
 */
export const release = orgMutation({
  args: { threadId: v.id("threads"), summary: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { threadId, summary }) => {
    const note = teammateNote(summary);
    const thread = await getOwned(ctx, ctx.tenant, "threads", threadId);
    return await releaseToAi(ctx, thread, {
      reason: "manual",
      by: { kind: "user", userId: ctx.tenant.userId },
      now: Date.now(),
      ...(note !== "" ? { summary: note } : {}),
    });
  },
});

/**
 * A teammate opened the thread: its unread count starts over. The count is the team's, not
 * each person's (like Chatwoot's per-conversation unread): whoever opens it clears it for all.
 * Writes nothing when nothing is unread and nothing arrived since it was last seen.
 */
export const markSeen = orgMutation({
  args: { threadId: v.id("threads") },
  returns: v.null(),
  handler: async (ctx, { threadId }) => {
    const thread = await getOwned(ctx, ctx.tenant, "threads", threadId);
    const seen =
      (thread.unreadCount ?? 0) === 0 &&
      thread.lastSeenAt !== undefined &&
      thread.lastSeenAt >= (thread.lastMessage?.at ?? 0);
    if (!seen) {
      await ctx.db.patch("threads", threadId, {
        unreadCount: 0,
        lastSeenAt: Date.now(),
        lastSeenBy: ctx.tenant.userId,
      });
    }
    return null;
  },
});
