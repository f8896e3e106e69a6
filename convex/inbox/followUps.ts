/**
 * Follow-ups: messages scheduled for later on a thread (e.g. 24 h and 72 h after an
 * appointment), by a person or by an agent's tool. When one fires inside the 24-hour window
 * it goes out as text; outside it, as the chosen approved template; with neither possible it
 * fails visibly. It is cancelled when the customer writes again first (if so configured), and
 * never sent while a person owns the thread.
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import { getOwned, orgMutation, orgQuery } from "../lib/auth";
import { appError, isAppError } from "../lib/errors";
import { project } from "../lib/projections";
import schema from "../schema";
import {
  vFollowUpTemplate,
  type FollowUpTemplate,
  type HandoffActor,
  type OutboundContent,
} from "../lib/validators";
import { isWindowOpen } from "../outbound/content";
import { enqueueOutbound } from "../outbound/sends";

/** Follow-ups are at most this far ahead (Convex schedules far further, customers forget). */
export const MAX_FOLLOW_UP_DELAY_MS = 90 * 24 * 60 * 60 * 1000;

export type FollowUpInput = {
  dueAt: number;
  text: string;
  template?: FollowUpTemplate;
  cancelOnReply: boolean;
  createdBy: HandoffActor;
};

/** Schedules a follow-up on a thread (the thread is already checked for the tenant). */
export async function scheduleFollowUp(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: FollowUpInput,
  now: number,
): Promise<Id<"followUps">> {
  if (input.text.trim() === "") throw appError("INVALID_ARGUMENT", "A follow-up needs text.");
  if (input.text.length > 4096) {
    throw appError("INVALID_ARGUMENT", "A follow-up's text is at most 4096 characters.");
  }
  if (!(input.dueAt > now) || input.dueAt - now > MAX_FOLLOW_UP_DELAY_MS) {
    throw appError("INVALID_ARGUMENT", "A follow-up is due between now and 90 days from now.");
  }
  const id = await ctx.db.insert("followUps", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    dueAt: input.dueAt,
    text: input.text,
    template: input.template,
    cancelOnReply: input.cancelOnReply,
    createdBy: input.createdBy,
    state: { kind: "scheduled" },
    createdAt: now,
  });
  const jobId = await ctx.scheduler.runAt(input.dueAt, internal.inbox.followUps.fire, {
    followUpId: id,
  });
  await ctx.db.patch("followUps", id, { state: { kind: "scheduled", jobId } });
  return id;
}

/** Sends a due follow-up, unless it was cancelled, the thread moved on or a person owns it. */
export const fire = internalMutation({
  args: { followUpId: v.id("followUps") },
  returns: v.null(),
  handler: async (ctx, { followUpId }) => {
    const followUp = await ctx.db.get("followUps", followUpId);
    if (followUp === null || followUp.state.kind !== "scheduled") return null;
    const thread = await ctx.db.get("threads", followUp.threadId);
    const now = Date.now();
    const end = (state: Doc<"followUps">["state"]) =>
      ctx.db.patch("followUps", followUpId, { state });
    if (thread === null) {
      await end({ kind: "cancelled", reason: "The thread no longer exists.", at: now });
      return null;
    }
    if (thread.owner === "human") {
      await end({ kind: "cancelled", reason: "A person owns the conversation.", at: now });
      return null;
    }
    const lastInbound = thread.channelParams.lastInboundAt ?? 0;
    if (followUp.cancelOnReply && lastInbound > followUp.createdAt) {
      await end({ kind: "cancelled", reason: "The customer wrote again first.", at: now });
      return null;
    }
    const asText = isWindowOpen(thread, now);
    const template = followUp.template;
    const content: OutboundContent | null = asText
      ? { kind: "text", text: followUp.text }
      : template !== undefined
        ? { kind: "template", ...template }
        : null;
    if (content === null) {
      await end({
        kind: "failed",
        reason: "The 24-hour window had closed and no template was chosen.",
        at: now,
      });
      return null;
    }
    const role = followUp.createdBy.kind === "user" ? "human" : "assistant";
    try {
      const messageId = await enqueueOutbound(ctx, {
        threadId: thread._id,
        role,
        ...(followUp.createdBy.kind === "user" ? { authorId: followUp.createdBy.userId } : {}),
        content,
      });
      await end({ kind: "sent", messageId, as: asText ? "text" : "template", at: now });
    } catch (error) {
      if (!isAppError(error)) throw error;
      await end({ kind: "failed", reason: error.data.message, at: now });
    }
    return null;
  },
});

/** A follow-up as the dashboard lists it: no tenancy, not who created it. */
export const vFollowUpView = doc(schema, "followUps").omit(
  "_creationTime",
  "organizationId",
  "environment",
  "createdBy",
);

/** Schedules a follow-up from the dashboard or the CLI. */
export const schedule = orgMutation({
  args: {
    threadId: v.id("threads"),
    dueAt: v.number(),
    text: v.string(),
    template: v.optional(vFollowUpTemplate),
    cancelOnReply: v.optional(v.boolean()),
  },
  returns: v.id("followUps"),
  handler: async (ctx, args) => {
    const thread = await getOwned(ctx, ctx.tenant, "threads", args.threadId);
    return await scheduleFollowUp(
      ctx,
      thread,
      {
        dueAt: args.dueAt,
        text: args.text,
        template: args.template,
        cancelOnReply: args.cancelOnReply ?? true,
        createdBy: { kind: "user", userId: ctx.tenant.userId },
      },
      Date.now(),
    );
  },
});

export const list = orgQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vFollowUpView),
  handler: async (ctx, { threadId }) => {
    await getOwned(ctx, ctx.tenant, "threads", threadId);
    const rows = await ctx.db
      .query("followUps")
      .withIndex("by_threadId_and_dueAt", (q) => q.eq("threadId", threadId))
      .take(100);
    return rows.map((f) => project(f, vFollowUpView));
  },
});

export const cancel = orgMutation({
  args: { followUpId: v.id("followUps") },
  returns: v.boolean(),
  handler: async (ctx, { followUpId }) => {
    const followUp = await getOwned(ctx, ctx.tenant, "followUps", followUpId);
    if (followUp.state.kind !== "scheduled") return false;
    if (followUp.state.jobId !== undefined) await ctx.scheduler.cancel(followUp.state.jobId);
    await ctx.db.patch("followUps", followUpId, {
      state: { kind: "cancelled", reason: "Cancelled by a teammate.", at: Date.now() },
    });
    return true;
  },
});
