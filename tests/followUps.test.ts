/**
 * Follow-ups: a message scheduled for later goes out as text inside the 24-hour window, as
 * the chosen approved template outside it, fails visibly with neither, and is cancelled when
 * the customer writes again first.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const HOUR = 60 * 60 * 1000;
const T0 = Date.parse("2026-11-20T10:00:00Z");
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  t = newTest();
  world = await seedWorld(t);
  await t.run(async (ctx) => {
    const thread = (await ctx.db.get("threads", world.ids.threadId))!;
    await ctx.db.patch("threads", thread._id, {
      channelParams: { ...thread.channelParams, lastInboundAt: T0 - HOUR },
    });
    await ctx.db.insert("templates", {
      organizationId: world.a.organizationId,
      environment: "development",
      connectionId: world.ids.metaConnectionId,
      businessAccountId: "waba_1",
      name: "appointment_check_in",
      language: "en_US",
      category: "UTILITY",
      parameterFormat: "positional",
      status: "APPROVED",
      components: [{ type: "BODY", text: "How did your appointment go?" }],
      updatedAt: 0,
    });
  });
});

afterEach(() => vi.useRealTimers());

async function schedule(delayMs: number, withTemplate: boolean, cancelOnReply = true) {
  return await world.orgA.admin.mutation(api.inbox.followUps.schedule, {
    ...env,
    threadId: world.ids.threadId,
    dueAt: T0 + delayMs,
    text: "How did your appointment go?",
    ...(withTemplate ? { template: { name: "appointment_check_in", language: "en_US" } } : {}),
    cancelOnReply,
  });
}

async function fireAt(at: number, followUpId: Id<"followUps">) {
  vi.setSystemTime(at);
  await t.mutation(internal.inbox.followUps.fire, { followUpId });
  const list = await world.orgA.admin.query(api.inbox.followUps.list, {
    ...env,
    threadId: world.ids.threadId,
  });
  return list.find((f) => f._id === followUpId)!;
}

async function outbound() {
  return await t.run(async (ctx) =>
    (
      await ctx.db
        .query("messages")
        .withIndex("by_threadId_and_createdAt", (q) => q.eq("threadId", world.ids.threadId))
        .collect()
    ).filter((m) => m.channelData.direction === "outbound"),
  );
}

test("inside the window a follow-up goes out as text", async () => {
  const id = await schedule(2 * HOUR, true);
  const followUp = await fireAt(T0 + 2 * HOUR, id);
  expect(followUp.state).toMatchObject({ kind: "sent", as: "text" });
  const [message] = await outbound();
  expect(message!.content).toBe("How did your appointment go?");
  expect(message!.channelData.type).toBe("text");
});

test("outside the window a follow-up goes out as its approved template", async () => {
  const id = await schedule(72 * HOUR, true);
  const followUp = await fireAt(T0 + 72 * HOUR, id);
  expect(followUp.state).toMatchObject({ kind: "sent", as: "template" });
  const [message] = await outbound();
  expect(message!.channelData.templateName).toBe("appointment_check_in");
  expect(message!.content).toContain("[Template: appointment_check_in]");
});

test("outside the window without a template a follow-up fails with the reason", async () => {
  const id = await schedule(72 * HOUR, false);
  const followUp = await fireAt(T0 + 72 * HOUR, id);
  expect(followUp.state).toMatchObject({ kind: "failed" });
  expect(followUp.state.kind === "failed" && followUp.state.reason).toContain("24-hour");
  expect(await outbound()).toEqual([]);
});

test("a follow-up is cancelled when the customer writes again first", async () => {
  const id = await schedule(24 * HOUR, true);
  await t.run(async (ctx) => {
    const thread = (await ctx.db.get("threads", world.ids.threadId))!;
    await ctx.db.patch("threads", thread._id, {
      channelParams: { ...thread.channelParams, lastInboundAt: T0 + HOUR },
    });
  });
  const followUp = await fireAt(T0 + 24 * HOUR, id);
  expect(followUp.state).toMatchObject({ kind: "cancelled" });
  expect(await outbound()).toEqual([]);
});

test("a follow-up that keeps going after a reply is still sent", async () => {
  const id = await schedule(2 * HOUR, true, false);
  await t.run(async (ctx) => {
    const thread = (await ctx.db.get("threads", world.ids.threadId))!;
    await ctx.db.patch("threads", thread._id, {
      channelParams: { ...thread.channelParams, lastInboundAt: T0 + HOUR },
    });
  });
  expect((await fireAt(T0 + 2 * HOUR, id)).state.kind).toBe("sent");
});

test("a cancelled follow-up never fires", async () => {
  const id = await schedule(2 * HOUR, true);
  expect(
    await world.orgA.admin.mutation(api.inbox.followUps.cancel, { ...env, followUpId: id }),
  ).toBe(true);
  expect((await fireAt(T0 + 2 * HOUR, id)).state.kind).toBe("cancelled");
  expect(await outbound()).toEqual([]);
});

test("a follow-up in the past or beyond 90 days is refused", async () => {
  await expectCode(schedule(-HOUR, true), "INVALID_ARGUMENT");
  await expectCode(schedule(91 * 24 * HOUR, true), "INVALID_ARGUMENT");
});

test("a follow-up does not go out while a person owns the thread", async () => {
  const id = await schedule(2 * HOUR, true);
  await world.orgA.admin.mutation(api.inbox.threads.takeOver, {
    ...env,
    threadId: world.ids.threadId,
  });
  const followUp = await fireAt(T0 + 2 * HOUR, id);
  expect(followUp.state).toMatchObject({ kind: "cancelled" });
  expect(await outbound()).toEqual([]);
});
