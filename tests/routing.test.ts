/**
 * The routing action and the agent turn, against the stand-in model in-process: a reply is
 * queued on the thread and the run recorded; single-flight (overlapping and superseded runs);
 * router rules, classification and fallback; no handler → a visible record; human owner →
 * silence; model failures → retries then the fallback reply; bounded context assembly.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { loadTurnContext } from "../convex/agents/turnContext";
import { seedWorld, type World } from "./fixtures/world";
import { repliesOf, route, runsOf, seedConversation, useStandInModel } from "./fixtures/agents";
import { newTest, type TestConvex } from "./setup";
import type { StandInModel } from "../scripts/standInModel";

const env = { environment: "development" as const };
let t: TestConvex;
let world: World;
let model: StandInModel;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
  model = useStandInModel();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function useRouter(routerId: Id<"routers">) {
  await world.orgA.admin.mutation(api.whatsapp.connections.setRouter, {
    ...env,
    connectionId: world.ids.metaConnectionId,
    routerId,
    replaceAgent: true,
  });
}

describe("an agent turn", () => {
  test("answers the customer on the thread and records the run", async () => {
    const c = await seedConversation(t, world, ["Hello there"]);
    await route(t, c.threadId, c.generation);
    const replies = await repliesOf(t, c.threadId);
    expect(replies.map((r) => r.content)).toEqual(["Hello Rosa! How can I help you today?"]);
    expect(replies[0]!.channelData.direction).toBe("outbound");
    const [run] = await runsOf(t, c.threadId);
    expect(run).toMatchObject({
      outcome: "replied",
      agentId: world.ids.agentId,
      triggerMessageIds: c.messageIds,
      decision: { agentId: world.ids.agentId, reason: "the connection's agent" },
    });
    expect(run!.tokensIn).toBeGreaterThan(0);
    expect(run!.promptChars).toBeGreaterThan(0);
    expect(replies[0]!.agentRunId).toBe(run!._id);
  });

  test("renders the system prompt template with the thread's context", async () => {
    const c = await seedConversation(t, world, ["Hello"]);
    await route(t, c.threadId, c.generation);
    expect(model.systemPrompt()).toContain("You help Rosa.");
  });

  test("the burst of three messages is answered by one run that lists all three", async () => {
    const c = await seedConversation(t, world, ["hi", "I have a question", "about my order"]);
    await route(t, c.threadId, c.generation - 2);
    await route(t, c.threadId, c.generation - 1);
    await route(t, c.threadId, c.generation);
    const runs = await runsOf(t, c.threadId);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.triggerMessageIds).toEqual(c.messageIds);
    expect(await repliesOf(t, c.threadId)).toHaveLength(1);
  });

  test("a thread owned by a human gets no AI reply, and the silence is recorded", async () => {
    const c = await seedConversation(t, world, ["Hello"]);
    await t.run((ctx) => ctx.db.patch("threads", c.threadId, { owner: "human" }));
    await route(t, c.threadId, c.generation);
    expect(await repliesOf(t, c.threadId)).toEqual([]);
    expect(model.requests).toHaveLength(0);
    expect((await runsOf(t, c.threadId)).map((r) => r.outcome)).toEqual(["silent"]);
  });
});

describe("single flight", () => {
  test("two overlapping runs for the same generation produce exactly one reply", async () => {
    const c = await seedConversation(t, world, ["Hello"]);
    await Promise.all([route(t, c.threadId, c.generation), route(t, c.threadId, c.generation)]);
    expect(await repliesOf(t, c.threadId)).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
  });

  test("a run superseded while the model is thinking sends nothing; the newer run answers", async () => {
    const c = await seedConversation(t, world, ["Hello"]);
    const original = model.handle;
    let bumped = false;
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (!bumped) {
        bumped = true;
        // A new customer message arrives mid-flight.
        await t.run(async (ctx) => {
          const thread = (await ctx.db.get("threads", c.threadId))!;
          await ctx.db.insert("messages", {
            organizationId: thread.organizationId,
            environment: thread.environment,
            threadId: thread._id,
            connectionId: thread.connectionId,
            role: "user",
            content: "are you there?",
            channelData: {
              channel: "whatsapp",
              direction: "inbound",
              type: "text",
              status: "received",
              statusTimestamps: {},
            },
            createdAt: Date.now() + 1,
          });
          await ctx.db.patch("threads", thread._id, { generation: thread.generation + 1 });
        });
      }
      return await original(request, init?.signal ?? undefined);
    });
    await route(t, c.threadId, c.generation);
    expect(await repliesOf(t, c.threadId)).toEqual([]);
    expect((await runsOf(t, c.threadId)).map((r) => r.outcome)).toEqual(["superseded"]);
    await route(t, c.threadId, c.generation + 1);
    const replies = await repliesOf(t, c.threadId);
    expect(replies).toHaveLength(1);
    const runs = await runsOf(t, c.threadId);
    expect(runs.map((r) => r.outcome).sort()).toEqual(["replied", "superseded"]);
    expect(runs.find((r) => r.outcome === "replied")!.triggerMessageIds).toHaveLength(2);
  });

  test("a stale generation does nothing at all", async () => {
    const c = await seedConversation(t, world, ["Hello", "again"]);
    await route(t, c.threadId, c.generation - 1);
    expect(await runsOf(t, c.threadId)).toEqual([]);
    expect(model.requests).toHaveLength(0);
  });
});

describe("routers", () => {
  test("a matching rule picks its agent and the reason names the rule", async () => {
    await useRouter(world.ids.routerId);
    const c = await seedConversation(t, world, ["What is the price of the blue one?"]);
    await route(t, c.threadId, c.generation);
    const [run] = await runsOf(t, c.threadId);
    expect(run!.agentId).toBe(world.ids.salesAgentId);
    expect(run!.routerId).toBe(world.ids.routerId);
    expect(run!.decision!.reason).toBe('router front-desk: rule 1 matched (keyword "price")');
    expect(model.systemPrompt()).toContain("You sell.");
  });

  test("rules see interactive reply ids, message types and contact attributes", async () => {
    const routerId = await world.orgA.admin.mutation(api.agents.routers.create, {
      ...env,
      name: "Typed",
      slug: "typed",
      rules: [
        {
          match: { kind: "contactAttribute", key: "tier", equals: "gold" },
          agentId: world.ids.salesAgentId,
        },
        {
          match: { kind: "interactiveReplyId", ids: ["btn_sales"] },
          agentId: world.ids.salesAgentId,
        },
      ],
      fallbackAgentId: world.ids.agentId,
    });
    await useRouter(routerId);
    const tapped = await seedConversation(t, world, ["Talk to sales"], {
      types: ["interactive"],
      payloads: [{ kind: "button_reply", id: "btn_sales", title: "Talk to sales" }],
    });
    await route(t, tapped.threadId, tapped.generation);
    expect((await runsOf(t, tapped.threadId))[0]!.decision!.reason).toContain(
      "interactive reply id btn_sales",
    );
    const gold = await seedConversation(t, world, ["hello"], { attributes: { tier: "gold" } });
    await route(t, gold.threadId, gold.generation);
    expect((await runsOf(t, gold.threadId))[0]!.decision).toEqual({
      agentId: world.ids.salesAgentId,
      reason: "router typed: rule 1 matched (contact attribute tier=gold)",
    });
  });

  test("no matching rule ends at the fallback agent", async () => {
    await useRouter(world.ids.routerId);
    const c = await seedConversation(t, world, ["My parcel never arrived"]);
    await route(t, c.threadId, c.generation);
    const [run] = await runsOf(t, c.threadId);
    expect(run!.decision).toEqual({
      agentId: world.ids.agentId,
      reason: "router front-desk: no rule matched, fallback agent",
    });
  });

  test("classify mode asks the model to pick among named agents", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.salesAgentId,
      description: "Quotes, discounts and new purchases",
    });
    const routerId = await world.orgA.admin.mutation(api.agents.routers.create, {
      ...env,
      name: "Classifier",
      slug: "classifier",
      mode: "classify",
      classifierAgentIds: [world.ids.agentId, world.ids.salesAgentId],
      fallbackAgentId: world.ids.agentId,
    });
    await useRouter(routerId);
    const c = await seedConversation(t, world, ["Do you have discounts this week?"]);
    await route(t, c.threadId, c.generation);
    const [run] = await runsOf(t, c.threadId);
    expect(run!.decision).toEqual({
      agentId: world.ids.salesAgentId,
      reason: "classified as sales: message mentions discounts",
    });
    expect(model.requests[0]!.messages[0]!.content).toContain("- sales: Sales. Quotes, discounts");
  });

  test("classification that names no agent ends at the fallback, with the reason", async () => {
    const routerId = await world.orgA.admin.mutation(api.agents.routers.create, {
      ...env,
      name: "Classifier",
      slug: "classifier",
      mode: "classify",
      classifierAgentIds: [world.ids.salesAgentId],
      fallbackAgentId: world.ids.agentId,
    });
    await useRouter(routerId);
    const c = await seedConversation(t, world, ["zzz"]);
    await route(t, c.threadId, c.generation);
    expect((await runsOf(t, c.threadId))[0]!.decision).toEqual({
      agentId: world.ids.agentId,
      reason: "classifier chose no agent; fallback agent",
    });
  });

  test("a connection with neither agent nor router leaves a visible no_handler run", async () => {
    await world.orgA.admin.mutation(api.whatsapp.connections.clearHandler, {
      ...env,
      connectionId: world.ids.metaConnectionId,
    });
    const c = await seedConversation(t, world, ["Hello?"]);
    await route(t, c.threadId, c.generation);
    const runs = await world.orgA.member.query(api.agents.runs.list, {
      ...env,
      threadId: c.threadId,
    });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: "no_handler", triggerMessageIds: c.messageIds });
    expect(runs[0]!.error).toMatch(/neither an agent nor a router/);
  });

  test("with no handler on the connection, the environment's default agent answers", async () => {
    await world.orgA.admin.mutation(api.whatsapp.connections.clearHandler, {
      ...env,
      connectionId: world.ids.metaConnectionId,
    });
    await world.orgA.admin.mutation(api.whatsapp.connections.setDefaultAgent, {
      ...env,
      agentId: world.ids.salesAgentId,
    });
    const c = await seedConversation(t, world, ["Hello"]);
    await route(t, c.threadId, c.generation);
    expect((await runsOf(t, c.threadId))[0]!.decision).toEqual({
      agentId: world.ids.salesAgentId,
      reason: "the environment's default agent",
    });
  });
});

describe("model failures", () => {
  test.each(["500", "timeout", "malformed"] as const)(
    "%s on every attempt → three attempts, then the fallback reply and a handoff",
    async (failure) => {
      vi.stubEnv("OPENAI_TIMEOUT_MS", "20");
      vi.useRealTimers();
      model.failNext(failure, 3);
      const c = await seedConversation(t, world, ["Hello"]);
      await route(t, c.threadId, c.generation);
      expect(model.requests).toHaveLength(3);
      const replies = await repliesOf(t, c.threadId);
      expect(replies.map((r) => r.content)).toEqual([
        "Sorry, I'm having trouble right now. A teammate will get back to you shortly.",
      ]);
      const [run] = await runsOf(t, c.threadId);
      expect(run!.outcome).toBe("handed_off");
      expect(run!.error).toMatch(/Model failed after 3 attempt/);
      const thread = await t.run((ctx) => ctx.db.get("threads", c.threadId));
      expect(thread!.owner).toBe("human");
      const inbound = await t.run((ctx) => ctx.db.get("messages", c.messageIds[0]!));
      expect(inbound!.content).toBe("Hello");
    },
  );

  test("a failure that clears before the last attempt still gets the model's reply", async () => {
    model.failNext("500", 2);
    const c = await seedConversation(t, world, ["Hello"]);
    await route(t, c.threadId, c.generation);
    expect(model.requests).toHaveLength(3);
    expect((await repliesOf(t, c.threadId)).map((r) => r.content)).toEqual([
      "Hello Rosa! How can I help you today?",
    ]);
    expect((await runsOf(t, c.threadId))[0]!.outcome).toBe("replied");
  });

  test("without handoffOnFailure the fallback is sent and the AI keeps the thread", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      handoff: { fallbackReply: "One moment please.", handoffOnFailure: false },
    });
    model.failNext("500", 3);
    const c = await seedConversation(t, world, ["Hello"]);
    await route(t, c.threadId, c.generation);
    expect((await repliesOf(t, c.threadId)).map((r) => r.content)).toEqual(["One moment please."]);
    expect((await runsOf(t, c.threadId))[0]!.outcome).toBe("failed");
    expect((await t.run((ctx) => ctx.db.get("threads", c.threadId)))!.owner).toBe("ai");
  });
});

describe("context assembly", () => {
  async function documentsRead(prior: number) {
    const c = await seedConversation(t, world, ["Hello"], { prior });
    const runId = await t.run((ctx) =>
      ctx.db.insert("agentRuns", {
        organizationId: world.a.organizationId,
        environment: "development",
        threadId: c.threadId,
        connectionId: c.connectionId,
        generation: c.generation,
        agentId: world.ids.agentId,
        triggerMessageIds: [],
        outcome: "running",
        toolCalls: [],
        promptChars: 0,
        tokensIn: 0,
        tokensOut: 0,
        costUsd: 0,
        startedAt: Date.now(),
      }),
    );
    return await t.run(async (ctx) => {
      const context = await loadTurnContext(ctx, runId);
      const metrics = await ctx.meta.getTransactionMetrics();
      return { read: metrics.documentsRead.used, history: context!.history.length };
    });
  }

  test("reads the same number of documents with 10 or 5,000 prior messages", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      maxContextMessages: 10,
    });
    const small = await documentsRead(10);
    const large = await documentsRead(5_000);
    expect(small.history).toBe(10);
    expect(large.history).toBe(10);
    expect(large.read).toBe(small.read);
    expect(large.read).toBeLessThan(20);
  }, 60_000);

  test("the prompt stays within the configured budget however long the knowledge and history", async () => {
    vi.stubEnv("AGENT_PROMPT_BUDGET_CHARS", "8000");
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      knowledge: [{ title: "Catalog", format: "text", content: "x".repeat(40_000) }],
    });
    const c = await seedConversation(t, world, ["y".repeat(3000), "Hello"], { prior: 200 });
    await route(t, c.threadId, c.generation);
    const request = model.requests[0]!;
    const chars = request.messages.reduce(
      (n, m) => n + (typeof m.content === "string" ? m.content.length : 0),
      0,
    );
    expect(chars).toBeLessThanOrEqual(8000);
    expect(request.messages.at(-1)!.content).toBe("Hello");
    const [run] = await runsOf(t, c.threadId);
    expect(run!.promptChars).toBe(chars);
  });
});

test("internal routing is not reachable from the public API", () => {
  expect(Object.keys(api)).not.toContain("routing");
  expect(internal.agents.turn.run).toBeDefined();
});
