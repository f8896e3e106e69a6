/**
 * Outbound sending, queue-first. `enqueueOutbound` (called by the dashboard functions below and
 * by the agents' tools) checks the message (24-hour window from `channelParams.lastInboundAt`,
 * interactive limits, template approval and parameters), writes the `messages` row as `queued`
 * plus its `outboundSends` row, then paces it: a token from the customer's pair limit (Meta:
 * 1 per 6 s, bursts of 45), then a slot in the number's per-second window (80/s by default,
 * `connection.pacing`), both reserved with @convex-dev/rate-limiter so throttled sends wait in
 * order instead of being dropped. `provider.sendOutbound` then makes the call.
 *
 * Failures: permanent (131026, 131047, template/parameter errors, 4xx) end as `failed` with the
 * provider's code and reason; transient ones (5xx, 429, 130429, outages) are retried with
 * exponential backoff and jitter, every retry going back through the number's pacing (so a
 * retry storm cannot exceed the rate; this is why retries are scheduled here rather than by a
 * generic retrier). Every call is recorded in `attempts`.
 *
 * Ambiguous sends (timeout or reset after the request left) are never resent blindly: each send
 * carries our message id as `biz_opaque_callback_data`. After `reconcileDelayMs` the row is
 * checked: a status webhook echoing that id (statuses.ts writes the provider id on the row)
 * settles it; for Kapso numbers the provider's message history is searched; only when the
 * provider has no such message is it sent again. Meta-direct numbers have no history API: with no
 * echo, the send ends `failed` ("unconfirmed") rather than risking a duplicate.
 */
import { RateLimiter } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components, internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { getOwned, orgAction, orgMutation, orgQuery, type Tenant } from "../lib/auth";
import { metaGraphBaseUrl, outboundConfig } from "../lib/config";
import { appError } from "../lib/errors";
import {
  prepareTemplateSend,
  templateHistoryContent,
  type TemplateComponentDefinition,
} from "../whatsapp/templateRules";
import {
  vOutboundContent,
  vSendAttempt,
  vSendState,
  vTemplateParameters,
  type ChannelData,
  type OutboundContent,
  type SendAttempt,
} from "../lib/validators";
import { handOffToHuman, noteHumanActivity } from "../inbox/handoff";
import { applyPendingStatuses, mergeStatus } from "../whatsapp/statuses";

/** Meta's customer-service window: free-form messages only within 24 h of the last inbound. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

const rateLimiter = new RateLimiter(components.rateLimiter);

/** Attempt outcomes that were provider sends (the rest are reconciliation steps). */
const PROVIDER_CALLS: SendAttempt["outcome"][] = [
  "accepted",
  "transient",
  "permanent",
  "ambiguous",
];

/** History lookups of one ambiguous send before it is given up as unconfirmed. */
const MAX_LOOKUPS = 4;

/** Whether free-form messages may be sent on a thread at `now`. */
export function isWindowOpen(thread: Pick<Doc<"threads">, "channelParams">, now: number) {
  const last = thread.channelParams.lastInboundAt;
  return last !== undefined && now - last < CUSTOMER_SERVICE_WINDOW_MS;
}

/** Mark-as-read is not a message: it marks the customer's message read (optionally typing). */
export type MarkRead = { kind: "markRead"; messageId: string; typingIndicator?: boolean };

export type EnqueueArgs = {
  threadId: Id<"threads">;
  content: OutboundContent | MarkRead;
  /** `assistant` for agents, `human` for people in the dashboard. */
  role: "assistant" | "human";
  authorId?: string;
  agentRunId?: Id<"agentRuns">;
  /** Provider id of the customer message this one replies to. */
  replyTo?: string;
};

function invalid(message: string): never {
  throw appError("MESSAGE_INVALID", message);
}

function checkLength(what: string, value: string | undefined, max: number, required = true) {
  if (value === undefined || value.trim() === "") {
    if (required) invalid(`${what} is required.`);
    return;
  }
  if (value.length > max) invalid(`${what} is at most ${max} characters.`);
}

/** Cloud API limits of each kind, checked before anything is written. */
export function validateContent(content: OutboundContent) {
  switch (content.kind) {
    case "text":
      return checkLength("Text", content.text, 4096);
    case "media": {
      const sources = [content.url, content.storageId].filter((s) => s !== undefined);
      if (sources.length !== 1) invalid("A media message needs exactly one of url or storageId.");
      if (content.url !== undefined && !/^https?:\/\//.test(content.url)) {
        invalid("The media url must be http(s).");
      }
      if (content.mediaType === "audio" && content.caption !== undefined) {
        invalid("Audio messages have no caption.");
      }
      return checkLength("Caption", content.caption, 1024, false);
    }
    case "buttons":
      checkLength("Body", content.body, 1024);
      checkLength("Header", content.header, 60, false);
      checkLength("Footer", content.footer, 60, false);
      if (content.buttons.length < 1 || content.buttons.length > 3) {
        invalid("Reply buttons: 1 to 3 buttons.");
      }
      for (const b of content.buttons) {
        checkLength("Button title", b.title, 20);
        checkLength("Button id", b.id, 256);
      }
      if (new Set(content.buttons.map((b) => b.id)).size !== content.buttons.length) {
        invalid("Button ids must be unique.");
      }
      return;
    case "list": {
      checkLength("Body", content.body, 4096);
      checkLength("Button text", content.buttonText, 20);
      checkLength("Header", content.header, 60, false);
      checkLength("Footer", content.footer, 60, false);
      const rows = content.sections.flatMap((s) => s.rows);
      if (content.sections.length < 1 || content.sections.length > 10) {
        invalid("Lists: 1 to 10 sections.");
      }
      if (rows.length < 1 || rows.length > 10) invalid("Lists: 1 to 10 rows in total.");
      if (content.sections.length > 1 && content.sections.some((s) => !s.title)) {
        invalid("Lists with several sections need a title on each.");
      }
      for (const s of content.sections) checkLength("Section title", s.title, 24, false);
      for (const r of rows) {
        checkLength("Row title", r.title, 24);
        checkLength("Row id", r.id, 200);
        checkLength("Row description", r.description, 72, false);
      }
      if (new Set(rows.map((r) => r.id)).size !== rows.length) invalid("Row ids must be unique.");
      return;
    }
    case "template":
      return checkLength("Template name", content.name, 512);
    case "reaction":
      checkLength("Reaction target", content.messageId, 512);
      return checkLength("Emoji", content.emoji, 16);
  }
}

/** What a message looks like in history (the `content` column). */
function historyText(content: OutboundContent): string {
  switch (content.kind) {
    case "text":
      return content.text;
    case "media":
      return content.caption ?? `[${content.mediaType}]`;
    case "buttons":
      return `${content.body}\n${content.buttons.map((b) => `[${b.title}]`).join(" ")}`;
    case "list":
      return `${content.body}\n[${content.buttonText}]`;
    case "reaction":
      return content.emoji;
    case "template":
      return `[Template: ${content.name}]`;
  }
}

function cloudApiType(content: OutboundContent): string {
  if (content.kind === "media") return content.mediaType;
  if (content.kind === "buttons" || content.kind === "list") return "interactive";
  return content.kind;
}

/** The template row a send names, on the thread's number (its WABA). */
export async function findTemplate(
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

/**
 * Queues one outbound message on a thread and returns its `messages` row id (null for
 * mark-as-read, which writes no row). Throws a ConvexError, writing and sending nothing, when
 * the message may not be sent: OUTSIDE_CUSTOMER_SERVICE_WINDOW, TEMPLATE_NOT_FOUND,
 * TEMPLATE_NOT_APPROVED, TEMPLATE_PARAMETERS_INVALID, MESSAGE_INVALID, CONNECTION_NOT_READY.
 */
export async function enqueueOutbound(
  ctx: MutationCtx,
  args: EnqueueArgs,
): Promise<Id<"messages"> | null> {
  const now = Date.now();
  const thread = await ctx.db.get("threads", args.threadId);
  if (thread === null) throw appError("NOT_FOUND", "No such thread.");
  const connection = await ctx.db.get("whatsappConnections", thread.connectionId);
  if (
    connection === null ||
    connection.status !== "connected" ||
    connection.providerPhoneNumberId === undefined
  ) {
    throw appError("CONNECTION_NOT_READY", "This thread's number is not connected.");
  }
  const content = args.content;
  if (content.kind === "markRead") {
    await ctx.scheduler.runAfter(0, internal.whatsapp.provider.markRead, {
      connectionId: connection._id,
      providerMessageId: content.messageId,
      typingIndicator: content.typingIndicator ?? false,
    });
    return null;
  }
  const recipient = thread.channelParams.phoneNumber ?? thread.channelParams.bsuid;
  if (recipient === undefined) invalid("This thread's customer has no phone number or user id.");
  validateContent(content);

  let templatePayload: unknown;
  let text = historyText(content);
  if (content.kind === "template") {
    const template = await findTemplate(ctx, connection._id, content.name, content.language);
    if (template === null) {
      throw appError(
        "TEMPLATE_NOT_FOUND",
        `No template "${content.name}" (${content.language}) on this number: create or sync it first.`,
      );
    }
    if (template.status !== "APPROVED") {
      throw appError(
        "TEMPLATE_NOT_APPROVED",
        `Template "${content.name}" is ${template.status}: only APPROVED templates can be sent.`,
      );
    }
    const { problems, prepared } = prepareTemplateSend(
      {
        parameterFormat: template.parameterFormat,
        components: template.components as TemplateComponentDefinition[],
      },
      content.parameters,
    );
    if (prepared === undefined) {
      throw appError(
        "TEMPLATE_PARAMETERS_INVALID",
        `Template "${content.name}": ${problems.join(" ")}`,
      );
    }
    templatePayload = {
      name: content.name,
      language: { code: content.language },
      ...(prepared.components.length > 0 ? { components: prepared.components } : {}),
    };
    text = templateHistoryContent(content.name, prepared.renderedBody);
  } else if (!isWindowOpen(thread, now)) {
    throw appError(
      "OUTSIDE_CUSTOMER_SERVICE_WINDOW",
      "More than 24 hours have passed since the customer's last message: only an approved template can be sent now.",
    );
  }

  const channelData: ChannelData = {
    channel: "whatsapp",
    direction: "outbound",
    type: cloudApiType(content),
    status: "queued",
    statusTimestamps: { queuedAt: now },
    origin: args.role === "human" ? "dashboard" : "agent",
    ...(content.kind === "template" ? { templateName: content.name } : {}),
    ...(content.kind === "media"
      ? {
          media: {
            ...(content.url !== undefined ? { url: content.url } : {}),
            ...(content.mimeType !== undefined ? { mimeType: content.mimeType } : {}),
            ...(content.caption !== undefined ? { caption: content.caption } : {}),
            ...(content.filename !== undefined ? { filename: content.filename } : {}),
          },
        }
      : {}),
    ...(content.kind === "buttons" || content.kind === "list" || content.kind === "reaction"
      ? { payload: content }
      : {}),
    ...(content.kind === "reaction"
      ? { contextMessageId: content.messageId }
      : args.replyTo !== undefined
        ? { contextMessageId: args.replyTo }
        : {}),
  };
  const messageId = await ctx.db.insert("messages", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    connectionId: connection._id,
    role: args.role,
    content: text,
    channelData,
    createdAt: now,
    ...(args.agentRunId !== undefined ? { agentRunId: args.agentRunId } : {}),
    ...(args.authorId !== undefined ? { authorId: args.authorId } : {}),
  });
  const sendId = await ctx.db.insert("outboundSends", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    messageId,
    connectionId: connection._id,
    threadId: thread._id,
    recipient,
    content,
    ...(templatePayload !== undefined ? { templatePayload } : {}),
    state: "pacing",
    attempts: [],
    createdAt: now,
    updatedAt: now,
  });
  await ctx.db.patch("threads", thread._id, { lastMessageAt: now });
  await paceForCustomer(ctx, sendId, connection._id, recipient);
  return messageId;
}

/** Meta's pair limit (one message per customer every few seconds, with a burst allowance). */
function pairLimit() {
  const config = outboundConfig();
  return {
    kind: "token bucket" as const,
    rate: config.pairPerMinute,
    period: 60_000,
    capacity: config.pairBurst,
  };
}

/**
 * First pacing stage: a reserved token of the customer's pair limit, which spreads a burst to
 * one customer over time before it queues for the number (waits, never drops). The limit is
 * enforced again, authoritatively, when the call is about to leave (`beginAttempt`), because
 * time spent queueing for the number could otherwise bunch the spread-out sends back together.
 */
async function paceForCustomer(
  ctx: MutationCtx,
  sendId: Id<"outboundSends">,
  connectionId: Id<"whatsappConnections">,
  recipient: string,
) {
  const pair = await rateLimiter.limit(ctx, "whatsappPairQueue", {
    key: `${connectionId}:${recipient}`,
    reserve: true,
    config: pairLimit(),
  });
  const wait = Math.max(0, Math.ceil(pair.retryAfter ?? 0));
  if (wait > 0) {
    await ctx.db.patch("outboundSends", sendId, {
      nextAttemptAt: Date.now() + wait,
      updatedAt: Date.now(),
    });
    await ctx.scheduler.runAfter(wait, internal.outbound.sends.paceForNumber, { sendId });
    return;
  }
  await reserveNumberSlot(ctx, sendId);
}

/**
 * Second pacing stage (also the entry of every retry and resend): a slot in the number's
 * per-second window, aligned to whole seconds; the provider call is scheduled at the slot.
 */
async function reserveNumberSlot(ctx: MutationCtx, sendId: Id<"outboundSends">) {
  const send = await ctx.db.get("outboundSends", sendId);
  if (send === null || send.state === "sent" || send.state === "failed") return;
  const connection = await ctx.db.get("whatsappConnections", send.connectionId);
  const perSecond = Math.max(1, Math.floor(connection?.pacing.messagesPerSecond ?? 80));
  const slot = await rateLimiter.limit(ctx, "whatsappNumber", {
    key: send.connectionId,
    reserve: true,
    config: { kind: "fixed window", rate: perSecond, period: 1_000, start: 0 },
  });
  const wait = Math.max(0, Math.ceil(slot.retryAfter ?? 0));
  const now = Date.now();
  await ctx.db.patch("outboundSends", sendId, {
    state: "scheduled",
    nextAttemptAt: now + wait,
    updatedAt: now,
  });
  await ctx.scheduler.runAfter(wait, internal.whatsapp.provider.sendOutbound, { sendId });
}

export const paceForNumber = internalMutation({
  args: { sendId: v.id("outboundSends") },
  returns: v.null(),
  handler: async (ctx, { sendId }) => {
    await reserveNumberSlot(ctx, sendId);
    return null;
  },
});

/** What the provider action needs for one call; null when the send is no longer due. */
export const getJob = internalQuery({
  args: { sendId: v.id("outboundSends") },
  returns: v.union(
    v.null(),
    v.object({
      messageId: v.id("messages"),
      connectionId: v.id("whatsappConnections"),
      recipient: v.string(),
      content: vOutboundContent,
      templatePayload: v.optional(v.any()),
      providerMediaId: v.optional(v.string()),
    }),
  ),
  handler: async (ctx, { sendId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "scheduled") return null;
    return {
      messageId: send.messageId,
      connectionId: send.connectionId,
      recipient: send.recipient,
      content: send.content,
      ...(send.templatePayload !== undefined ? { templatePayload: send.templatePayload } : {}),
      ...(send.providerMediaId !== undefined ? { providerMediaId: send.providerMediaId } : {}),
    };
  },
});

/**
 * Claims the call right before it is made. A call that runs too late for its one-second slot
 * (the scheduler was busy) does not go out in someone else's second: it takes a new slot.
 */
export const beginAttempt = internalMutation({
  args: { sendId: v.id("outboundSends") },
  returns: v.boolean(),
  handler: async (ctx, { sendId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "scheduled") return false;
    const now = Date.now();
    const slotStart = Math.floor((send.nextAttemptAt ?? now) / 1_000) * 1_000;
    if (now < slotStart) {
      // Timers may fire a little early: never call before the slot's second starts.
      await ctx.scheduler.runAfter(slotStart - now, internal.whatsapp.provider.sendOutbound, {
        sendId,
      });
      return false;
    }
    if (now >= slotStart + 1_000 - outboundConfig().slotMarginMs) {
      await reserveNumberSlot(ctx, sendId);
      return false;
    }
    const pair = await rateLimiter.limit(ctx, "whatsappPair", {
      key: `${send.connectionId}:${send.recipient}`,
      config: pairLimit(),
    });
    if (!pair.ok) {
      // Too soon after the last message to this customer: queue for the number again later.
      const wait = Math.max(1, Math.ceil(pair.retryAfter));
      await ctx.db.patch("outboundSends", sendId, { nextAttemptAt: now + wait, updatedAt: now });
      await ctx.scheduler.runAfter(wait, internal.outbound.sends.paceForNumber, { sendId });
      return false;
    }
    await ctx.db.patch("outboundSends", sendId, {
      state: "sending",
      claimedAt: now,
      updatedAt: now,
    });
    return true;
  },
});

/** How to reach the provider for a connection. SECRET (tokens): internal, for provider.ts only. */
export const getProviderTarget = internalQuery({
  args: { connectionId: v.id("whatsappConnections") },
  handler: async (ctx, { connectionId }) => {
    const c = await ctx.db.get("whatsappConnections", connectionId);
    if (c === null || c.providerPhoneNumberId === undefined) return null;
    return {
      provider: c.provider,
      phoneNumberId: c.providerPhoneNumberId,
      businessAccountId: c.businessAccountId ?? c.metaCredentials?.businessAccountId,
      meta:
        c.metaCredentials === undefined
          ? undefined
          : {
              accessToken: c.metaCredentials.accessToken,
              graphVersion: c.metaCredentials.graphApiVersion,
              graphBaseUrl: metaGraphBaseUrl(),
            },
    };
  },
});

export const recordUploadedMedia = internalMutation({
  args: { sendId: v.id("outboundSends"), providerMediaId: v.string() },
  returns: v.null(),
  handler: async (ctx, { sendId, providerMediaId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null) return null;
    await ctx.db.patch("outboundSends", sendId, { providerMediaId });
    const message = await ctx.db.get("messages", send.messageId);
    if (message !== null) {
      await ctx.db.patch("messages", message._id, {
        channelData: {
          ...message.channelData,
          media: { ...message.channelData.media, providerMediaId },
        },
      });
    }
    return null;
  },
});

/** Records the provider's message id (or one found while reconciling) and marks `sent`. */
async function settleAccepted(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  providerMessageId: string,
  attempt: SendAttempt,
) {
  const now = Date.now();
  await ctx.db.patch("outboundSends", send._id, {
    state: "sent",
    attempts: [...send.attempts, attempt],
    nextAttemptAt: undefined,
    updatedAt: now,
  });
  const message = await ctx.db.get("messages", send.messageId);
  if (message === null) return;
  // `sent` only raises the status: a status webhook may already have said delivered or read.
  const channelData = mergeStatus(
    { ...message.channelData, providerMessageId },
    { status: "sent", timestamp: attempt.finishedAt },
  );
  await ctx.db.patch("messages", message._id, { channelData });
  await applyPendingStatuses(ctx, { ...message, channelData });
}

async function settleFailed(
  ctx: MutationCtx,
  send: Doc<"outboundSends">,
  attempts: SendAttempt[],
  error: { code: number; title: string; message?: string },
) {
  const now = Date.now();
  await ctx.db.patch("outboundSends", send._id, {
    state: "failed",
    attempts,
    nextAttemptAt: undefined,
    updatedAt: now,
  });
  const message = await ctx.db.get("messages", send.messageId);
  if (message === null) return;
  const channelData = mergeStatus(message.channelData, { status: "failed", timestamp: now, error });
  await ctx.db.patch("messages", message._id, { channelData });
}

/** Exponential backoff with jitter: base·2^(n-1), between half and all of it, capped. */
export function retryDelayMs(attemptNumber: number, baseMs: number, maxMs: number) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptNumber - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

const vFailure = v.object({
  kind: v.union(v.literal("transient"), v.literal("permanent"), v.literal("ambiguous")),
  message: v.string(),
  code: v.optional(v.number()),
  httpStatus: v.optional(v.number()),
  retryAfterMs: v.optional(v.number()),
});

/** The outcome of one provider call. */
export const recordAttempt = internalMutation({
  args: {
    sendId: v.id("outboundSends"),
    startedAt: v.number(),
    providerMessageId: v.optional(v.string()),
    failure: v.optional(vFailure),
  },
  returns: v.null(),
  handler: async (ctx, { sendId, startedAt, providerMessageId, failure }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    // `scheduled`: the call failed before it was claimed (media upload, missing credentials).
    if (send === null || (send.state !== "sending" && send.state !== "scheduled")) return null;
    const now = Date.now();
    if (providerMessageId !== undefined) {
      await settleAccepted(ctx, send, providerMessageId, {
        startedAt,
        finishedAt: now,
        outcome: "accepted",
      });
      return null;
    }
    if (failure === undefined) throw new Error("recordAttempt needs an id or a failure.");
    const attempt: SendAttempt = {
      startedAt,
      finishedAt: now,
      outcome: failure.kind,
      ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
      ...(failure.code !== undefined ? { code: failure.code } : {}),
      error: failure.message.slice(0, 500),
    };
    const attempts = [...send.attempts, attempt];
    const config = outboundConfig();
    const calls = attempts.filter((a) => PROVIDER_CALLS.includes(a.outcome));
    if (
      failure.kind === "permanent" ||
      (failure.kind === "transient" && calls.length >= config.maxAttempts)
    ) {
      await settleFailed(ctx, send, attempts, {
        code: failure.code ?? failure.httpStatus ?? 0,
        title: failure.kind === "permanent" ? "Rejected by the provider" : "Gave up after retries",
        message: failure.message.slice(0, 500),
      });
      return null;
    }
    if (failure.kind === "ambiguous") {
      await ctx.db.patch("outboundSends", sendId, {
        state: "unconfirmed",
        attempts,
        nextAttemptAt: now + config.reconcileDelayMs,
        updatedAt: now,
      });
      await ctx.scheduler.runAfter(
        config.reconcileDelayMs,
        internal.whatsapp.provider.reconcileOutbound,
        {
          sendId,
        },
      );
      return null;
    }
    const delay = Math.max(
      retryDelayMs(calls.length, config.retryBaseMs, config.retryMaxDelayMs),
      failure.retryAfterMs ?? 0,
    );
    await ctx.db.patch("outboundSends", sendId, {
      state: "pacing",
      attempts,
      nextAttemptAt: now + delay,
      updatedAt: now,
    });
    await ctx.scheduler.runAfter(delay, internal.outbound.sends.paceForNumber, { sendId });
    return null;
  },
});

/** What reconciliation of an ambiguous send needs; null when it is settled already. */
export const getUnconfirmed = internalQuery({
  args: { sendId: v.id("outboundSends") },
  handler: async (ctx, { sendId }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "unconfirmed") return null;
    const message = await ctx.db.get("messages", send.messageId);
    const lastCall = [...send.attempts].reverse().find((a) => a.outcome === "ambiguous");
    return {
      send,
      echoedProviderMessageId: message?.channelData.providerMessageId,
      since: lastCall?.startedAt ?? send.createdAt,
    };
  },
});

/** Whether a provider message id already belongs to one of our rows on this number. */
export const isProviderIdClaimed = internalQuery({
  args: { connectionId: v.id("whatsappConnections"), providerMessageId: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { connectionId, providerMessageId }) => {
    const row = await ctx.db
      .query("messages")
      .withIndex("by_connectionId_and_providerMessageId", (q) =>
        q.eq("connectionId", connectionId).eq("channelData.providerMessageId", providerMessageId),
      )
      .first();
    return row !== null;
  },
});

/** The verdict on an ambiguous send: found (settle), absent (send again) or unknowable (fail). */
export const recordReconciliation = internalMutation({
  args: {
    sendId: v.id("outboundSends"),
    startedAt: v.number(),
    verdict: v.union(
      v.literal("found"),
      v.literal("not_found"),
      v.literal("unknowable"),
      v.literal("lookup_failed"),
    ),
    providerMessageId: v.optional(v.string()),
    error: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { sendId, startedAt, verdict, providerMessageId, error }) => {
    const send = await ctx.db.get("outboundSends", sendId);
    if (send === null || send.state !== "unconfirmed") return null;
    const now = Date.now();
    if (verdict === "found" && providerMessageId !== undefined) {
      await settleAccepted(ctx, send, providerMessageId, {
        startedAt,
        finishedAt: now,
        outcome: "found",
      });
      return null;
    }
    const lookups = send.attempts.filter((a) => a.outcome === "lookup_failed").length;
    if (verdict === "lookup_failed" && lookups + 1 < MAX_LOOKUPS) {
      // The history could not be read: look again later, never resend on a guess.
      const delay = outboundConfig().reconcileDelayMs * 2 ** (lookups + 1);
      await ctx.db.patch("outboundSends", sendId, {
        attempts: [
          ...send.attempts,
          { startedAt, finishedAt: now, outcome: "lookup_failed", error },
        ],
        nextAttemptAt: now + delay,
        updatedAt: now,
      });
      await ctx.scheduler.runAfter(delay, internal.whatsapp.provider.reconcileOutbound, { sendId });
      return null;
    }
    if (verdict === "unknowable" || verdict === "lookup_failed") {
      await settleFailed(
        ctx,
        send,
        [
          ...send.attempts,
          {
            startedAt,
            finishedAt: now,
            outcome: verdict === "unknowable" ? "ambiguous" : "lookup_failed",
            error,
          },
        ],
        {
          code: 0,
          title: "Send unconfirmed",
          message:
            "The provider did not answer and no status confirmed the message; it was not resent to avoid a duplicate.",
        },
      );
      return null;
    }
    const attempts = [
      ...send.attempts,
      { startedAt, finishedAt: now, outcome: "not_found" as const },
    ];
    const calls = attempts.filter((a) => PROVIDER_CALLS.includes(a.outcome));
    if (calls.length >= outboundConfig().maxAttempts) {
      await settleFailed(ctx, send, attempts, {
        code: 0,
        title: "Gave up after retries",
        message: "The provider never confirmed the message.",
      });
      return null;
    }
    await ctx.db.patch("outboundSends", sendId, { state: "pacing", attempts, updatedAt: now });
    await reserveNumberSlot(ctx, sendId);
    return null;
  },
});

// --- Public functions for the dashboard and the CLI ------------------------------------------

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
      ...(args.replyTo !== undefined ? { replyTo: args.replyTo } : {}),
    });
    if (id === null) throw new Error("A reply always writes a message.");
    // A person answering takes the thread: the AI stays silent until it is released.
    const now = Date.now();
    if (thread.owner === "ai") {
      await handOffToHuman(ctx, thread, {
        reason: "human_replied",
        by: { kind: "user", userId: ctx.tenant.userId },
        now,
      });
    } else {
      await noteHumanActivity(ctx, thread, now);
    }
    return id;
  },
});

/** Enqueues a template send for a tenant, or says the template is unknown locally. */
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
    v.object({ kind: v.literal("unknown"), connectionId: v.id("whatsappConnections") }),
  ),
  handler: async (ctx, args) => {
    const thread = await getOwned(ctx, args.tenant as Tenant, "threads", args.threadId);
    if (
      !args.refreshed &&
      (await findTemplate(ctx, thread.connectionId, args.name, args.language)) === null
    ) {
      return { kind: "unknown" as const, connectionId: thread.connectionId };
    }
    const messageId = await enqueueOutbound(ctx, {
      threadId: thread._id,
      content: {
        kind: "template",
        name: args.name,
        language: args.language,
        ...(args.parameters !== undefined ? { parameters: args.parameters } : {}),
      },
      role: "human",
      authorId: args.tenant.userId,
    });
    if (messageId === null) throw new Error("A template send always writes a message.");
    return { kind: "queued" as const, messageId };
  },
});

/**
 * Sends an approved template on a thread (allowed outside the 24-hour window). A template not
 * known locally is fetched from the provider first.
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
    await ctx.runAction(internal.whatsapp.provider.syncTemplates, {
      connectionId: first.connectionId,
    });
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
    return {
      state: send.state,
      attempts: send.attempts,
      ...(send.nextAttemptAt !== undefined ? { nextAttemptAt: send.nextAttemptAt } : {}),
    };
  },
});
