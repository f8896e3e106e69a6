/**
 * Agents: prompt templates (a missing variable is visible, never a crash), knowledge in context,
 * memory tools scoped to the thread's contact, handoff through the tool, and custom HTTP tools
 * (thread context passed, secret headers kept from the model and the dashboard, timeouts,
 * response-size limits, configuration validated).
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { callHttpTool } from "../convex/agents/httpTools";
import { estimateCostUsd } from "../convex/agents/model";
import { renderPromptTemplate, type PromptVariables } from "../convex/agents/promptTemplate";
import { insertMessage } from "../convex/inbox/messages";
import type { HttpTool } from "../convex/lib/validators";
import type { StandInModel } from "../scripts/standInModel";
import { expectCode } from "./fixtures/errors";
import {
  CUSTOMER,
  repliesOf,
  route,
  runsOf,
  seedConversation,
  useStandInModel,
} from "./fixtures/agents";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };

const variables: PromptVariables = {
  threadContext: { channel: "whatsapp", params: { phoneNumber: "+15551234567" } },
  connection: { persona: "Cheerful" },
  business: {},
  agent: { name: "Support" },
};

describe("prompt templates", () => {
  test("fills thread context, channel and persona", () => {
    expect(
      renderPromptTemplate(
        "Phone {{threadContext.params.phoneNumber}} on {{ threadContext.channel }}; {{connection.persona}}",
        variables,
      ),
    ).toBe("Phone +15551234567 on whatsapp; Cheerful");
  });

  test("a missing or unknown variable renders visibly instead of crashing", () => {
    expect(
      renderPromptTemplate(
        "Hi {{threadContext.params.contactName}} {{nope.deeper.still}} {{threadContext.params}}",
        variables,
      ),
    ).toBe(
      "Hi [missing: threadContext.params.contactName] [missing: nope.deeper.still] [missing: threadContext.params]",
    );
  });

  test("cost estimates come from the price table; unknown models cost nothing", () => {
    expect(estimateCostUsd("gpt-4o-mini", 1_000_000, 1_000_000)).toBeCloseTo(0.75);
    expect(estimateCostUsd("my-local-model", 1000, 1000)).toBe(0);
  });
});

describe("in a turn", () => {
  let t: TestConvex;
  let world: World;
  let model: StandInModel;
  let external: Request[];
  let answer: () => Promise<Response>;

  beforeEach(async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
    t = newTest();
    world = await seedWorld(t);
    external = [];
    answer = async () => Response.json({ name: "Rosa Diaz", plan: "gold" });
    model = useStandInModel(async (request) => {
      external.push(request.clone());
      return await answer();
    });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
    vi.useRealTimers();
  });

  test("a template variable the thread lacks shows in the prompt as missing", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      systemPrompt:
        "Customer {{threadContext.params.contactName}}, bsuid {{threadContext.params.bsuid}}",
    });
    const c = await seedConversation(t, world, ["Hello"]);
    await route(t, c.threadId, c.generation);
    expect(model.systemPrompt()).toContain(
      "Customer Rosa, bsuid [missing: threadContext.params.bsuid]",
    );
    expect((await runsOf(t, c.threadId))[0]!.outcome).toBe("replied");
  });

  test("knowledge entries (text and CSV) are placed in the context and used", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      language: "Spanish",
      knowledge: [
        { title: "Prices", format: "csv", content: "item,price\numbrella,12 EUR" },
        { title: "About", format: "text", content: "We are a small shop." },
      ],
    });
    const c = await seedConversation(t, world, ["How much is an umbrella?"]);
    await route(t, c.threadId, c.generation);
    expect(model.systemPrompt()).toContain("### Prices\n- item,price\n- umbrella,12 EUR");
    expect(model.systemPrompt()).toContain("Answer in Spanish.");
    expect((await repliesOf(t, c.threadId))[0]!.content).toBe("From what I know: umbrella,12 EUR");
  });

  test("memory.store remembers for this contact and the next turn sees it", async () => {
    const c = await seedConversation(t, world, ["Remember that I prefer mornings"]);
    await route(t, c.threadId, c.generation);
    const memories = await t.run((ctx) => ctx.db.query("memories").collect());
    expect(memories.map((m) => [m.contactId, m.content])).toEqual([
      [c.contactId, "I prefer mornings"],
    ]);
    await t.run(async (ctx) => {
      const thread = (await ctx.db.get("threads", c.threadId))!;
      // Stored after the reply: it comes after it in the thread's arrival order.
      await insertMessage(ctx, {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: thread.connectionId,
        role: "user",
        content: "hi",
        channelData: {
          channel: "whatsapp",
          direction: "inbound",
          type: "text",
          status: "received",
          statusTimestamps: {},
        },
        createdAt: Date.now() + 10,
      });
      await ctx.db.patch("threads", thread._id, { generation: thread.generation + 1 });
    });
    await route(t, c.threadId, c.generation + 1);
    expect(model.systemPrompt()).toContain("- I prefer mornings");
  });

  test("memory.search finds only this contact's memories", async () => {
    const c = await seedConversation(t, world, ["what do you know about me?"]);
    await t.run(async (ctx) => {
      for (const [contactId, content] of [
        [c.contactId, "likes tea"],
        [world.ids.contactId, "likes coffee"],
      ] as const) {
        await ctx.db.insert("memories", {
          organizationId: world.a.organizationId,
          environment: "development",
          contactId,
          poolKey: "p",
          sourceConnectionId: world.ids.metaConnectionId,
          kind: "fact",
          content,
          createdAt: 0,
        });
      }
    });
    model.script(
      { toolCalls: [{ name: "memory_search", arguments: { query: "likes" } }] },
      { content: "ok" },
    );
    await route(t, c.threadId, c.generation);
    const [run] = await runsOf(t, c.threadId);
    expect(run!.toolCalls[0]!.result).toContain("likes tea");
    expect(run!.toolCalls[0]!.result).not.toContain("likes coffee");
  });

  test("asked for a person, the agent hands off and its last words still go out", async () => {
    const c = await seedConversation(t, world, ["I want to talk to a human"]);
    await route(t, c.threadId, c.generation);
    const [run] = await runsOf(t, c.threadId);
    expect(run!.outcome).toBe("handed_off");
    expect(run!.toolCalls.map((call) => call.name)).toEqual(["handoff.toHuman"]);
    expect((await t.run((ctx) => ctx.db.get("threads", c.threadId)))!.owner).toBe("human");
    expect((await repliesOf(t, c.threadId)).map((r) => r.content)).toEqual([
      "I've asked a teammate to join; they'll reply here shortly.",
    ]);
  });

  test("an HTTP tool receives the thread context and its secret header; the model sees the result", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      httpTools: [
        {
          name: "crm_lookup",
          description: "Find the customer by phone",
          url: "https://crm.example.test/customers",
          method: "POST",
          parameters: JSON.stringify({ type: "object", properties: {} }),
          headers: [{ name: "X-Api-Key", value: "k-123456" }],
        },
      ],
    });
    const c = await seedConversation(t, world, ["who am I?"]);
    model.script(
      { toolCalls: [{ name: "crm_lookup", arguments: {} }] },
      { content: "You are Rosa Diaz." },
    );
    await route(t, c.threadId, c.generation);
    expect(external).toHaveLength(1);
    expect(external[0]!.headers.get("x-api-key")).toBe("k-123456");
    expect(await external[0]!.json()).toEqual({
      arguments: {},
      context: {
        channel: "whatsapp",
        channelParams: { phoneNumber: CUSTOMER, contactName: "Rosa" },
      },
    });
    expect(JSON.stringify(model.requests[1]!.messages)).toContain("Rosa Diaz");
    expect(JSON.stringify(model.requests)).not.toContain("k-123456");
    const [run] = await runsOf(t, c.threadId);
    expect(run!.toolCalls[0]).toMatchObject({ name: "crm_lookup", ok: true });
  });

  test("updating an HTTP tool without header values keeps the stored secret", async () => {
    const tool = {
      name: "crm_lookup",
      description: "d",
      url: "https://crm.example.test/c",
      method: "GET" as const,
      parameters: JSON.stringify({ type: "object", properties: {} }),
    };
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      httpTools: [{ ...tool, headers: [{ name: "X-Api-Key", value: "k-keep" }] }],
    });
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      httpTools: [{ ...tool, description: "new", headers: [{ name: "X-Api-Key" }] }],
    });
    const stored = await t.run((ctx) => ctx.db.get("agents", world.ids.agentId));
    expect(stored!.httpTools![0]).toMatchObject({
      description: "new",
      secretHeaders: [{ name: "X-Api-Key", value: "k-keep" }],
    });
  });

  test("invalid HTTP tool configurations are refused", async () => {
    const base = {
      name: "crm",
      description: "d",
      url: "https://crm.example.test",
      method: "GET" as const,
      parameters: JSON.stringify({ type: "object", properties: {} }),
      headers: [],
    };
    for (const bad of [
      { ...base, url: "http://crm.example.test" },
      { ...base, name: "whatsapp_send" },
      { ...base, name: "Bad Name" },
      { ...base, parameters: "{not json" },
      { ...base, parameters: JSON.stringify({ type: "string" }) },
      { ...base, timeoutMs: 60_000 },
      { ...base, maxResponseBytes: 10_000_000 },
    ]) {
      await expectCode(
        world.orgA.admin.mutation(api.agents.definitions.update, {
          ...env,
          agentId: world.ids.agentId,
          httpTools: [bad],
        }),
        "INVALID_ARGUMENT",
      );
    }
  });
});

describe("HTTP tool limits", () => {
  const tool: HttpTool = {
    name: "slow",
    description: "",
    url: "https://crm.example.test/x",
    method: "GET",
    parameters: "{}",
    secretHeaders: [{ name: "Authorization", value: "Bearer s3cr3t-value" }],
    timeoutMs: 30,
    maxResponseBytes: 256,
  };

  test("a tool that does not answer in time gives a clear error", async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init!.signal!.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    const outcome = await callHttpTool(tool, {}, { channelParams: {}, fetch: hang });
    expect(outcome).toEqual({
      ok: false,
      result: { error: "The tool did not answer within 30 ms." },
    });
  });

  test("a response over the size limit is refused, not truncated into the prompt", async () => {
    const big: typeof fetch = async () => new Response("x".repeat(10_000));
    const outcome = await callHttpTool(tool, {}, { channelParams: {}, fetch: big });
    expect(outcome).toEqual({
      ok: false,
      result: { error: "The tool's response exceeded 256 bytes." },
    });
  });

  test("GET tools get their arguments and the thread context as query parameters", async () => {
    let url = "";
    const capture: typeof fetch = async (input) => {
      url = String(input);
      return Response.json({ ok: 1 });
    };
    await callHttpTool(
      tool,
      { q: "a b" },
      { channelParams: { phoneNumber: "+1555" }, fetch: capture },
    );
    expect(url).toBe("https://crm.example.test/x?q=a+b&context.phoneNumber=%2B1555");
  });
});
