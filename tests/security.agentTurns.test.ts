/**
 * Agent turns under failure and attack: a turn that outlived its action is moved on by the
 * watchdog (fallback reply and the agent's handoff policy, once); a customer message that
 * crosses the bot's reply (written before it, delivered after it) is still answered; and
 * `agents.handoff` reaches only the agents an admin allowed the current agent to pass to.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
import {
  customerWrites,
  numberWithAgent,
  routeNow,
  runsOfThread,
  threadMessages,
  type Number,
  SUPPORT_LINE,
} from "./fixtures/metaInbound";
import { metaEnvelope, metaRequest, metaText, metaValue, post } from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const CUSTOMER = "15557771234";
const GRAPH = "http://graph.test";
const MINUTE = 60_000;
const T0 = Date.parse("2026-05-14T10:00:00Z");

let t: TestConvex;
let model: StandInModel;
let a: Awaited<ReturnType<typeof provisionTenant>>;
let support: Number & { agentId: Id<"agents"> };

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  vi.stubEnv("META_GRAPH_BASE_URL", GRAPH);
  let sent = 0;
  model = useStandInModel(async (request) => {
    if (!request.url.startsWith(GRAPH)) throw new Error(`unexpected fetch to ${request.url}`);
    return Response.json({ messages: [{ id: `wamid.OUT${++sent}` }] });
  });
  t = newTest();
  a = await provisionTenant(t, "org_a");
  support = await numberWithAgent(a.admin, SUPPORT_LINE);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("a turn that outlived its action", () => {
  /** The customer wrote; the turn started `ageMs` ago and its action died. */
  async function stuckTurn(ageMs: number) {
    const thread = await customerWrites(t, support, CUSTOMER, "Where is my order?");
    const runId = await t.run((ctx) =>
      ctx.db.insert("agentRuns", {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: thread.connectionId,
        generation: thread.generation,
        agentId: support.agentId,
        triggerMessageIds: [],
        outcome: "running",
        toolCalls: [],
        promptChars: 0,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        startedAt: Date.now() - ageMs,
      }),
    );
    return { threadId: thread._id, runId };
  }

  test("gets the fallback reply and the agent's failure handoff, exactly once", async () => {
    const { threadId, runId } = await stuckTurn(20 * MINUTE);
    await t.mutation(internal.ops.watchdog.sweep, {});
    vi.setSystemTime(Date.now() + MINUTE);
    await t.mutation(internal.ops.watchdog.sweep, {});

    const run = await t.run((ctx) => ctx.db.get("agentRuns", runId));
    expect(run!.outcome).toBe("handed_off");
    expect(run!.usedFallback).toBe(true);
    const replies = (await threadMessages(t, threadId)).filter((m) => m.role === "assistant");
    expect(replies.map((m) => m.content)).toEqual([
      "Sorry, I'm having trouble right now. A teammate will get back to you shortly.",
    ]);
    const events = await a.admin.query(api.inbox.handoff.history, { ...env, threadId });
    expect(events.map((e) => e.reason)).toEqual(["repeated_failure"]);
    expect((await t.run((ctx) => ctx.db.get("threads", threadId)))!.owner).toBe("human");
  });

  test("without handoffOnFailure it gets the fallback reply and the AI keeps the thread", async () => {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoff: { fallbackReply: "One moment please.", handoffOnFailure: false },
    });
    const { threadId, runId } = await stuckTurn(20 * MINUTE);
    await t.mutation(internal.ops.watchdog.sweep, {});
    const run = await t.run((ctx) => ctx.db.get("agentRuns", runId));
    expect([run!.outcome, run!.usedFallback]).toEqual(["failed", true]);
    const replies = (await threadMessages(t, threadId)).filter((m) => m.role === "assistant");
    expect(replies.map((m) => m.content)).toEqual(["One moment please."]);
    expect((await t.run((ctx) => ctx.db.get("threads", threadId)))!.owner).toBe("ai");
  });

  test("a turn started a moment ago is left running", async () => {
    const { threadId, runId } = await stuckTurn(30_000);
    await t.mutation(internal.ops.watchdog.sweep, {});
    expect((await t.run((ctx) => ctx.db.get("agentRuns", runId)))!.outcome).toBe("running");
    expect((await threadMessages(t, threadId)).filter((m) => m.role !== "user")).toEqual([]);
  });
});

describe("a customer message that crosses the bot's reply", () => {
  /** A message the customer wrote at `writtenAt`, delivered now (WhatsApp's seconds). */
  async function deliveredLate(text: string, writtenAt: number) {
    const body = metaEnvelope([
      {
        changes: [
          {
            value: metaValue(support.phoneNumberId, {
              contacts: [{ profile: { name: "Anish" }, wa_id: CUSTOMER }],
              messages: [metaText("wamid.CROSSING", CUSTOMER, text, Math.floor(writtenAt / 1000))],
            }),
          },
        ],
      },
    ]);
    const response = await post(t, await metaRequest(body, { secret: support.appSecret }));
    expect(response.status).toBe(200);
  }

  test("written before the reply but delivered after it, it is answered", async () => {
    const thread = await customerWrites(t, support, CUSTOMER, "Hi, is the shop open?");
    vi.setSystemTime(T0 + 10_000);
    model.script({ content: "Yes, until 6 pm." });
    await routeNow(t, thread._id);
    // Written at +8 s, before the reply (+10 s), but the provider delivers it at +13 s.
    vi.setSystemTime(T0 + 13_000);
    await deliveredLate("And on Sunday?", T0 + 8_000);
    model.script({ content: "Sundays too, from 10 am." });
    await routeNow(t, thread._id);

    const runs = await runsOfThread(t, thread._id);
    expect(runs.map((r) => r.outcome)).toEqual(["replied", "replied"]);
    const replies = (await threadMessages(t, thread._id)).filter((m) => m.role === "assistant");
    expect(replies.map((m) => m.content)).toEqual(["Yes, until 6 pm.", "Sundays too, from 10 am."]);
  });
});

describe("agents.handoff", () => {
  let sales: Id<"agents">;
  beforeEach(async () => {
    sales = await a.admin.mutation(api.agents.definitions.create, {
      ...env,
      name: "Sales",
      slug: "sales",
      systemPrompt: "You are the sales agent.",
    });
  });

  async function askForSales() {
    model.script(
      { toolCalls: [{ name: "agents_handoff", arguments: { agent: "sales", note: "upgrade" } }] },
      { content: "Let me help you myself." },
    );
    const thread = await customerWrites(t, support, CUSTOMER, "I'd like to upgrade my plan");
    await routeNow(t, thread._id);
    return thread._id;
  }

  test("is refused for an agent not on the current agent's list, and nothing changes", async () => {
    const threadId = await askForSales();
    const [run] = await runsOfThread(t, threadId);
    expect(run!.outcome).toBe("replied");
    expect(run!.toolCalls[0]!.ok).toBe(false);
    const thread = await t.run((ctx) => ctx.db.get("threads", threadId));
    expect(thread!.currentAgentId).toBe(support.agentId);
    expect(thread!.agentHandoff).toBeUndefined();
  });

  test("passes the thread to an agent on the current agent's list", async () => {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoffAgentIds: [sales],
    });
    const threadId = await askForSales();
    expect((await runsOfThread(t, threadId)).map((r) => r.outcome)).toEqual(["passed_on"]);
    expect((await t.run((ctx) => ctx.db.get("threads", threadId)))!.currentAgentId).toBe(sales);
  });

  test("the list takes only agents of the same organization and environment", async () => {
    const b = await provisionTenant(t, "org_b");
    await expectCode(
      b.admin.mutation(api.agents.definitions.create, {
        ...env,
        name: "B",
        slug: "b-front",
        systemPrompt: "x",
        handoffAgentIds: [sales],
      }),
      "NOT_FOUND",
    );
    await a.admin.mutation(api.whatsapp.connections.enable, { environment: "production" });
    const production = await a.admin.mutation(api.agents.definitions.create, {
      environment: "production",
      name: "Front",
      slug: "front",
      systemPrompt: "x",
    });
    await expectCode(
      a.admin.mutation(api.agents.definitions.update, {
        environment: "production",
        agentId: production,
        handoffAgentIds: [sales],
      }),
      "NOT_FOUND",
    );
    await expectCode(
      a.admin.mutation(api.agents.definitions.update, {
        ...env,
        agentId: support.agentId,
        handoffAgentIds: [support.agentId],
      }),
      "INVALID_ARGUMENT",
    );
  });
});
