/**
 * Keeps each number's templates in step with the provider. Kapso sends no template events of
 * its own, so a cron syncs every connected number on a schedule: a bounded number of numbers per
 * run, a bounded number of list pages per sync (an unfinished pass resumes from its cursor), and
 * a growing backoff after provider errors. Template webhooks and sends of a template that is not
 * APPROVED here ask for an earlier sync (`requestTemplateSync`). provider.ts `syncTemplates` makes
 * the calls; this module decides when, and records what they found.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalMutation, type MutationCtx } from "../_generated/server";
import { backoffMs } from "../lib/backoff";
import { templateSyncConfig } from "../lib/config";
import { stripUndefined } from "../lib/objects";
import {
  vTemplateSyncTrigger,
  type Provider,
  type TemplateCategory,
  type TemplateSyncState,
} from "../lib/validators";
import {
  findStoredTemplate,
  removeTemplate,
  storeTemplate,
  vProviderTemplate,
  type ProviderTemplate,
} from "./templateStore";
import { saveTemplateSync } from "./connectionStore";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The fixed rules; the tunable ones are `templateSyncConfig()` (lib/config.ts). */
export const SYNC_RULES = {
  /** The cron's syncs are spaced out so their calls do not all leave at once. */
  spacingMs: 2_000,
  /** A sync holds its number this long; after that a crashed sync no longer blocks it. */
  leaseMs: 10 * MINUTE,
  /** List pages of a sync asked for by a person (the cron's: `pagesPerRun`). */
  pagesPerManualRun: 20,
  /** A hinted sync follows the previous sync of the number by at least this gap. */
  hintGapMs: MINUTE,
  backoff: { baseMs: MINUTE, maxMs: 6 * HOUR },
};

function intervalMs(provider: Provider): number {
  const config = templateSyncConfig();
  return provider === "kapso" ? config.kapsoIntervalMs : config.metaIntervalMs;
}

const EMPTY: TemplateSyncState = { failures: 0 };

// --- Rules without I/O ---------------------------------------------------------------------

/** The `after` cursor of the next page, or undefined when the list is done. */
export function nextCursor(
  paging: { cursors?: { after?: string | null }; next?: string | null } | undefined,
  previous: string | undefined,
  received: number,
  pageSize: number,
): string | undefined {
  const after = paging?.cursors?.after ?? undefined;
  if (after === undefined || after === "" || after === previous || received === 0) return undefined;
  if (typeof paging?.next === "string" && paging.next !== "") return after;
  // Some answers carry only the cursors: a full page means there may be more.
  return paging?.next === undefined && received >= pageSize ? after : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function category(value: unknown): TemplateCategory {
  const upper = String(value ?? "").toUpperCase();
  return upper === "AUTHENTICATION" || upper === "MARKETING" ? upper : "UTILITY";
}

/**
 * One item of the provider's template list (keys camel-cased by the official client), as it
 * is stored; null when it has no name or language.
 */
export function templateFromProvider(raw: Record<string, unknown>): ProviderTemplate | null {
  const name = text(raw.name);
  const language = text(raw.language);
  if (name === undefined || language === undefined) return null;
  const quality = raw.qualityScore as { score?: unknown; date?: unknown } | undefined;
  const score = text(quality?.score) ?? text(raw.qualityScoreCategory);
  const reason = text(raw.rejectedReason);
  return stripUndefined({
    providerTemplateId: text(raw.id) ?? (typeof raw.id === "number" ? String(raw.id) : undefined),
    name,
    language,
    category: category(raw.category),
    parameterFormat:
      String(raw.parameterFormat ?? "").toUpperCase() === "NAMED" ? "named" : "positional",
    status: text(raw.status)?.toUpperCase() ?? "PENDING",
    components: Array.isArray(raw.components) ? raw.components : [],
    quality:
      score === undefined
        ? undefined
        : stripUndefined({
            score: score.toUpperCase(),
            at: typeof quality?.date === "number" ? quality.date * 1000 : undefined,
          }),
    previousCategory: text(raw.previousCategory),
    statusReason: reason !== undefined && reason !== "NONE" ? reason : undefined,
  }) as ProviderTemplate;
}

/** The state after a failed sync: one more failure, the next try after a growing backoff. */
export function afterFailure(state: TemplateSyncState, error: string, now: number) {
  const failures = state.failures + 1;
  return {
    templateSync: { ...state, failures, lastError: error.slice(0, 500), runningUntil: undefined },
    templateSyncDueAt: now + backoffMs(failures, SYNC_RULES.backoff),
  };
}

// --- The cron and the hints ----------------------------------------------------------------

/** Connected numbers whose sync is due: never synced ones first, then by due time. */
async function dueConnections(ctx: MutationCtx, now: number, limit: number) {
  return await ctx.db
    .query("whatsappConnections")
    .withIndex("by_status_and_templateSyncDueAt", (q) =>
      q.eq("status", "connected").lte("templateSyncDueAt", now),
    )
    .take(limit);
}

/** The cron: starts the syncs that are due, at most `connectionsPerRun`; returns how many. */
export const runDue = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const now = Date.now();
    let started = 0;
    for (const c of await dueConnections(ctx, now, templateSyncConfig().connectionsPerRun)) {
      if (c.businessAccountId === undefined || c.providerPhoneNumberId === undefined) {
        await saveTemplateSync(ctx, c, { dueAt: now + intervalMs(c.provider) });
        continue;
      }
      // Due again after the lease, should this sync never report back.
      await saveTemplateSync(ctx, c, { dueAt: now + SYNC_RULES.leaseMs });
      await ctx.scheduler.runAfter(
        started * SYNC_RULES.spacingMs,
        internal.whatsapp.providerTemplates.syncTemplates,
        { connectionId: c._id, trigger: "scheduled" },
      );
      started += 1;
    }
    return started;
  },
});

/**
 * Asks for a sync of a number soon (a template webhook, or a send of a template that is not
 * APPROVED here): one at a time, a gap after the previous sync, never inside a backoff.
 */
export async function requestTemplateSync(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
): Promise<void> {
  if (connection.status !== "connected" || connection.businessAccountId === undefined) return;
  const now = Date.now();
  const state = connection.templateSync ?? EMPTY;
  if (state.hintAt !== undefined && state.hintAt >= now) return;
  let at = now + templateSyncConfig().hintDelayMs;
  if (state.lastAttemptAt !== undefined)
    at = Math.max(at, state.lastAttemptAt + SYNC_RULES.hintGapMs);
  if (state.failures > 0) at = Math.max(at, connection.templateSyncDueAt ?? 0);
  await ctx.scheduler.runAt(at, internal.whatsapp.providerTemplates.syncTemplates, {
    connectionId: connection._id,
    trigger: "hint",
  });
  await saveTemplateSync(ctx, connection, { state: { ...state, hintAt: at } });
}

/**
 * The stored template a send names; when it is missing or not APPROVED, a sync is requested
 * (it takes effect if the caller handles the refusal that follows instead of failing).
 */
export async function templateForSend(
  ctx: MutationCtx,
  connection: Doc<"whatsappConnections">,
  name: string,
  language: string,
): Promise<Doc<"templates"> | null> {
  const template = await findStoredTemplate(ctx, connection._id, name, language);
  if (template?.status !== "APPROVED") await requestTemplateSync(ctx, connection);
  return template;
}

// --- One sync, as provider.ts runs it ------------------------------------------------------

const vPass = v.object({
  businessAccountId: v.string(),
  cursor: v.optional(v.string()),
  passStartedAt: v.number(),
  pages: v.number(),
  pageSize: v.number(),
});

/**
 * Starts a sync: null when it should not run now (not connected or no WABA; for the cron and
 * hints also while another sync holds the number, and for hints during a backoff). A person's
 * or a send's sync always runs. `targeted` syncs (one template name, for a send) leave the
 * number's pass alone.
 */
export const beginSync = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    trigger: vTemplateSyncTrigger,
    targeted: v.boolean(),
  },
  returns: v.union(v.null(), vPass),
  handler: async (ctx, { connectionId, trigger, targeted }) => {
    const c = await ctx.db.get("whatsappConnections", connectionId);
    if (c === null || c.status !== "connected" || c.businessAccountId === undefined) return null;
    const now = Date.now();
    const state = c.templateSync ?? EMPTY;
    const running = state.runningUntil !== undefined && state.runningUntil > now;
    const backingOff = state.failures > 0 && (c.templateSyncDueAt ?? 0) > now;
    if ((trigger === "scheduled" || trigger === "hint") && running) return null;
    if (trigger === "hint" && backingOff) return null;
    const config = templateSyncConfig();
    const pageSize = config.pageSize;
    const pages = trigger === "manual" ? SYNC_RULES.pagesPerManualRun : config.pagesPerRun;
    if (targeted) {
      await saveTemplateSync(ctx, c, { state: { ...state, lastAttemptAt: now } });
      return { businessAccountId: c.businessAccountId, passStartedAt: now, pages: 1, pageSize };
    }
    const fresh = trigger === "manual" || state.cursor === undefined;
    const next: TemplateSyncState = {
      ...state,
      lastAttemptAt: now,
      runningUntil: now + SYNC_RULES.leaseMs,
      cursor: fresh ? undefined : state.cursor,
      passStartedAt: fresh ? now : (state.passStartedAt ?? now),
      hintAt: trigger === "hint" ? undefined : state.hintAt,
    };
    await saveTemplateSync(ctx, c, { state: next });
    return stripUndefined({
      businessAccountId: c.businessAccountId,
      cursor: next.cursor,
      passStartedAt: next.passStartedAt!,
      pages,
      pageSize,
    });
  },
});

/** Stores one page of the provider's list; `passStartedAt` marks the rows as seen by the pass. */
export const storePage = internalMutation({
  args: {
    connectionId: v.id("whatsappConnections"),
    businessAccountId: v.string(),
    passStartedAt: v.optional(v.number()),
    templates: v.array(vProviderTemplate),
  },
  returns: v.number(),
  handler: async (ctx, { connectionId, businessAccountId, passStartedAt, templates }) => {
    const connection = await ctx.db.get("whatsappConnections", connectionId);
    if (connection === null) return 0;
    const now = Date.now();
    for (const t of templates) {
      await storeTemplate(ctx, connection, businessAccountId, t, now, passStartedAt);
    }
    return templates.length;
  },
});

/** After a complete pass: templates the pass did not see, and not changed since, are gone. */
async function pruneUnseen(ctx: MutationCtx, c: Doc<"whatsappConnections">, passStartedAt: number) {
  const stale = await ctx.db
    .query("templates")
    .withIndex("by_connectionId_and_syncedAt", (q) =>
      q.eq("connectionId", c._id).lt("syncedAt", passStartedAt),
    )
    .take(100);
  for (const row of stale) {
    if (row.updatedAt < passStartedAt) await removeTemplate(ctx, row._id);
  }
}

const vOutcome = v.union(
  v.object({ kind: v.literal("complete"), passStartedAt: v.number() }),
  v.object({ kind: v.literal("partial"), cursor: v.string() }),
  v.object({ kind: v.literal("failed"), error: v.string() }),
);

/**
 * Records how a sync ended: complete (unseen templates removed, next sync after the interval),
 * partial (the next cron run resumes from the cursor) or failed (backoff; the pass restarts).
 */
export const finishSync = internalMutation({
  args: { connectionId: v.id("whatsappConnections"), targeted: v.boolean(), outcome: vOutcome },
  returns: v.null(),
  handler: async (ctx, { connectionId, targeted, outcome }) => {
    const c = await ctx.db.get("whatsappConnections", connectionId);
    if (c === null) return null;
    const now = Date.now();
    const state = c.templateSync ?? EMPTY;
    if (outcome.kind === "failed") {
      const failed = afterFailure(state, outcome.error, now);
      // A failed targeted sync leaves a pass in progress as it is; a failed pass restarts.
      const pass = targeted
        ? { runningUntil: state.runningUntil }
        : { cursor: undefined, passStartedAt: undefined };
      await saveTemplateSync(ctx, c, {
        state: { ...failed.templateSync, ...pass },
        dueAt: failed.templateSyncDueAt,
      });
      return null;
    }
    const healthy = { ...state, failures: 0, lastError: undefined };
    if (targeted) {
      await saveTemplateSync(ctx, c, { state: healthy });
      return null;
    }
    if (outcome.kind === "partial") {
      const resumable = { ...healthy, cursor: outcome.cursor, runningUntil: undefined };
      await saveTemplateSync(ctx, c, { state: resumable, dueAt: now });
      return null;
    }
    await pruneUnseen(ctx, c, outcome.passStartedAt);
    const done = {
      ...healthy,
      lastSyncedAt: now,
      cursor: undefined,
      passStartedAt: undefined,
      runningUntil: undefined,
    };
    await saveTemplateSync(ctx, c, { state: done, dueAt: now + intervalMs(c.provider) });
    return null;
  },
});
