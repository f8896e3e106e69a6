/**
 * Numbers of one memory pool share one customer and one memory. The
 * support agent's context holds yesterday's sales-line turn tagged with its number, memory notes
 * carry their source number and `memory.search` can filter by it, replies leave from the number
 * the customer wrote to, and a number outside the pool sees nothing of it.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import {
  customerWrites,
  numberWithAgent,
  routeNow,
  runsOfThread,
  threadMessages,
} from "./fixtures/metaInbound";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const DAY = 24 * 60 * 60 * 1000;
const CUSTOMER = "15557771234";
const PRICE = "Pro is $49/mo, includes priority support + advanced analytics.";

let t: TestConvex;
let model: StandInModel;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  model = useStandInModel();
  t = newTest();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function business() {
  const a = await provisionTenant(t, "org_a");
  const memoryPoolId = await a.admin.mutation(api.customers.memoryPools.create, {
    ...env,
    name: "Acme",
  });
  const sales = await numberWithAgent(a.admin, {
    phoneNumberId: "PNID_SALES",
    label: "Sales line",
    phoneNumber: "+15550001111",
    memoryPoolId,
    agent: { name: "Sales", slug: "sales", systemPrompt: "You are the sales agent." },
  });
  const support = await numberWithAgent(a.admin, {
    phoneNumberId: "PNID_SUPPORT",
    label: "Support line",
    phoneNumber: "+15550002222",
    memoryPoolId,
    agent: { name: "Support", slug: "support", systemPrompt: "You are the support agent." },
  });
  const outside = await numberWithAgent(a.admin, {
    phoneNumberId: "PNID_OTHER",
    label: "Other brand",
    phoneNumber: "+15550003333",
    agent: { name: "Other", slug: "other", systemPrompt: "You are another brand's agent." },
  });
  return { a, sales, support, outside };
}

/** Day 1 on the sales line: a price question, a remembered note, "maybe later". */
async function salesDay(world: Awaited<ReturnType<typeof business>>) {
  model.script(
    {
      toolCalls: [{ name: "memory_store", arguments: { content: "Interested in the Pro plan" } }],
    },
    { content: PRICE },
  );
  const thread = await customerWrites(t, world.sales, CUSTOMER, "How much is the Pro plan?");
  await routeNow(t, thread._id);
  vi.setSystemTime(Date.now() + 60_000);
  await customerWrites(t, world.sales, CUSTOMER, "Maybe later.");
  await routeNow(t, thread._id);
  return thread;
}

test("the support agent's context holds the sales-line turn tagged with its number; the reply leaves from support", async () => {
  const world = await business();
  const salesThread = await salesDay(world);

  vi.setSystemTime(Date.now() + DAY);
  const supportThread = await customerWrites(t, world.support, CUSTOMER, "My export is failing.");
  expect(supportThread.contactId).toBe(salesThread.contactId);
  const before = model.requests.length;
  await routeNow(t, supportThread._id);
  expect(model.requests).toHaveLength(before + 1);

  const system = model.systemPrompt();
  expect(system).toContain("You are the support agent.");
  expect(system).not.toContain("You are the sales agent.");
  expect(system).toContain("## This customer on our other numbers");
  expect(system).toContain(
    "- [via Sales line (+15550001111), 2026-05-14 10:00 UTC] Customer: How much is the Pro plan?",
  );
  expect(system).toContain(
    `[via Sales line (+15550001111), 2026-05-14 10:00 UTC] AI agent: ${PRICE}`,
  );
  expect(system).toContain("Customer: Maybe later.");
  expect(system).toContain("- Interested in the Pro plan (learned via Sales line (+15550001111))");
  // The support thread's own history is the support conversation only.
  const turns = model.requests.at(-1)!.messages.filter((m) => m.role !== "system");
  expect(turns).toEqual([{ role: "user", content: "My export is failing." }]);

  const reply = (await threadMessages(t, supportThread._id)).find((m) => m.role === "assistant");
  expect(reply!.connectionId).toBe(world.support.connectionId);
  const send = await t.run(async (ctx) =>
    (await ctx.db.query("outboundSends").collect()).find((s) => s.messageId === reply!._id),
  );
  expect(send!.connectionId).toBe(world.support.connectionId);
  expect(send!.recipient).toBe(`+${CUSTOMER}`);
  const memories = await t.run((ctx) => ctx.db.query("memories").collect());
  expect(memories.map((m) => [m.content, m.sourceConnectionId])).toEqual([
    ["Interested in the Pro plan", world.sales.connectionId],
  ]);
});

test("a number outside the pool sees nothing of the customer's pooled history or memory", async () => {
  const world = await business();
  await salesDay(world);
  vi.setSystemTime(Date.now() + DAY);
  const thread = await customerWrites(t, world.outside, CUSTOMER, "My export is failing.");
  const salesContact = await t.run(async (ctx) =>
    (await ctx.db.query("threads").collect()).find(
      (th) => th.connectionId === world.sales.connectionId,
    ),
  );
  expect(thread.contactId).not.toBe(salesContact!.contactId);
  await routeNow(t, thread._id);
  const system = model.systemPrompt();
  expect(system).toContain("You are another brand's agent.");
  expect(system).not.toContain("This customer on our other numbers");
  expect(system).not.toContain("Pro");
  expect(system).not.toContain("Sales line");
  const turns = model.requests.at(-1)!.messages.filter((m) => m.role !== "system");
  expect(turns).toEqual([{ role: "user", content: "My export is failing." }]);
});

test("memory.search filters by source number and names each hit's number", async () => {
  const world = await business();
  await salesDay(world);
  vi.setSystemTime(Date.now() + DAY);
  model.script(
    {
      toolCalls: [
        { name: "memory_search", arguments: { query: "Pro plan", source: "Sales line" } },
        { name: "memory_search", arguments: { query: "Pro plan", source: "this" } },
        { name: "memory_search", arguments: { query: "Pro plan", source: "+1 555 000 3333" } },
      ],
    },
    { content: "I see you looked at Pro." },
  );
  const thread = await customerWrites(t, world.support, CUSTOMER, "Remind me what I asked");
  await routeNow(t, thread._id);
  const [run] = await runsOfThread(t, thread._id);
  const [fromSales, fromHere, outside] = run!.toolCalls.map((c) => JSON.parse(c.result) as unknown);
  expect(fromSales).toEqual([
    {
      kind: "note",
      content: "Interested in the Pro plan",
      at: "2026-05-14T10:00:00.000Z",
      source: "Sales line (+15550001111)",
    },
  ]);
  expect(fromHere).toEqual([]);
  expect(outside).toEqual({
    error:
      'No number "+1 555 000 3333" shares this customer\'s memory. Numbers: Support line (+15550002222), Sales line (+15550001111).',
  });
});
