/**
 * Human handoff: who answers a thread, with a history of who took it, when and why. Going to
 * a human supersedes any AI run (generation bump); when the AI or a signal hands over (not a
 * person taking it) it notifies the dashboard inbox, the tenant's hooks and escalation contact;
 * the summary goes in the customer's memory (escalation.ts) and auto-release is armed. Release
 * gives the thread back to the AI, which then sees the handoff summary and the teammate's note.
 * Also the tenant's handoff settings (escalation keywords, hooks).
 * Owns `handoffEvents` and `notifications`; the thread itself changes through threads.ts.
 */
import { doc } from "convex-helpers/validators";
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import { storeMemory } from "../customers/memories";
import { notifyEscalationContact, rememberHandoff } from "./escalation";
import { enqueueHook } from "./hooks";
export { matchEscalationKeyword, normalizeForMatch } from "./keywords";
import { giveBackToAi, giveToHuman, touchHumanActivity } from "./threads";
import { getOwned, orgAdminMutation, orgMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { project } from "../lib/projections";
import { purgePage, type Purge } from "../lib/purge";
import schema from "../schema";
import { assertCallableUrl } from "../lib/ssrf";
import {
  type HandoffActor,
  type HandoffReason,
  type HandoffTrigger,
  type TenantHandoffSettings,
} from "../lib/validators";
import { getIntegration, setHandoffSettings } from "../whatsapp/integration";

export const DEFAULT_HANDOFF_SETTINGS: TenantHandoffSettings = {
  escalationKeywords: [],
  maxConsecutiveFallbacks: 2,
};

const MAX_KEYWORDS = 200;
/** Auto-release waits at most a year (a scheduler delay must be a finite number). */
const MAX_AUTO_RELEASE_MINUTES = 365 * 24 * 60;

/** A numeric setting is a finite number within its range (v.number() admits NaN and Infinity). */
function checkSetting(name: string, value: number, min: number, max: number, integer = false) {
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw appError(
      "INVALID_ARGUMENT",
      `${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}.`,
    );
  }
}

/** The tenant's handoff settings (defaults when none were saved). */
export async function handoffSettings(
  ctx: QueryCtx,
  tenant: Pick<Tenant, "organizationId" | "environment">,
): Promise<TenantHandoffSettings> {
  const config = await getIntegration(ctx, tenant);
  return config?.handoff ?? DEFAULT_HANDOFF_SETTINGS;
}

type HandoffInput = {
  reason: HandoffReason;
  summary?: string;
  by: HandoffActor;
  now: number;
  /** The signal that set the handoff off, shown in the history. */
  trigger?: HandoffTrigger;
};

/**
 * Gives the thread to a human. Idempotent: a thread a human already owns only records human
 * activity. Returns true when ownership changed.
 */
export async function handOffToHuman(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: HandoffInput,
) {
  if (thread.owner === "human") {
    await noteHumanActivity(ctx, thread, input.now);
    return false;
  }
  await giveToHuman(ctx, thread, input.now, input.summary);
  await ctx.db.insert("handoffEvents", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    to: "human",
    reason: input.reason,
    summary: input.summary,
    by: input.by,
    ...(await shareHandoff(ctx, thread, input)),
    at: input.now,
  });
  const settings = await handoffSettings(ctx, thread);
  if (!personHasIt(input)) await alertTeam(ctx, thread, input, settings);
  await armAutoRelease(ctx, thread._id, settings, input.now);
  return true;
}

/**
 * A person made this handoff themselves (took the thread over, replied from the dashboard or
 * from the WhatsApp Business app): they already have it, so nobody is alerted. The history
 * still records it.
 */
function personHasIt(input: HandoffInput) {
  return input.by.kind === "user" || input.reason === "business_app_reply";
}

/** The AI or a signal handed the thread over: the inbox and the tenant's hooks are told. */
async function alertTeam(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: HandoffInput,
  settings: TenantHandoffSettings,
) {
  const who = thread.channelParams.contactName ?? thread.channelParams.phoneNumber ?? "A customer";
  const title = `${who} needs a person`;
  const body = `${reasonText(input.reason)}${input.summary ? `: ${input.summary}` : ""}`;
  await ctx.db.insert("notifications", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    kind: "handoff",
    title,
    body,
    createdAt: input.now,
  });
  const event = {
    event: "thread.handed_off",
    threadId: thread._id,
    connectionId: thread.connectionId,
    customer: {
      phoneNumber: thread.channelParams.phoneNumber,
      name: thread.channelParams.contactName,
    },
    reason: input.reason,
    summary: input.summary ?? null,
    at: new Date(input.now).toISOString(),
  };
  if (settings.slackWebhookUrl) {
    await enqueueHook(ctx, thread, "slack", "thread.handed_off", { text: `${title}. ${body}` });
  }
  if (settings.httpHook) await enqueueHook(ctx, thread, "http", "thread.handed_off", event);
}

/**
 * Gives the thread back to the AI. A teammate's note (`summary`) is recorded on the event and
 * kept in the customer's memory, where the AI reads it. Returns true when ownership changed.
 */
export async function releaseToAi(
  ctx: MutationCtx,
  thread: Doc<"threads">,
  input: { reason: HandoffReason; by: HandoffActor; now: number; summary?: string },
) {
  if (thread.owner === "ai") return false;
  await giveBackToAi(ctx, thread, input.now);
  await ctx.db.insert("handoffEvents", {
    organizationId: thread.organizationId,
    environment: thread.environment,
    threadId: thread._id,
    to: "ai",
    reason: input.reason,
    summary: input.summary,
    by: input.by,
    at: input.now,
  });
  if (input.summary !== undefined) {
    const day = new Date(input.now).toISOString().slice(0, 10);
    await storeMemory(ctx, thread, {
      kind: "summary",
      content: `Released to the AI by a teammate on ${day}: ${input.summary}`,
      now: input.now,
    });
  }
  return true;
}

/**
 * A human acted on a human-owned thread (replied from the dashboard or the phone): the
 * inactivity clock restarts, so a pending auto-release finds itself stale and does nothing.
 */
export async function noteHumanActivity(ctx: MutationCtx, thread: Doc<"threads">, now: number) {
  if (thread.owner !== "human") return;
  await touchHumanActivity(ctx, thread, now);
  await armAutoRelease(ctx, thread._id, await handoffSettings(ctx, thread), now);
}

async function armAutoRelease(
  ctx: MutationCtx,
  threadId: Id<"threads">,
  settings: TenantHandoffSettings,
  activityAt: number,
) {
  const minutes = settings.autoReleaseMinutes;
  if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return;
  await ctx.scheduler.runAfter(minutes * 60_000, internal.inbox.handoff.autoRelease, {
    threadId,
    activityAt,
  });
}

/** Fires after the configured inactivity; acts only if no human activity happened since. */
export const autoRelease = internalMutation({
  args: { threadId: v.id("threads"), activityAt: v.number() },
  returns: v.boolean(),
  handler: async (ctx, { threadId, activityAt }) => {
    const thread = await ctx.db.get("threads", threadId);
    if (thread === null || thread.owner !== "human") return false;
    if ((thread.lastHumanActivityAt ?? thread.ownerChangedAt) !== activityAt) return false;
    return await releaseToAi(ctx, thread, {
      reason: "inactivity",
      by: { kind: "system" },
      now: Date.now(),
    });
  },
});

function reasonText(reason: HandoffReason): string {
  const texts: Record<HandoffReason, string> = {
    customer_asked: "The customer asked for a person",
    frustration: "The customer seems frustrated",
    out_of_scope: "The request is outside what the AI handles",
    sensitive: "A sensitive topic came up",
    escalation_keyword: "An escalation keyword was used",
    repeated_failure: "The AI failed to answer several times",
    unresolved: "The customer's problem stayed unresolved after several tries",
    human_replied: "A teammate replied",
    business_app_reply: "A teammate replied from the WhatsApp Business app",
    manual: "A teammate took the conversation over",
    inactivity: "Released after inactivity",
  };
  return texts[reason];
}

// --- Handoff signals: what a handoff records and tells beyond the inbox (escalation.ts) --------

/**
 * The summary goes into the customer's memory and the tenant's escalation contact is told;
 * returns the event's `trigger` and `escalationNotice`.
 */
async function shareHandoff(ctx: MutationCtx, thread: Doc<"threads">, input: HandoffInput) {
  const settings = await handoffSettings(ctx, thread);
  const handoff = {
    reason: input.reason,
    reasonText: reasonText(input.reason),
    summary: input.summary,
    now: input.now,
  };
  await rememberHandoff(ctx, thread, handoff);
  const notice = await notifyEscalationContact(ctx, thread, settings.escalationContact, handoff);
  return {
    ...(input.trigger !== undefined ? { trigger: input.trigger } : {}),
    ...(notice !== undefined ? { escalationNotice: notice } : {}),
  };
}

// --- Public functions ------------------------------------------------------------------------

/** One change of a thread's owner, as the dashboard shows it (the thread is the query's). */
export const vHandoffEventView = doc(schema, "handoffEvents").omit(
  "_creationTime",
  "organizationId",
  "environment",
  "threadId",
);

/** Who took the thread, when and why, newest first. */
export const history = orgQuery({
  args: { threadId: v.id("threads") },
  returns: v.array(vHandoffEventView),
  handler: async (ctx, { threadId }) => {
    await getOwned(ctx, ctx.tenant, "threads", threadId);
    const events = await ctx.db
      .query("handoffEvents")
      .withIndex("by_threadId_and_at", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(100);
    return events.map((e) => project(e, vHandoffEventView));
  },
});

/** The dashboard inbox's live feed of threads that need a person. */
export const notifications = orgQuery({
  args: { unreadOnly: v.optional(v.boolean()) },
  returns: v.array(
    v.object({
      _id: v.id("notifications"),
      threadId: v.id("threads"),
      title: v.string(),
      body: v.string(),
      createdAt: v.number(),
      readAt: v.optional(v.number()),
    }),
  ),
  handler: async (ctx, { unreadOnly }) => {
    const { organizationId, environment } = ctx.tenant;
    const rows = unreadOnly
      ? await ctx.db
          .query("notifications")
          .withIndex("by_organizationId_and_environment_and_readAt_and_createdAt", (q) =>
            q
              .eq("organizationId", organizationId)
              .eq("environment", environment)
              .eq("readAt", undefined),
          )
          .order("desc")
          .take(100)
      : await ctx.db
          .query("notifications")
          .withIndex("by_organizationId_and_environment_and_createdAt", (q) =>
            q.eq("organizationId", organizationId).eq("environment", environment),
          )
          .order("desc")
          .take(100);
    return rows.map((n) => ({
      _id: n._id,
      threadId: n.threadId,
      title: n.title,
      body: n.body,
      createdAt: n.createdAt,
      readAt: n.readAt,
    }));
  },
});

export const markNotificationRead = orgMutation({
  args: { notificationId: v.id("notifications") },
  returns: v.null(),
  handler: async (ctx, { notificationId }) => {
    const n = await getOwned(ctx, ctx.tenant, "notifications", notificationId);
    if (n.readAt === undefined) {
      await ctx.db.patch("notifications", notificationId, { readAt: Date.now() });
    }
    return null;
  },
});

/** The tenant's handoff settings as the dashboard sees them: hooks shown as configured or not. */
export const getSettings = orgQuery({
  args: {},
  returns: v.object({
    escalationKeywords: v.array(v.string()),
    escalationAcknowledgement: v.optional(v.string()),
    autoReleaseMinutes: v.optional(v.number()),
    maxConsecutiveFallbacks: v.number(),
    slackConfigured: v.boolean(),
    httpHookUrl: v.optional(v.string()),
    crmHookUrl: v.optional(v.string()),
  }),
  handler: async (ctx) => {
    const s = await handoffSettings(ctx, ctx.tenant);
    return {
      escalationKeywords: s.escalationKeywords,
      escalationAcknowledgement: s.escalationAcknowledgement,
      autoReleaseMinutes: s.autoReleaseMinutes,
      maxConsecutiveFallbacks: s.maxConsecutiveFallbacks,
      slackConfigured: s.slackWebhookUrl !== undefined,
      httpHookUrl: s.httpHook?.url,
      crmHookUrl: s.crmHook?.url,
    };
  },
});

const vHookInput = v.union(v.object({ url: v.string(), secret: v.string() }), v.null());

/** Updates the handoff settings; `null` removes a hook, an omitted field is left unchanged. */
export const updateSettings = orgAdminMutation({
  args: {
    escalationKeywords: v.optional(v.array(v.string())),
    escalationAcknowledgement: v.optional(v.union(v.string(), v.null())),
    autoReleaseMinutes: v.optional(v.union(v.number(), v.null())),
    maxConsecutiveFallbacks: v.optional(v.number()),
    slackWebhookUrl: v.optional(v.union(v.string(), v.null())),
    httpHook: v.optional(vHookInput),
    crmHook: v.optional(vHookInput),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const config = await getIntegration(ctx, ctx.tenant);
    if (config === null) {
      throw appError("WHATSAPP_NOT_ENABLED", "Enable WhatsApp in this environment first.");
    }
    const current = config.handoff ?? DEFAULT_HANDOFF_SETTINGS;
    const next: TenantHandoffSettings = { ...current };
    if (args.escalationKeywords !== undefined) {
      const keywords = args.escalationKeywords.map((k) => k.trim()).filter((k) => k !== "");
      if (keywords.length > MAX_KEYWORDS) {
        throw appError("INVALID_ARGUMENT", `At most ${MAX_KEYWORDS} escalation keywords.`);
      }
      next.escalationKeywords = keywords;
    }
    if (args.escalationAcknowledgement !== undefined) {
      const text = args.escalationAcknowledgement?.trim() ?? "";
      if (text.length > 1024) {
        throw appError("INVALID_ARGUMENT", "The acknowledgement is at most 1024 characters.");
      }
      next.escalationAcknowledgement = text === "" ? undefined : text;
    }
    if (args.autoReleaseMinutes !== undefined) {
      if (args.autoReleaseMinutes !== null) {
        checkSetting("autoReleaseMinutes", args.autoReleaseMinutes, 1, MAX_AUTO_RELEASE_MINUTES);
      }
      next.autoReleaseMinutes = args.autoReleaseMinutes ?? undefined;
    }
    if (args.maxConsecutiveFallbacks !== undefined) {
      checkSetting("maxConsecutiveFallbacks", args.maxConsecutiveFallbacks, 1, 100, true);
      next.maxConsecutiveFallbacks = args.maxConsecutiveFallbacks;
    }
    for (const url of [args.slackWebhookUrl, args.httpHook?.url, args.crmHook?.url]) {
      if (typeof url === "string") assertCallableUrl(url, `Hook URL "${url}"`);
    }
    if (args.slackWebhookUrl !== undefined)
      next.slackWebhookUrl = args.slackWebhookUrl ?? undefined;
    if (args.httpHook !== undefined) next.httpHook = args.httpHook ?? undefined;
    if (args.crmHook !== undefined) next.crmHook = args.crmHook ?? undefined;
    await setHandoffSettings(ctx, config, next);
    return null;
  },
});

/** Retention (ops/retention.ts): one page of notifications created before `cutoff`. */
export const purgeNotificationsOlderThan: Purge = async (ctx, cutoff, page) => {
  const rows = await ctx.db
    .query("notifications")
    .withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff))
    .paginate(page);
  return await purgePage(rows, (row) => ctx.db.delete("notifications", row._id));
};

/** Retention (ops/retention.ts): one page of handoff events older than `cutoff`. */
export const purgeHandoffEventsOlderThan: Purge = async (ctx, cutoff, page) => {
  const rows = await ctx.db
    .query("handoffEvents")
    .withIndex("by_at", (q) => q.lt("at", cutoff))
    .paginate(page);
  return await purgePage(rows, (row) => ctx.db.delete("handoffEvents", row._id));
};
