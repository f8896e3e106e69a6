/**
 * Console analytics: messages per day by who wrote them, the delivery funnel with its
 * denominator, first-reply time with AI and humans apart, the handoff rate over threads the AI
 * was answering, tokens and cost per day, the number filter and the read caps.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Doc, Id } from "../convex/_generated/dataModel";
import { analyticsRange, firstReplyWaits } from "../convex/console/analyticsMath";
import { MAX_ANALYTICS_MESSAGES } from "../convex/console/analytics";
import type { ChannelData, HandoffReason, MessageRole } from "../convex/lib/validators";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const NOW = Date.parse("2026-03-10T18:00:00Z");
const DAY1 = Date.parse("2026-03-09T09:00:00Z");
const DAY2 = Date.parse("2026-03-10T09:00:00Z");
const MIN = 60_000;

let t: TestConvex;
let world: World;
let seeded = 0;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date(NOW));
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.useRealTimers();
});

type Row = { at: number; role: MessageRole; channelData?: Partial<ChannelData> };

async function thread(
  rows: Row[],
  options: {
    connectionId?: Id<"whatsappConnections">;
    handoffs?: { at: number; to: "ai" | "human"; reason: HandoffReason }[];
  } = {},
) {
  return await t.run(async (ctx) => {
    const tenant = { organizationId: world.a.organizationId, environment: "development" as const };
    const connectionId = options.connectionId ?? world.ids.metaConnectionId;
    seeded += 1;
    const phone = `+1555000${String(seeded).padStart(4, "0")}`;
    const contactId = await ctx.db.insert("contacts", {
      ...tenant,
      poolKey: `connection:${connectionId}`,
      phoneNumber: phone,
      attributes: {},
      createdAt: 0,
      updatedAt: 0,
    });
    const last = Math.max(...rows.map((r) => r.at));
    const threadId = await ctx.db.insert("threads", {
      ...tenant,
      connectionId,
      contactId,
      channel: "whatsapp",
      externalId: `whatsapp:${connectionId}:${phone}`,
      channelParams: { phoneNumber: phone },
      owner: "ai",
      ownerChangedAt: 0,
      generation: 1,
      lastMessageAt: last,
      createdAt: rows[0]!.at,
    });
    for (const row of rows) {
      const inbound = row.role === "user";
      await ctx.db.insert("messages", {
        ...tenant,
        threadId,
        connectionId,
        role: row.role,
        content: "x",
        channelData: {
          channel: "whatsapp",
          direction: inbound ? "inbound" : "outbound",
          type: "text",
          status: inbound ? "received" : "sent",
          statusTimestamps: {},
          ...row.channelData,
        },
        createdAt: row.at,
      });
    }
    for (const h of options.handoffs ?? []) {
      await ctx.db.insert("handoffEvents", {
        ...tenant,
        threadId,
        to: h.to,
        reason: h.reason,
        by: { kind: "system" },
        at: h.at,
      });
    }
    return threadId;
  });
}

async function conversations(args: Record<string, unknown> = {}) {
  return await world.orgA.member.query(api.console.analytics.conversations, {
    ...env,
    days: 2,
    ...args,
  });
}

describe("the range", () => {
  test("covers whole days in the caller's offset, ending with the day of `until`", () => {
    const range = analyticsRange(Date.parse("2026-03-10T23:30:00Z"), 2, 60);
    expect(range.days).toEqual(["2026-03-10", "2026-03-11"]);
    expect(new Date(range.from).toISOString()).toBe("2026-03-09T23:00:00.000Z");
  });

  test("more than 31 days is refused", async () => {
    await expectCode(conversations({ days: 32 }), "INVALID_ARGUMENT");
  });
});

test("messages per day count customer, AI and human messages on the day they were written", async () => {
  await thread([
    { at: DAY1, role: "user" },
    { at: DAY1 + MIN, role: "assistant" },
    { at: DAY2, role: "user" },
    { at: DAY2 + MIN, role: "human" },
    { at: DAY2 + 2 * MIN, role: "system" },
  ]);
  const result = await conversations();
  expect(result.daily.map((d) => [d.day, d.inbound, d.outboundAi, d.outboundHuman])).toEqual([
    ["2026-03-09", 1, 1, 0],
    ["2026-03-10", 1, 0, 1],
  ]);
  expect(result.totals).toEqual({ inbound: 2, outboundAi: 1, outboundHuman: 1, conversations: 1 });
  expect(result.scope).toMatchObject({ threads: 1, messages: 5, complete: true });
});

test("the delivery funnel counts each stage as a share of outbound messages, failures by code", async () => {
  const failed = (code: number): Partial<ChannelData> => ({
    status: "failed",
    error: { code, title: code === 131047 ? "Re-engagement message" : "Undeliverable" },
  });
  await thread([
    { at: DAY2, role: "user" },
    { at: DAY2 + 1, role: "assistant", channelData: { status: "read" } },
    { at: DAY2 + 2, role: "assistant", channelData: { status: "delivered" } },
    { at: DAY2 + 3, role: "assistant", channelData: { status: "sent" } },
    { at: DAY2 + 4, role: "human", channelData: { status: "queued" } },
    { at: DAY2 + 5, role: "human", channelData: failed(131047) },
    { at: DAY2 + 6, role: "assistant", channelData: failed(131026) },
    { at: DAY2 + 7, role: "assistant", channelData: failed(131047) },
  ]);
  const { funnel } = await conversations();
  expect(funnel).toEqual({
    outbound: 7,
    sent: { count: 3, of: 7 },
    delivered: { count: 2, of: 7 },
    read: { count: 1, of: 7 },
    failed: { count: 3, of: 7 },
    pending: { count: 1, of: 7 },
    failedByCode: [
      { code: 131047, title: "Re-engagement message", count: 2 },
      { code: 131026, title: "Undeliverable", count: 1 },
    ],
  });
});

describe("first-reply time", () => {
  test("AI replies and human replies are measured apart", async () => {
    await thread([
      { at: DAY2, role: "user" },
      { at: DAY2 + 5_000, role: "user" },
      { at: DAY2 + 10_000, role: "assistant" },
      { at: DAY2 + 60 * MIN, role: "user" },
      { at: DAY2 + 60 * MIN + 20_000, role: "assistant" },
    ]);
    await thread(
      [
        { at: DAY2, role: "user" },
        { at: DAY2 + 15 * MIN, role: "human" },
      ],
      { handoffs: [{ at: DAY2 - MIN, to: "human", reason: "manual" }] },
    );
    const { firstReply } = await conversations();
    expect(firstReply.ai).toEqual({
      answered: 2,
      unanswered: 0,
      medianMs: 10_000,
      p90Ms: 20_000,
      meanMs: 15_000,
    });
    expect(firstReply.human).toMatchObject({ answered: 1, medianMs: 15 * MIN });
  });

  test("after an escalation the AI's acknowledgement does not count as the person's reply", () => {
    const timeline = firstReplyWaits(
      [
        { kind: "message", at: 0, role: "user" },
        { kind: "handoff", at: 1_000, to: "human", reason: "escalation_keyword" },
        { kind: "message", at: 2_000, role: "assistant" },
        { kind: "message", at: 600_000, role: "human" },
      ],
      "ai",
    );
    expect(timeline.waits).toEqual([{ startedAt: 0, by: "human", replyMs: 600_000 }]);
  });

  test("a wait nobody answered before the end of the range is counted unanswered", async () => {
    await thread([{ at: DAY2, role: "user" }]);
    const { firstReply } = await conversations();
    expect(firstReply.ai).toMatchObject({ answered: 0, unanswered: 1, medianMs: null });
  });
});

test("the handoff rate is over threads the AI was answering, not threads a person already had", async () => {
  await thread(
    [
      { at: DAY2, role: "user" },
      { at: DAY2 + MIN, role: "assistant" },
    ],
    { handoffs: [{ at: DAY2 + 2 * MIN, to: "human", reason: "customer_asked" }] },
  );
  await thread([
    { at: DAY1, role: "user" },
    { at: DAY1 + MIN, role: "assistant" },
  ]);
  await thread(
    [
      { at: DAY2, role: "user" },
      { at: DAY2 + MIN, role: "human" },
    ],
    { handoffs: [{ at: DAY1 - 3 * 24 * 60 * MIN, to: "human", reason: "manual" }] },
  );
  const { handoff, daily } = await conversations();
  expect(handoff.rate).toEqual({ count: 1, of: 2 });
  expect(handoff.escalationRate).toEqual({ count: 1, of: 2 });
  expect(handoff.byReason).toEqual([{ reason: "customer_asked", count: 1 }]);
  expect(daily.map((d) => [d.aiConversations, d.handoffs])).toEqual([
    [1, 0],
    [1, 1],
  ]);
});

test("a number filter keeps that number's threads only", async () => {
  await thread([{ at: DAY2, role: "user" }]);
  await thread([{ at: DAY2, role: "user" }], { connectionId: world.ids.kapsoConnectionId });
  const result = await conversations({ connectionId: world.ids.kapsoConnectionId });
  expect(result.totals.inbound).toBe(1);
  expect(result.byNumber).toEqual([
    { connectionId: world.ids.kapsoConnectionId, inbound: 1, outbound: 0, conversations: 1 },
  ]);
});

test("past the message cap the answer says it is incomplete", async () => {
  const threadId = await thread([{ at: DAY2, role: "user" }]);
  for (let start = 0; start < MAX_ANALYTICS_MESSAGES; start += 1000) {
    await t.run(async (ctx) => {
      for (let i = start; i < start + 1000; i++) {
        await ctx.db.insert("messages", {
          organizationId: world.a.organizationId,
          environment: "development",
          threadId,
          connectionId: world.ids.metaConnectionId,
          role: "user",
          content: "x",
          channelData: {
            channel: "whatsapp",
            direction: "inbound",
            type: "text",
            status: "received",
            statusTimestamps: {},
          },
          createdAt: DAY2 + 1 + i,
        });
      }
    });
  }
  const { scope } = await conversations();
  expect(scope).toMatchObject({ complete: false, messages: MAX_ANALYTICS_MESSAGES });
});

describe("usage", () => {
  async function run(at: number, fields: Partial<Doc<"agentRuns">>) {
    await t.run(async (ctx) => {
      const world0 = await ctx.db.get("threads", world.ids.threadId);
      await ctx.db.insert("agentRuns", {
        organizationId: world.a.organizationId,
        environment: "development",
        threadId: world0!._id,
        connectionId: world.ids.metaConnectionId,
        generation: 1,
        agentId: world.ids.agentId,
        triggerMessageIds: [],
        outcome: "replied",
        toolCalls: [],
        promptChars: 0,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        startedAt: at,
        ...fields,
      });
    });
  }

  test("tokens and cost per day sum the runs of the range, per agent, with run counts", async () => {
    await run(DAY1, { tokensIn: 100, tokensOut: 50, costUsd: 0.01 });
    await run(DAY2, { tokensIn: 200, tokensOut: 10, costUsd: 0.02 });
    await run(DAY2, { outcome: "silent" });
    await run(DAY1 - 2 * 24 * 60 * MIN, { tokensIn: 999, costUsd: 9 });
    const usage = await world.orgA.member.query(api.console.analytics.usage, { ...env, days: 2 });
    expect(usage.daily).toEqual([
      { day: "2026-03-09", runs: 1, modelRuns: 1, tokensIn: 100, tokensOut: 50, costUsd: 0.01 },
      { day: "2026-03-10", runs: 2, modelRuns: 1, tokensIn: 200, tokensOut: 10, costUsd: 0.02 },
    ]);
    expect(usage.byAgent).toEqual([
      {
        agentId: world.ids.agentId,
        runs: 3,
        modelRuns: 2,
        tokensIn: 300,
        tokensOut: 60,
        costUsd: 0.03,
      },
    ]);
    expect(usage.outcomes).toEqual([
      { outcome: "replied", count: 2 },
      { outcome: "silent", count: 1 },
    ]);
  });
});
