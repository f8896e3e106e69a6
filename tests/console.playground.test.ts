/**
 * The agent playground: the agent answers with its real prompt, model and tools, but nothing
 * reaches WhatsApp, the inbox or customer memory; tool effects are recorded as what would have
 * happened; HTTP tools are simulated unless the session calls them live; each reply carries
 * its run details.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };

let t: TestConvex;
let world: World;
let model: StandInModel;
let external: Request[];

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-10T12:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
  external = [];
  model = useStandInModel(async (request) => {
    external.push(request);
    return Response.json({ plan: "gold" });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function startSession(options: { liveHttpTools?: boolean } = {}) {
  return await world.orgA.admin.mutation(api.console.playground.start, {
    ...env,
    agentId: world.ids.agentId,
    customer: { contactName: "Pat" },
    connectionId: world.ids.metaConnectionId,
    ...options,
  });
}

async function say(sessionId: Id<"playgroundSessions">, text: string) {
  await world.orgA.admin.mutation(api.console.playground.send, { ...env, sessionId, text });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  return await world.orgA.member.query(api.console.playground.messages, { ...env, sessionId });
}

async function realRows() {
  return await t.run(async (ctx) => ({
    messages: (await ctx.db.query("messages").collect()).length,
    sends: (await ctx.db.query("outboundSends").collect()).length,
    handoffs: (await ctx.db.query("handoffEvents").collect()).length,
    memories: (await ctx.db.query("memories").collect()).length,
  }));
}

test("the agent's reply is recorded in the session and nothing reaches WhatsApp or the inbox", async () => {
  const before = await realRows();
  const sessionId = await startSession();
  const { messages } = await say(sessionId, "Hello");
  expect(messages.map((m) => [m.role, m.content])).toEqual([
    ["user", "Hello"],
    ["assistant", "Hello Pat! How can I help you today?"],
  ]);
  expect(messages[0]!.run).toMatchObject({ state: "done", agentId: world.ids.agentId });
  expect(messages[0]!.run!.tokensIn).toBeGreaterThan(0);
  expect(messages[0]!.run!.latencyMs).toBeGreaterThanOrEqual(0);
  expect(model.systemPrompt()).toContain("You help Pat.");
  expect(await realRows()).toEqual(before);
  expect(external).toEqual([]);
});

test("a handoff and a memory are recorded as what would happen; the real thread is untouched", async () => {
  const before = await realRows();
  const sessionId = await startSession();
  await say(sessionId, "Please remember that I prefer email");
  const { messages } = await say(sessionId, "I want a human");
  expect(messages.filter((m) => m.role === "event").map((m) => m.content)).toEqual([
    "Would remember: I prefer email",
    "Would hand the conversation to a person (customer_asked): Customer asked for a person",
  ]);
  const asked = messages.filter((m) => m.role === "user").at(-1)!;
  expect(asked.run!.toolCalls.map((c) => c.name)).toEqual(["handoff.toHuman"]);
  const { session } = await world.orgA.member.query(api.console.playground.messages, {
    ...env,
    sessionId,
  });
  expect(session.memories).toEqual(["I prefer email"]);
  expect(await realRows()).toEqual(before);
});

test("HTTP tools answer with a simulated result unless the session calls them live", async () => {
  await world.orgA.admin.mutation(api.agents.definitions.update, {
    ...env,
    agentId: world.ids.agentId,
    httpTools: [
      {
        name: "crm_lookup",
        description: "Look up the customer",
        url: "https://crm.example/lookup",
        method: "GET",
        parameters: '{"type":"object","properties":{}}',
        headers: [],
      },
    ],
  });
  const lookup = { toolCalls: [{ name: "crm_lookup", arguments: {} }] };
  model.script(lookup);
  const simulated = await say(await startSession(), "Which plan am I on?");
  expect(external).toEqual([]);
  expect(simulated.messages[0]!.run!.toolCalls[0]!.result).toContain('"simulated":true');
  model.script(lookup);
  const live = await say(await startSession({ liveHttpTools: true }), "Which plan am I on?");
  expect(external.map((r) => new URL(r.url).origin)).toEqual(["https://crm.example"]);
  expect(live.messages[0]!.run!.toolCalls[0]!.result).toBe('{"plan":"gold"}');
});

test("when the model fails the agent's fallback reply is shown with the error", async () => {
  model.failNext("500", 3);
  const { messages } = await say(await startSession(), "Hello");
  expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  expect(messages[1]!.content).toMatch(/^Sorry, I'm having trouble/);
  expect(messages[0]!.run).toMatchObject({ state: "failed" });
  expect(messages[0]!.run!.error).toMatch(/^Model failed after 3 attempt/);
});

test("a second message while the agent is still answering is refused", async () => {
  const sessionId = await startSession();
  await world.orgA.admin.mutation(api.console.playground.send, { ...env, sessionId, text: "Hi" });
  await expectCode(
    world.orgA.admin.mutation(api.console.playground.send, { ...env, sessionId, text: "Hi?" }),
    "INVALID_ARGUMENT",
  );
});

test("members can watch sessions but not write in them", async () => {
  const sessionId = await startSession();
  await expectCode(
    world.orgA.member.mutation(api.console.playground.send, { ...env, sessionId, text: "Hi" }),
    "FORBIDDEN",
  );
  const listed = await world.orgA.member.query(api.console.playground.sessions, {
    ...env,
    agentId: world.ids.agentId,
  });
  expect(listed.map((s) => s._id)).toContain(sessionId);
});

test("deleting a session removes its messages", async () => {
  const sessionId = await startSession();
  await say(sessionId, "Hello");
  await world.orgA.admin.mutation(api.console.playground.remove, { ...env, sessionId });
  const left = await t.run(
    async (ctx) => (await ctx.db.query("playgroundMessages").collect()).length,
  );
  expect(left).toBe(0);
});
