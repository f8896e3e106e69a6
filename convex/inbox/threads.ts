/**
 * The inbox: threads of a tenant's numbers, their messages, and who answers them. `takeOver`
 * hands a thread to a human and `release` gives it back to the AI (see handoff.ts). Reads
 * are paginated index ranges.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel";
import { handOffToHuman, releaseToAi } from "./handoff";
import { getOwned, orgMutation, orgQuery } from "../lib/auth";
import { vChannelData, vChannelParams, vMessageRole, vThreadOwner } from "../lib/validators";

export const vThreadView = v.object({
  _id: v.id("threads"),
  _creationTime: v.number(),
  connectionId: v.id("whatsappConnections"),
  contactId: v.id("contacts"),
  externalId: v.string(),
  channel: v.literal("whatsapp"),
  channelParams: vChannelParams,
  owner: vThreadOwner,
  ownerChangedAt: v.number(),
  currentAgentId: v.optional(v.id("agents")),
  lastMessageAt: v.number(),
  createdAt: v.number(),
});

export function threadView(thread: Doc<"threads">) {
  return {
    _id: thread._id,
    _creationTime: thread._creationTime,
    connectionId: thread.connectionId,
    contactId: thread.contactId,
    externalId: thread.externalId,
    channel: thread.channel,
    channelParams: thread.channelParams,
    owner: thread.owner,
    ownerChangedAt: thread.ownerChangedAt,
    currentAgentId: thread.currentAgentId,
    lastMessageAt: thread.lastMessageAt,
    createdAt: thread.createdAt,
  };
}

export const vMessageView = v.object({
  _id: v.id("messages"),
  _creationTime: v.number(),
  threadId: v.id("threads"),
  connectionId: v.id("whatsappConnections"),
  role: vMessageRole,
  content: v.string(),
  channelData: vChannelData,
  createdAt: v.number(),
  agentRunId: v.optional(v.id("agentRuns")),
  authorId: v.optional(v.string()),
});

export function messageView(message: Doc<"messages">) {
  return {
    _id: message._id,
    _creationTime: message._creationTime,
    threadId: message.threadId,
    connectionId: message.connectionId,
    role: message.role,
    content: message.content,
    channelData: message.channelData,
    createdAt: message.createdAt,
    agentRunId: message.agentRunId,
    authorId: message.authorId,
  };
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

/** The inbox, most recent conversation first. */
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
    return { ...result, page: result.page.map(threadView) };
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

/** A human takes the thread over: the AI stays silent until it is released. */
export const takeOver = orgMutation({
  args: { threadId: v.id("threads"), summary: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, { threadId, summary }) => {
    const thread = await getOwned(ctx, ctx.tenant, "threads", threadId);
    return await handOffToHuman(ctx, thread, {
      reason: "manual",
      summary,
      by: { kind: "user", userId: ctx.tenant.userId },
      now: Date.now(),
    });
  },
});

/** The human hands the thread back to the AI, which then sees the whole history. */
export const release = orgMutation({
  args: { threadId: v.id("threads") },
  returns: v.boolean(),
  handler: async (ctx, { threadId }) => {
    const thread = await getOwned(ctx, ctx.tenant, "threads", threadId);
    return await releaseToAi(ctx, thread, {
      reason: "manual",
      by: { kind: "user", userId: ctx.tenant.userId },
      now: Date.now(),
    });
  },
});
