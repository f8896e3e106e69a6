/**
 * Human handoff: ownership history, the dashboard notification (only when the AI or a signal
 * hands over, never when a teammate took the thread themselves), release with a note for the
 * AI, escalation keywords in any language, auto-release after inactivity (once, and not after
 * human activity), and outgoing hooks that are retried with backoff and recorded without ever
 * blocking the conversation.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { handOffToHuman, matchEscalationKeyword, noteHumanActivity } from "../convex/inbox/handoff";
import { hookBackoffMs, hookRequest, HOOK_MAX_ATTEMPTS } from "../convex/inbox/hooks";
import { qualifyLead } from "../convex/customers/leads";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

async function thread() {
  return (await t.run((ctx) => ctx.db.get("threads", world.ids.threadId)))!;
}

async function takeOver(summary?: string) {
  return await world.orgA.member.mutation(api.inbox.threads.takeOver, {
    ...env,
    threadId: world.ids.threadId,
    summary,
  });
}

/** The AI hands the thread over (its `handoff.toHuman` tool: the customer asked for a person). */
async function aiHandsOver(summary?: string) {
  return await t.run(async (ctx) => {
    const current = (await ctx.db.get("threads", world.ids.threadId))!;
    return await handOffToHuman(ctx, current, {
      reason: "customer_asked",
      summary,
      by: { kind: "agent", agentId: world.ids.agentId },
      now: Date.now(),
    });
  });
}

async function unreadNotificationBodies() {
  const unread = await world.orgA.admin.query(api.inbox.handoff.notifications, {
    ...env,
    unreadOnly: true,
  });
  return unread.filter((n) => n._id !== world.ids.notificationId).map((n) => n.body);
}

async function release(summary?: string) {
  return await world.orgA.member.mutation(api.inbox.threads.release, {
    ...env,
    threadId: world.ids.threadId,
    ...(summary !== undefined ? { summary } : {}),
  });
}

async function memoriesOfDana() {
  return await t.run(async (ctx) =>
    (await ctx.db.query("memories").collect()).filter((m) => m.contactId === world.ids.contactId),
  );
}

describe("ownership", () => {
  test("taking over records who, when and why, and the summary the AI will see later", async () => {
    await takeOver("Refund approved, courier booked for Monday");
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      to: "human",
      reason: "manual",
      summary: "Refund approved, courier booked for Monday",
      by: { kind: "user", userId: "user_2_org_a" },
      at: Date.parse("2026-11-20T10:00:00Z"),
    });
    expect((await thread()).handoffSummary).toBe("Refund approved, courier booked for Monday");
  });

  test("an AI handoff puts a notification in the dashboard inbox", async () => {
    await aiHandsOver("Wants to talk to a person");
    const unread = await world.orgA.admin.query(api.inbox.handoff.notifications, {
      ...env,
      unreadOnly: true,
    });
    const fresh = unread.find((n) => n.body.includes("Wants to talk to a person"));
    expect(fresh?.title).toBe("Dana needs a person");
    await world.orgA.admin.mutation(api.inbox.handoff.markNotificationRead, {
      ...env,
      notificationId: fresh!._id,
    });
    const after = await world.orgA.admin.query(api.inbox.handoff.notifications, {
      ...env,
      unreadOnly: true,
    });
    expect(after.map((n) => n._id)).not.toContain(fresh!._id);
  });

  test("release is recorded in the history and gives the thread back to the AI", async () => {
    await takeOver();
    await world.orgA.admin.mutation(api.inbox.threads.release, {
      ...env,
      threadId: world.ids.threadId,
    });
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history.map((h) => h.to)).toEqual(["ai", "human"]);
    expect((await thread()).owner).toBe("ai");
  });
});

describe("who is alerted", () => {
  beforeEach(async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      slackWebhookUrl: "https://hooks.slack.test/T000/B000/XXX",
      httpHook: { url: "https://crm.test/hook", secret: "hook-secret" },
    });
  });

  async function hookCalls() {
    return await t.run((ctx) => ctx.db.query("hookDeliveries").collect());
  }

  test("a teammate taking a thread over alerts nobody, and the history still records it", async () => {
    expect(await takeOver("I'll handle this one")).toBe(true);
    expect(await unreadNotificationBodies()).toEqual([]);
    expect(await hookCalls()).toEqual([]);
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history[0]).toMatchObject({ to: "human", reason: "manual", by: { kind: "user" } });
  });

  test("a teammate replying from the WhatsApp Business app alerts nobody", async () => {
    await t.run(async (ctx) => {
      const current = (await ctx.db.get("threads", world.ids.threadId))!;
      await handOffToHuman(ctx, current, {
        reason: "business_app_reply",
        by: { kind: "system" },
        now: Date.now(),
      });
    });
    expect((await thread()).owner).toBe("human");
    expect(await unreadNotificationBodies()).toEqual([]);
    expect(await hookCalls()).toEqual([]);
  });

  test("the AI handing a thread over notifies the inbox and calls the Slack and HTTP hooks", async () => {
    expect(await aiHandsOver("Asked twice for a manager")).toBe(true);
    expect(await unreadNotificationBodies()).toEqual([
      "The customer asked for a person: Asked twice for a manager",
    ]);
    expect((await hookCalls()).map((h) => h.hook).sort()).toEqual(["http", "slack"]);
  });
});

describe("release with a note for the AI", () => {
  test("the note is recorded on the release and written to the customer's memory", async () => {
    await takeOver();
    expect(await release("  Refund of $40 issued; courier booked for Monday  ")).toBe(true);
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history[0]).toMatchObject({
      to: "ai",
      reason: "manual",
      summary: "Refund of $40 issued; courier booked for Monday",
    });
    const memories = await memoriesOfDana();
    expect(memories.map((m) => [m.kind, m.content])).toEqual([
      [
        "summary",
        "Released to the AI by a teammate on 2026-11-20: Refund of $40 issued; courier booked for Monday",
      ],
    ]);
    expect(memories[0]!.sourceConnectionId).toBe(world.ids.metaConnectionId);
  });

  test("a release without a note, or with a blank one, writes no memory", async () => {
    await takeOver();
    await release("   ");
    await takeOver();
    await release();
    expect(await memoriesOfDana()).toEqual([]);
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history.filter((h) => h.to === "ai").map((h) => h.summary)).toEqual([
      undefined,
      undefined,
    ]);
  });

  test("a note longer than 1000 characters is refused and the thread stays with the human", async () => {
    await takeOver();
    await expectCode(release("x".repeat(1001)), "INVALID_ARGUMENT");
    expect((await thread()).owner).toBe("human");
    expect(await memoriesOfDana()).toEqual([]);
  });

  test("a take-over reason longer than 1000 characters is refused and the AI keeps the thread", async () => {
    await expectCode(
      world.orgA.admin.mutation(api.inbox.threads.takeOver, {
        ...env,
        threadId: world.ids.threadId,
        summary: "x".repeat(1001),
      }),
      "INVALID_ARGUMENT",
    );
    expect((await thread()).owner).toBe("ai");
  });

  test("a note on a thread the AI already answers changes nothing", async () => {
    expect(await release("Nothing to say")).toBe(false);
    expect(await memoriesOfDana()).toEqual([]);
  });
});

describe("escalation keywords", () => {
  const portuguese = ["atendente humano", "falar com uma pessoa"];

  test("match whole words regardless of case and accents", () => {
    expect(matchEscalationKeyword("Quero um ATENDENTE HUMANO, por favor!", portuguese)).toBe(
      "atendente humano",
    );
    expect(matchEscalationKeyword("posso falar com uma pessoa?", ["falar com uma pessóa"])).toBe(
      "falar com uma pessóa",
    );
  });

  test("do not match inside other words or when absent", () => {
    expect(matchEscalationKeyword("I need a human", portuguese)).toBeNull();
    expect(matchEscalationKeyword("humanos atendentes", ["atendente"])).toBeNull();
    expect(matchEscalationKeyword("anything", [])).toBeNull();
  });

  test("are stored per tenant and environment", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      escalationKeywords: [" atendente humano ", ""],
    });
    const a = await world.orgA.admin.query(api.inbox.handoff.getSettings, env);
    const b = await world.orgB.admin.query(api.inbox.handoff.getSettings, env);
    expect(a.escalationKeywords).toEqual(["atendente humano"]);
    expect(b.escalationKeywords).toEqual([]);
  });
});

describe("auto-release after inactivity", () => {
  beforeEach(async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      autoReleaseMinutes: 30,
    });
  });

  test("returns the thread to the AI once, after the configured inactivity", async () => {
    await takeOver();
    vi.advanceTimersByTime(29 * 60_000);
    await t.finishInProgressScheduledFunctions();
    expect((await thread()).owner).toBe("human");
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await thread()).owner).toBe("ai");
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history.filter((h) => h.reason === "inactivity")).toHaveLength(1);
  });

  test("does not fire when a human acted in between", async () => {
    await takeOver();
    vi.advanceTimersByTime(20 * 60_000);
    await t.run(async (ctx) => {
      const current = (await ctx.db.get("threads", world.ids.threadId))!;
      await noteHumanActivity(ctx, current, Date.now());
    });
    vi.advanceTimersByTime(15 * 60_000);
    await t.finishInProgressScheduledFunctions();
    expect((await thread()).owner).toBe("human");
    // The re-armed release fires 30 minutes after the human's activity, once.
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await thread()).owner).toBe("ai");
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history.filter((h) => h.reason === "inactivity")).toHaveLength(1);
  });
});

describe("outgoing hooks", () => {
  test("a failing Slack hook is retried with backoff, recorded, and never blocks the handoff", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      slackWebhookUrl: "https://hooks.slack.test/T000/B000/XXX",
    });
    const calls: { at: number; body: string }[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      calls.push({ at: Date.now(), body: init.body as string });
      return new Response("no_service", { status: 500 });
    });
    expect(await aiHandsOver("Angry about a late delivery")).toBe(true);
    expect((await thread()).owner).toBe("human");
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(calls).toHaveLength(HOOK_MAX_ATTEMPTS);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
    expect(JSON.parse(calls[0]!.body)).toEqual({
      text: "Dana needs a person. The customer asked for a person: Angry about a late delivery",
    });
    const hooks = await world.orgA.admin.query(api.inbox.hooks.list, env);
    expect(hooks[0]).toMatchObject({ hook: "slack", state: "failed", attempts: HOOK_MAX_ATTEMPTS });
    expect(hooks[0]!.lastError).toContain("HTTP 500");
  });

  test("a hook that recovers is delivered once", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      httpHook: { url: "https://crm.test/hook", secret: "hook-secret" },
    });
    let n = 0;
    vi.stubGlobal("fetch", async () => new Response("", { status: ++n < 3 ? 503 : 200 }));
    await aiHandsOver();
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(n).toBe(3);
    const hooks = await world.orgA.admin.query(api.inbox.hooks.list, env);
    expect(hooks[0]).toMatchObject({ hook: "http", state: "delivered", attempts: 3 });
  });

  test("signed HTTP hooks carry an HMAC of the timestamp and body", async () => {
    const { init } = await hookRequest(
      "http",
      "thread.handed_off",
      { a: 1 },
      { url: "https://x.test", secret: "s3cret" },
      1_700_000_000_000,
    );
    const headers = init.headers;
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("s3cret"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(`1700000000.${init.body}`),
    );
    const hex = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
    expect(headers["X-Switchboard-Signature"]).toBe(`sha256=${hex}`);
    expect(headers["X-Switchboard-Timestamp"]).toBe("1700000000");
  });

  test("backoff grows by four each attempt, with bounded jitter", () => {
    expect(hookBackoffMs(1, () => 0.5)).toBe(5_000);
    expect(hookBackoffMs(2, () => 0.5)).toBe(20_000);
    expect(hookBackoffMs(3, () => 0)).toBe(64_000);
    expect(hookBackoffMs(3, () => 1)).toBe(96_000);
  });

  test("hook secrets are never returned by the settings query", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      slackWebhookUrl: "https://hooks.slack.test/T000/B000/SECRETPART",
      crmHook: { url: "https://crm.test/leads", secret: "crm-secret" },
    });
    const settings = await world.orgA.admin.query(api.inbox.handoff.getSettings, env);
    expect(JSON.stringify(settings)).not.toContain("SECRETPART");
    expect(JSON.stringify(settings)).not.toContain("crm-secret");
    expect(settings.slackConfigured).toBe(true);
    expect(settings.crmHookUrl).toBe("https://crm.test/leads");
  });

  test("hook URLs must be http(s)", async () => {
    await expectCode(
      world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
        ...env,
        slackWebhookUrl: "javascript:alert(1)",
      }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("memory pools", () => {
  test("a pool still used by a number cannot be deleted", async () => {
    await world.orgA.admin.mutation(api.whatsapp.connections.update, {
      ...env,
      connectionId: world.ids.metaConnectionId,
      memoryPoolId: world.ids.memoryPoolId,
    });
    const pools = await world.orgA.admin.query(api.customers.memoryPools.list, env);
    expect(pools[0]!.connectionIds).toEqual([world.ids.metaConnectionId]);
    await expectCode(
      world.orgA.admin.mutation(api.customers.memoryPools.remove, {
        ...env,
        memoryPoolId: world.ids.memoryPoolId,
      }),
      "IN_USE",
    );
  });
});

describe("CRM lead hook", () => {
  test("a qualified lead reaches the CRM hook as a signed structured summary, retried on failure", async () => {
    await world.orgA.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      crmHook: { url: "https://crm.test/leads", secret: "crm-secret" },
    });
    const received: { body: string; signature: string | null }[] = [];
    let n = 0;
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      received.push({
        body: init.body as string,
        signature: new Headers(init.headers).get("X-Switchboard-Signature"),
      });
      return new Response("", { status: ++n === 1 ? 502 : 200 });
    });
    await t.run(async (ctx) => {
      const current = (await ctx.db.get("threads", world.ids.threadId))!;
      await qualifyLead(
        ctx,
        current,
        { summary: "Wants the Pro plan for 12 seats", fields: { plan: "pro", seats: "12" } },
        Date.now(),
      );
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[1]!.body)).toMatchObject({
      event: "lead.qualified",
      customer: { phoneNumber: "+15557770000", name: "Dana" },
      summary: "Wants the Pro plan for 12 seats",
      fields: { plan: "pro", seats: "12" },
    });
    expect(received[1]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const hooks = await world.orgA.admin.query(api.inbox.hooks.list, env);
    expect(hooks[0]).toMatchObject({ hook: "crm", state: "delivered", attempts: 2 });
  });

  test("without a CRM hook nothing is queued", async () => {
    const id = await t.run(async (ctx) => {
      const current = (await ctx.db.get("threads", world.ids.threadId))!;
      return await qualifyLead(ctx, current, { summary: "x", fields: {} }, Date.now());
    });
    expect(id).toBeNull();
  });
});

describe("a human replying from the dashboard", () => {
  beforeEach(async () => {
    await t.run(async (ctx) => {
      const current = (await ctx.db.get("threads", world.ids.threadId))!;
      await ctx.db.patch("threads", current._id, {
        channelParams: { ...current.channelParams, lastInboundAt: Date.now() - 60_000 },
      });
    });
  });

  test("takes the thread from the AI, stores the reply as human, and records why", async () => {
    const messageId = await world.orgA.member.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId: world.ids.threadId,
      text: "Hi Dana, I'm Sam from the team. Your parcel left this morning.",
    });
    const stored = await t.run((ctx) => ctx.db.get("messages", messageId));
    expect(stored).toMatchObject({ role: "human", authorId: "user_2_org_a" });
    expect((await thread()).owner).toBe("human");
    const history = await world.orgA.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: world.ids.threadId,
    });
    expect(history[0]).toMatchObject({ to: "human", reason: "human_replied" });
  });

  test("on a thread a human already owns, restarts the inactivity clock", async () => {
    await takeOver();
    vi.advanceTimersByTime(10 * 60_000);
    await world.orgA.member.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId: world.ids.threadId,
      text: "Still checking, one moment.",
    });
    expect((await thread()).lastHumanActivityAt).toBe(Date.now());
  });
});
