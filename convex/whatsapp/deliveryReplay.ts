/**
 * Replaying every failed webhook delivery of a tenant received since a time, once the cause is
 * fixed. This module owns `deliveryReplayJobs`: an admin asks (`replayFailedSince`), a worker
 * action takes one batch at a time and replays each delivery through the single-delivery path
 * (`deliveries.replayVerifiedInternal`, one transaction per delivery, so one that throws does
 * not stop the others), and the mutation that records a batch schedules the next one. At most
 * one runs per tenant and environment; the console watches `latest`. Finished jobs are purged
 * by retention (`purgeReplayJobsOlderThan`).
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, type QueryCtx } from "../_generated/server";
import { orgAdminMutation, orgQuery, type Tenant } from "../lib/auth";
import { appError } from "../lib/errors";
import { purgePage, type Purge } from "../lib/purge";
import { vDeliveryReplayJobStatus, vDeliveryReplayProgress } from "../lib/validators";
import { canReplay } from "./deliveries";

/** Deliveries per batch: bodies are kept up to 256 KB, so a batch reads a few MB at most. */
export const REPLAY_BATCH = 25;
/** A running replay that has not reported for this long is abandoned when a new one is asked. */
export const STALE_REPLAY_MS = 10 * 60_000;

export const vReplayJobView = v.object({
  _id: v.id("deliveryReplayJobs"),
  since: v.number(),
  until: v.number(),
  status: vDeliveryReplayJobStatus,
  batches: v.number(),
  progress: vDeliveryReplayProgress,
  startedAt: v.number(),
  updatedAt: v.number(),
  finishedAt: v.optional(v.number()),
});
export type ReplayJobView = Infer<typeof vReplayJobView>;

function jobView(job: Doc<"deliveryReplayJobs">): ReplayJobView {
  const { _id, since, until, status, batches, progress, startedAt, updatedAt, finishedAt } = job;
  return {
    _id,
    since,
    until,
    status,
    batches,
    progress,
    startedAt,
    updatedAt,
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}

async function runningJob(ctx: QueryCtx, tenant: Pick<Tenant, "organizationId" | "environment">) {
  return await ctx.db
    .query("deliveryReplayJobs")
    .withIndex("by_organizationId_and_environment_and_status", (q) =>
      q
        .eq("organizationId", tenant.organizationId)
        .eq("environment", tenant.environment)
        .eq("status", "running"),
    )
    .first();
}

/**
 * Replays every failed delivery of this tenant received between `since` and now, in batches
 * in the background; returns the job to watch. Refused while another one runs.
 */
export const replayFailedSince = orgAdminMutation({
  args: { since: v.number() },
  returns: vReplayJobView,
  handler: async (ctx, { since }) => {
    const now = Date.now();
    if (!Number.isFinite(since) || since > now) {
      throw appError("INVALID_ARGUMENT", "The start of the range must be a time in the past.");
    }
    const running = await runningJob(ctx, ctx.tenant);
    if (running !== null) {
      if (now - running.updatedAt < STALE_REPLAY_MS) {
        throw appError(
          "IN_USE",
          "A replay of failed deliveries is already running: wait for it to finish.",
        );
      }
      await ctx.db.patch("deliveryReplayJobs", running._id, {
        status: "abandoned",
        updatedAt: now,
        finishedAt: now,
      });
    }
    const jobId = await ctx.db.insert("deliveryReplayJobs", {
      organizationId: ctx.tenant.organizationId,
      environment: ctx.tenant.environment,
      requestedBy: ctx.tenant.userId,
      since,
      until: now,
      status: "running",
      cursorIds: [],
      batches: 0,
      progress: { found: 0, resolved: 0, stillFailed: 0, skipped: 0, errors: 0 },
      startedAt: now,
      updatedAt: now,
    });
    await ctx.scheduler.runAfter(0, internal.whatsapp.deliveryReplay.runBatch, { jobId });
    return jobView((await ctx.db.get("deliveryReplayJobs", jobId))!);
  },
});

/** The latest bulk replay of this tenant (running or finished), or null. */
export const latest = orgQuery({
  args: {},
  returns: v.union(vReplayJobView, v.null()),
  handler: async (ctx) => {
    const job = await ctx.db
      .query("deliveryReplayJobs")
      .withIndex("by_organizationId_and_environment", (q) =>
        q.eq("organizationId", ctx.tenant.organizationId).eq("environment", ctx.tenant.environment),
      )
      .order("desc")
      .first();
    return job === null ? null : jobView(job);
  },
});

/**
 * Retention (ops/retention.ts): one page of jobs last updated before `cutoff` (a finished job's
 * end); a running one stays, however long it has been silent.
 */
export const purgeReplayJobsOlderThan: Purge = async (ctx, cutoff, page) => {
  const jobs = await ctx.db
    .query("deliveryReplayJobs")
    .withIndex("by_updatedAt", (q) => q.lt("updatedAt", cutoff))
    .paginate(page);
  return await purgePage(
    jobs,
    (job) => ctx.db.delete("deliveryReplayJobs", job._id),
    (job) => job.status !== "running",
  );
};

// ---------------------------------------------------------------------------------------------
// The worker: claim a batch, replay each delivery, record the batch and schedule the next.

/**
 * The next batch of the job's failed deliveries, oldest first, after its cursor (the last
 * receivedAt seen and the ids seen at that instant, so deliveries sharing a millisecond are
 * neither skipped nor replayed twice). Advances the cursor; those without a body are counted
 * as skipped. Null once the job is no longer running.
 */
export const claimBatch = internalMutation({
  args: { jobId: v.id("deliveryReplayJobs") },
  returns: v.union(
    v.null(),
    v.object({ deliveryIds: v.array(v.id("webhookDeliveries")), last: v.boolean() }),
  ),
  handler: async (ctx, { jobId }) => {
    const job = await ctx.db.get("deliveryReplayJobs", jobId);
    if (job === null || job.status !== "running") return null;
    const from = job.cursorAt ?? job.since;
    const seen = new Set<Id<"webhookDeliveries">>(job.cursorIds);
    const rows = await ctx.db
      .query("webhookDeliveries")
      .withIndex("by_organizationId_and_environment_and_failed_and_receivedAt", (q) =>
        q
          .eq("organizationId", job.organizationId)
          .eq("environment", job.environment)
          .eq("failed", true)
          .gte("receivedAt", from)
          .lte("receivedAt", job.until),
      )
      .take(REPLAY_BATCH + seen.size);
    const batch = rows.filter((d) => !seen.has(d._id)).slice(0, REPLAY_BATCH);
    const end = batch.at(-1);
    if (end !== undefined) {
      const atEnd = batch.filter((d) => d.receivedAt === end.receivedAt).map((d) => d._id);
      const carried = end.receivedAt === from ? [...seen] : [];
      const replayable = batch.filter(canReplay);
      await ctx.db.patch("deliveryReplayJobs", jobId, {
        cursorAt: end.receivedAt,
        cursorIds: [...carried, ...atEnd],
        progress: {
          ...job.progress,
          found: job.progress.found + batch.length,
          skipped: job.progress.skipped + batch.length - replayable.length,
        },
        updatedAt: Date.now(),
      });
      return { deliveryIds: replayable.map((d) => d._id), last: batch.length < REPLAY_BATCH };
    }
    return { deliveryIds: [], last: true };
  },
});

const vBatchOutcome = v.object({
  resolved: v.number(),
  stillFailed: v.number(),
  errors: v.number(),
  lastError: v.optional(v.string()),
});
type BatchOutcome = Infer<typeof vBatchOutcome>;

/** Adds a batch's outcome to the job; schedules the next batch, or finishes the job. */
export const recordBatch = internalMutation({
  args: { jobId: v.id("deliveryReplayJobs"), outcome: vBatchOutcome, last: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { jobId, outcome, last }) => {
    const job = await ctx.db.get("deliveryReplayJobs", jobId);
    if (job === null || job.status !== "running") return null;
    const now = Date.now();
    const p = job.progress;
    await ctx.db.patch("deliveryReplayJobs", jobId, {
      batches: job.batches + 1,
      progress: {
        ...p,
        resolved: p.resolved + outcome.resolved,
        stillFailed: p.stillFailed + outcome.stillFailed,
        errors: p.errors + outcome.errors,
        ...(outcome.lastError !== undefined ? { lastError: outcome.lastError } : {}),
      },
      updatedAt: now,
      ...(last ? { status: "done" as const, finishedAt: now } : {}),
    });
    if (!last) {
      await ctx.scheduler.runAfter(0, internal.whatsapp.deliveryReplay.runBatch, { jobId });
    }
    return null;
  },
});

function messageOf(error: unknown): string {
  if (error instanceof ConvexError) {
    const data = error.data as { message?: string; code?: string };
    return data.message ?? data.code ?? "Replay failed.";
  }
  return error instanceof Error ? error.message : String(error);
}

/** One batch of a bulk replay: each delivery in its own transaction, errors counted. */
export const runBatch = internalAction({
  args: { jobId: v.id("deliveryReplayJobs") },
  returns: v.null(),
  handler: async (ctx, { jobId }) => {
    const batch = await ctx.runMutation(internal.whatsapp.deliveryReplay.claimBatch, { jobId });
    if (batch === null) return null;
    const outcome: BatchOutcome = { resolved: 0, stillFailed: 0, errors: 0 };
    for (const deliveryId of batch.deliveryIds) {
      try {
        const { resolved } = await ctx.runMutation(
          internal.whatsapp.deliveries.replayVerifiedInternal,
          { deliveryId },
        );
        if (resolved) outcome.resolved += 1;
        else outcome.stillFailed += 1;
      } catch (error) {
        outcome.errors += 1;
        outcome.lastError = messageOf(error).slice(0, 500);
      }
    }
    await ctx.runMutation(internal.whatsapp.deliveryReplay.recordBatch, {
      jobId,
      outcome,
      last: batch.last,
    });
    return null;
  },
});
