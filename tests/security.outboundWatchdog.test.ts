/**
 * Stuck outbound work: a send whose action died after claiming it stays `sending`; the
 * watchdog cron moves it on to reconciliation (never a blind resend), exactly once, and leaves
 * fresh claims alone. Time is controlled (fake timers), so no scheduled function runs.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const NOW = Date.parse("2026-11-20T10:00:00Z");
const MINUTE = 60_000;
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.useRealTimers();
});

/** A send claimed `ageMs` ago whose action never came back. */
async function claimedSend(ageMs: number): Promise<Id<"outboundSends">> {
  return await t.run(async (ctx) => {
    const tenant = { organizationId: world.a.organizationId, environment: "development" as const };
    const { threadId, metaConnectionId: connectionId } = world.ids;
    const messageId = await ctx.db.insert("messages", {
      ...tenant,
      threadId,
      connectionId,
      role: "human",
      content: "Hello",
      channelData: {
        channel: "whatsapp",
        direction: "outbound",
        type: "text",
        status: "queued",
        statusTimestamps: { queuedAt: NOW - ageMs },
      },
      createdAt: NOW - ageMs,
    });
    return await ctx.db.insert("outboundSends", {
      ...tenant,
      messageId,
      connectionId,
      threadId,
      recipient: "+15557654321",
      content: { kind: "text", text: "Hello" },
      state: "sending",
      attempts: [],
      nextAttemptAt: NOW - ageMs,
      claimedAt: NOW - ageMs,
      createdAt: NOW - ageMs,
      updatedAt: NOW - ageMs,
    });
  });
}

const scheduledReconciliations = () =>
  t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter((f) =>
      f.name.includes("reconcileOutbound"),
    ),
  );

test("a send left sending by a dead action is moved to reconciliation exactly once by the watchdog", async () => {
  const stuck = await claimedSend(60 * MINUTE);
  await t.mutation(internal.ops.watchdog.sweep, {});
  vi.setSystemTime(NOW + MINUTE);
  await t.mutation(internal.ops.watchdog.sweep, {});

  const send = await t.run((ctx) => ctx.db.get("outboundSends", stuck));
  expect(send!.state).toBe("unconfirmed");
  expect(send!.attempts.map((a) => [a.outcome, a.startedAt])).toEqual([
    ["ambiguous", NOW - 60 * MINUTE],
  ]);
  expect(await scheduledReconciliations()).toHaveLength(1);
});

test("a send claimed a moment ago is left to its action", async () => {
  const fresh = await claimedSend(5_000);
  await t.mutation(internal.ops.watchdog.sweep, {});
  const send = await t.run((ctx) => ctx.db.get("outboundSends", fresh));
  expect(send!.state).toBe("sending");
  expect(send!.attempts).toEqual([]);
  expect(await scheduledReconciliations()).toHaveLength(0);
});
