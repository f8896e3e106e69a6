/**
 * Retention: the logs that grow with traffic lose rows older than their configured days, in
 * bounded batches that reschedule themselves; rows still in use and the conversation itself
 * (threads, messages) are kept.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { RETENTION_BATCH } from "../convex/ops/retention";
import { retentionDays } from "../convex/lib/config";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2026-11-20T10:00:00Z");
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  t = newTest();
  world = await seedWorld(t);
  // The seeded world's log rows are dated 0; make them current so only this file's rows age.
  await t.run(async (ctx) => {
    await ctx.db.patch("notifications", world.ids.notificationId, { createdAt: NOW });
    await ctx.db.patch("webhookDeliveries", world.ids.deliveryId, { receivedAt: NOW });
  });
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const tenant = () => ({
  organizationId: world.a.organizationId,
  environment: "development" as const,
});

/** One row of every retained table at `at`, and whether it is still in use. */
async function seedLogs(at: number, inUse = false) {
  return await t.run(async (ctx) => {
    const { threadId, metaConnectionId: connectionId, messageId } = world.ids;
    const base = { ...tenant(), threadId };
    await ctx.db.insert("webhookDeliveries", {
      source: "meta",
      receivedAt: at,
      verdict: "accepted",
      bodySha256: "0".repeat(64),
      headers: {},
      counts: { messages: 1, duplicates: 0, statuses: 0, ignored: 0 },
      replays: 0,
    });
    await ctx.db.insert("agentRuns", {
      ...base,
      connectionId,
      generation: 1,
      triggerMessageIds: [messageId],
      outcome: inUse ? "running" : "replied",
      toolCalls: [],
      promptChars: 0,
      tokensIn: 0,
      tokensOut: 0,
      costUsd: 0,
      startedAt: at,
    });
    await ctx.db.insert("hookDeliveries", {
      ...tenant(),
      hook: "http",
      event: "thread.handed_off",
      payload: {},
      state: inUse ? "pending" : "delivered",
      attempts: 1,
      createdAt: at,
      updatedAt: at,
    });
    await ctx.db.insert("notifications", {
      ...base,
      kind: "handoff",
      title: "x",
      body: "",
      createdAt: at,
    });
    await ctx.db.insert("handoffEvents", {
      ...base,
      to: "human",
      reason: "manual",
      by: { kind: "system" },
      at,
    });
    await ctx.db.insert("outboundSends", {
      ...base,
      messageId,
      connectionId,
      recipient: "+15557770000",
      content: { kind: "text", text: "hi" },
      state: inUse ? "sending" : "sent",
      attempts: [],
      createdAt: at,
      updatedAt: at,
    });
  });
}

const TABLES = [
  "webhookDeliveries",
  "agentRuns",
  "hookDeliveries",
  "notifications",
  "handoffEvents",
  "outboundSends",
] as const;

async function counts() {
  return await t.run(async (ctx) => {
    const out: Record<string, number> = {};
    for (const table of [...TABLES, "messages", "threads"] as const) {
      out[table] = (await ctx.db.query(table).collect()).length;
    }
    return out;
  });
}

async function applyRetention() {
  await t.mutation(internal.ops.retention.run, {});
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

test("rows past each table's retention are deleted; newer rows, messages and threads are kept", async () => {
  const before = await counts();
  await seedLogs(NOW - 400 * DAY);
  await seedLogs(NOW - 5 * DAY);
  await applyRetention();
  const after = await counts();
  for (const table of TABLES) expect(after[table], table).toBe(before[table]! + 1);
  expect(after.messages).toBe(before.messages);
  expect(after.threads).toBe(before.threads);
});

test("each table keeps rows for its own number of days", async () => {
  const before = await counts();
  await seedLogs(NOW - 60 * DAY);
  await applyRetention();
  const after = await counts();
  // Defaults: 30 days for deliveries, hook calls and sends; 90 for runs and notifications; 365 for handoffs.
  expect(after.webhookDeliveries).toBe(before.webhookDeliveries);
  expect(after.hookDeliveries).toBe(before.hookDeliveries);
  expect(after.outboundSends).toBe(before.outboundSends);
  expect(after.agentRuns).toBe(before.agentRuns! + 1);
  expect(after.notifications).toBe(before.notifications! + 1);
  expect(after.handoffEvents).toBe(before.handoffEvents! + 1);
});

test("rows still in use (a running turn, a pending hook call, a send in flight) are kept", async () => {
  const before = await counts();
  await seedLogs(NOW - 400 * DAY, true);
  await applyRetention();
  const after = await counts();
  expect(after.agentRuns).toBe(before.agentRuns! + 1);
  expect(after.hookDeliveries).toBe(before.hookDeliveries! + 1);
  expect(after.outboundSends).toBe(before.outboundSends! + 1);
  expect(after.notifications).toBe(before.notifications);
});

test("retention days come from the environment; 0 keeps rows forever", async () => {
  vi.stubEnv("RETENTION_NOTIFICATIONS_DAYS", "7");
  vi.stubEnv("RETENTION_HANDOFF_EVENTS_DAYS", "0");
  vi.stubEnv("RETENTION_AGENT_RUNS_DAYS", "Infinity");
  expect(retentionDays("notifications")).toBe(7);
  expect(retentionDays("handoffEvents")).toBeNull();
  expect(retentionDays("agentRuns")).toBe(90);
  const before = await counts();
  await seedLogs(NOW - 10 * DAY);
  await seedLogs(NOW - 4_000 * DAY);
  await applyRetention();
  const after = await counts();
  expect(after.notifications).toBe(before.notifications);
  expect(after.handoffEvents).toBe(before.handoffEvents! + 2);
});

test("a large backlog is deleted in bounded batches that reschedule themselves", async () => {
  const total = RETENTION_BATCH * 2 + 7;
  await t.run(async (ctx) => {
    for (let i = 0; i < total; i++) {
      await ctx.db.insert("notifications", {
        ...tenant(),
        threadId: world.ids.threadId as Id<"threads">,
        kind: "handoff",
        title: `old ${i}`,
        body: "",
        createdAt: NOW - 200 * DAY + i,
      });
    }
  });
  const cutoff = NOW - 90 * DAY;
  const first = await t.mutation(internal.ops.retention.purge, {
    table: "notifications",
    cutoff,
    cursor: null,
  });
  expect(first).toEqual({ deleted: RETENTION_BATCH, done: false });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const left = await t.run(async (ctx) =>
    (await ctx.db.query("notifications").collect()).filter((n) => n.createdAt < cutoff),
  );
  expect(left).toEqual([]);
});

/** A bulk replay of failed deliveries last updated at `at` (its end, once finished). */
async function seedReplayJob(at: number, status: "running" | "done" | "abandoned") {
  return await t.run(
    async (ctx) =>
      await ctx.db.insert("deliveryReplayJobs", {
        ...tenant(),
        requestedBy: "user_admin",
        since: at - DAY,
        until: at,
        status,
        cursorIds: [],
        batches: 1,
        progress: { found: 0, resolved: 0, stillFailed: 0, skipped: 0, errors: 0 },
        startedAt: at,
        updatedAt: at,
        ...(status === "running" ? {} : { finishedAt: at }),
      }),
  );
}

async function replayJobIds() {
  return await t.run(async (ctx) =>
    (await ctx.db.query("deliveryReplayJobs").collect()).map((job) => job._id),
  );
}

test("bulk replays that finished before their retention are deleted; recent ones are kept", async () => {
  await seedReplayJob(NOW - 40 * DAY, "done");
  await seedReplayJob(NOW - 40 * DAY, "abandoned");
  const recent = await seedReplayJob(NOW - 5 * DAY, "done");
  await applyRetention();
  expect(await replayJobIds()).toEqual([recent]);
});

test("a running bulk replay is kept however long ago it last reported", async () => {
  const running = await seedReplayJob(NOW - 400 * DAY, "running");
  await applyRetention();
  expect(await replayJobIds()).toEqual([running]);
});
