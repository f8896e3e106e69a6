/**
 * Queueing outbound messages, and the dashboard's functions for them. `enqueueOutbound` (used
 * by the functions below, the agents' tools and follow-ups) checks the message against the
 * rules of content.ts (24-hour window, limits, template approval and parameters), writes the
 * `messages` row as `queued` plus its `outboundSends` row, and starts pacing it; from there
 * lifecycle.ts takes the send to `sent` or `failed`. Nothing is written when a check fails.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { getOwned, orgAction, orgMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import {
  vOutboundContent,
  vSendAttempt,
  vSendState,
  vTemplateParameters,
  type OutboundContent,
} from "../lib/validators";
import { handOffToHuman } from "../inbox/handoff";
import { insertMessage } from "../inbox/messages";
import { touchThread } from "../inbox/threads";
import {
  historyText,
  invalid,
  queuedChannelData,
  requireWindowOpen,
  templateSend,
  validateContent,
} from "./content";
import { templateForSend } from "../whatsapp/templateSync";
import { createSend } from "./lifecycle";
import { paceForCustomer } from "./pacing";

export type EnqueueArgs = {
  threadId: Id<"threads">;
  content: OutboundContent;
  /** `assistant` for agents, `human` for people in the dashboard. */
  role: "assistant" | "human";
  authorId?: string;
  agentRunId?: Id<"agentRuns">;
  /** Provider id of the customer message this one replies to. */
  replyTo?: string;
};

/** The template row a send names, on the thread's number (its WABA). */
async function findTemplate(
  ctx: MutationCtx,
  connectionId: Id<"whatsappConnections">,
  name: string,
  language: string,
) {
  return await ctx.db
    .query("templates")
    .withIndex("by_connectionId_and_name_and_language", (q) =>
      q.eq("connectionId", connectionId).eq("name", name).eq("language", language),
    )
    .first();
}

/** The thread, its connected number and the customer's address, or why it cannot be sent to. */
async function sendableThread(ctx: MutationCtx, threadId: Id<"threads">) {
  const thread = await ctx.db.get("threads", threadId);
  if (thread === null) throw appError("NOT_FOUND", "No such thread.");
  const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
  if (
    connection === null ||
    connection.status !== "connected" ||
    connection.providerPhoneNumberId === undefined
  ) {
    throw appError("CONNECTION_NOT_READY", "This thread's number is not connected.");
  }
  const recipient = thread.channelParams.phoneNumber ?? thread.channelParams.bsuid;
  if (recipient === undefined) invalid("This thread's customer has no phone number or user id.");
  return { thread, connection, recipient };
}

/**
 * Queues one outbound message on a thread and returns its `messages` row id. Throws a
 * ConvexError, writing and sending nothing, when the message may not be sent:
 * OUTSIDE_CUSTOMER_SERVICE_WINDOW, TEMPLATE_NOT_FOUND, TEMPLATE_NOT_APPROVED,
 * TEMPLATE_PARAMETERS_INVALID, MESSAGE_INVALID, CONNECTION_NOT_READY.
 */
export async function enqueueOutbound(
  ctx: MutationCtx,
  args: EnqueueArgs,
): Promise<Id<"messages">> {
  const now = Date.now();
  const { thread, connection, recipient } = await sendableThread(ctx, args.threadId);
  const { content } = args;
  validateContent(content);
  // Templates may be sent at any time; anything else only inside the 24-hour window.
  const template =
    content.kind === "template"
      ? templateSend(
          content,
          await templateForSend(ctx, connection, content.name, content.language),
        )
      : undefined;
  if (template === undefined) requireWindowOpen(thread, now);

  const tenant = { organizationId: thread.organizationId, environment: thread.environment };
  const messageId = await insertMessage(ctx, {
    ...tenant,
    threadId: thread._id,
    connectionId: connection._id,
    role: args.role,
    content: template?.text ?? historyText(content),
    channelData: queuedChannelData(content, {
      origin: args.role === "human" ? "dashboard" : "agent",
      replyTo: args.replyTo,
      now,
    }),
    createdAt: now,
    agentRunId: args.agentRunId,
    authorId: args.authorId,
  });
  const sendId = await createSend(
    ctx,
    {
      ...tenant,
      messageId,
      connectionId: connection._id,
      threadId: thread._id,
      recipient,
      content,
      templatePayload: template?.payload,
    },
    now,
  );
  await touchThread(ctx, thread._id, now);
  await paceForCustomer(ctx, { _id: sendId, connectionId: connection._id, recipient });
  return messageId;
}

// --- Public functions for the dashboard and the CLI ------------------------------------------

/**
 * A person sent something on a thread: an AI-owned thread becomes theirs (the AI stays silent
 * until it is released); on a human-owned one, the auto-release clock restarts.
 */
async function personReplied(ctx: MutationCtx, threadId: Id<"threads">, userId: string) {
  const thread = await ctx.db.get("threads", threadId);
  if (thread === null) return;
  await handOffToHuman(ctx, thread, {
    reason: "human_replied",
    by: { kind: "user", userId },
    now: Date.now(),
  });
}

/**
 * Sends a human's reply from the dashboard on a thread (stored with role `human`). Replying
 * hands an AI-owned thread to the human and restarts the auto-release clock of a human one.
 */
export const sendHumanReply = orgMutation({
  args: {
    threadId: v.id("threads"),
    text: v.optional(v.string()),
    /** Any other kind (media, buttons, list, reaction); templates go through sendTemplate. */
    content: v.optional(vOutboundContent),
    replyTo: v.optional(v.string()),
  },
  returns: v.id("messages"),
  handler: async (ctx, args) => {
    const thread = await getOwned(ctx, ctx.tenant, "threads", args.threadId);
    const content: OutboundContent | undefined =
      args.content ?? (args.text !== undefined ? { kind: "text", text: args.text } : undefined);
    if (content === undefined) invalid("Give text or content.");
    const id = await enqueueOutbound(ctx, {
      threadId: thread._id,
      content,
      role: "human",
      authorId: ctx.tenant.userId,
      replyTo: args.replyTo,
    });
    await personReplied(ctx, thread._id, ctx.tenant.userId);
    return id;
  },
});

/** Enqueues a template send for a tenant, or says the template is unknown or not APPROVED here. */
export const enqueueTemplateForTenant = internalMutation({
  args: {
    tenant: v.object({
      organizationId: v.id("organizations"),
      environment: v.union(v.literal("development"), v.literal("production")),
      role: v.union(v.literal("admin"), v.literal("member")),
      userId: v.string(),
    }),
    threadId: v.id("threads"),
    name: v.string(),
    language: v.string(),
    parameters: v.optional(vTemplateParameters),
    refreshed: v.boolean(),
  },
  returns: v.union(
    v.object({ kind: v.literal("queued"), messageId: v.id("messages") }),
    /** Not stored here (`known` false), or not APPROVED here: sync it, then try again. */
    v.object({
      kind: v.literal("unknown"),
      connectionId: v.id("whatsappConnections"),
      known: v.boolean(),
    }),
  ),
  handler: async (ctx, args) => {
    const thread = await getOwned(ctx, args.tenant as Tenant, "threads", args.threadId);
    if (!args.refreshed) {
      const stored = await findTemplate(ctx, thread.connectionId, args.name, args.language);
      if (stored?.status !== "APPROVED") {
        return { kind: "unknown" as const, connectionId: thread.connectionId, known: !!stored };
      }
    }
    const messageId = await enqueueOutbound(ctx, {
      threadId: thread._id,
      content: {
        kind: "template",
        name: args.name,
        language: args.language,
        parameters: args.parameters,
      },
      role: "human",
      authorId: args.tenant.userId,
    });
    await personReplied(ctx, thread._id, args.tenant.userId);
    return { kind: "queued" as const, messageId };
  },
});

/**
 * Sends an approved template on a thread (allowed outside the 24-hour window). A template not
 * known locally, or not APPROVED here, is looked up at the provider first (it may have been
 * approved since the last sync). Like any reply by a person, it hands an
 * AI-owned thread to them.
 */
export const sendTemplate = orgAction({
  args: {
    threadId: v.id("threads"),
    name: v.string(),
    language: v.string(),
    parameters: v.optional(vTemplateParameters),
  },
  returns: v.id("messages"),
  handler: async (ctx, args): Promise<Id<"messages">> => {
    const call = { tenant: ctx.tenant, ...args };
    const first = await ctx.runMutation(internal.outbound.sends.enqueueTemplateForTenant, {
      ...call,
      refreshed: false,
    });
    if (first.kind === "queued") return first.messageId;
    try {
      await ctx.runAction(internal.whatsapp.providerTemplates.syncTemplates, {
        connectionId: first.connectionId,
        trigger: "send",
        name: args.name,
      });
    } catch (error) {
      // For a template stored here, its stored status answers when the provider cannot.
      if (!first.known) throw error;
    }
    const second = await ctx.runMutation(internal.outbound.sends.enqueueTemplateForTenant, {
      ...call,
      refreshed: true,
    });
    if (second.kind === "queued") return second.messageId;
    throw appError("TEMPLATE_NOT_FOUND", `No template "${args.name}" (${args.language}).`);
  },
});

/** How a message is being sent: state, attempts and when the next try is due. */
export const getDelivery = orgQuery({
  args: { messageId: v.id("messages") },
  returns: v.union(
    v.null(),
    v.object({
      state: vSendState,
      attempts: v.array(vSendAttempt),
      nextAttemptAt: v.optional(v.number()),
    }),
  ),
  handler: async (ctx, { messageId }) => {
    await getOwned(ctx, ctx.tenant, "messages", messageId);
    const send = await ctx.db
      .query("outboundSends")
      .withIndex("by_messageId", (q) => q.eq("messageId", messageId))
      .first();
    if (send === null) return null;
    return { state: send.state, attempts: send.attempts, nextAttemptAt: send.nextAttemptAt };
  },
});
