/**
 * Duplicate storm and bounded work per message. 2,000 signed
 * deliveries carrying 1,000 unique messages over 3 numbers of 2 organizations, 30 % redelivered,
 * shuffled with a fixed seed, some batched: exactly 1,000 messages, one routing job each, none
 * lost, each in its own customer's thread. Then the ingest transaction's reads and writes are
 * measured with 10 and with 5,000 earlier messages in the thread: they must be the same.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { convexTest } from "convex-test";
import type { Id } from "../convex/_generated/dataModel";
import { ingestDelivery } from "../convex/whatsapp/deliveries";
import schema from "../convex/schema";
import { modules, newTest, provisionTenant, type TestConvex } from "./setup";
import {
  allRows,
  connectKapsoNumber,
  giveAgent,
  kapsoBatch,
  kapsoRequest,
  kapsoText,
  post,
  routingJobs,
} from "./fixtures/webhooks";

/** Small deterministic PRNG (mulberry32) so the storm is the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
});

afterEach(() => {
  vi.useRealTimers();
});

test("2,000 shuffled deliveries of 1,000 unique messages store exactly 1,000 and route each once", async () => {
  const t: TestConvex = newTest();
  const a = await provisionTenant(t, "org_a");
  const b = await provisionTenant(t, "org_b");
  const numbers = [
    { ...(await connectKapsoNumber(t, a.admin, "PN_A1")), pnid: "PN_A1", admin: a.admin },
    { ...(await connectKapsoNumber(t, a.admin, "PN_A2")), pnid: "PN_A2", admin: a.admin },
    { ...(await connectKapsoNumber(t, b.admin, "PN_B1")), pnid: "PN_B1", admin: b.admin },
  ];
  for (const n of numbers) await giveAgent(t, n.admin, n.connectionId);

  const random = rng(20251028);
  const unique = Array.from({ length: 1000 }, (_, i) => {
    const n = numbers[i % 3]!;
    const customer = `1555000${String(i % 50).padStart(4, "0")}`;
    return {
      number: n,
      customer,
      body: kapsoText({
        id: `wamid.storm.${i}`,
        phoneNumberId: n.pnid,
        from: customer,
        text: `message ${i}`,
        timestamp: 1730092800 + i,
      }),
    };
  });
  // 1,000 originals + 300 single redeliveries + 700 more copies, some grouped into batches.
  type Delivery = { number: (typeof numbers)[number]; items: object[] };
  const deliveries: Delivery[] = unique.map((u) => ({ number: u.number, items: [u.body] }));
  for (let i = 0; i < 1000; i++) {
    const u = unique[Math.floor(random() * unique.length)]!;
    deliveries.push({ number: u.number, items: [u.body] });
  }
  // Batch some single deliveries of the same number together (Kapso buffers per conversation).
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
  }
  expect(deliveries).toHaveLength(2000);
  let posted = 0;
  let batches = 0;
  for (let i = 0; i < deliveries.length;) {
    const d = deliveries[i]!;
    const next = deliveries[i + 1];
    const batch = i % 10 === 0 && next !== undefined && next.number === d.number;
    const items = batch ? [...d.items, ...next.items] : d.items;
    const request = batch
      ? await kapsoRequest(kapsoBatch(items), { secret: d.number.secret, batch: true })
      : await kapsoRequest(items[0]!, {
          secret: d.number.secret,
          event: "whatsapp.message.received",
        });
    const response = await post(t, request);
    expect(response.status).toBe(200);
    posted += items.length;
    batches += batch ? 1 : 0;
    i += batch ? 2 : 1;
  }
  expect(posted).toBe(2000);
  expect(batches).toBeGreaterThan(10);

  const messages = await allRows(t, "messages");
  expect(messages).toHaveLength(1000);
  expect(new Set(messages.map((m) => m.channelData.providerMessageId)).size).toBe(1000);
  const jobs = await routingJobs(t);
  expect(jobs).toHaveLength(1000);
  // Every job targets a distinct (thread, generation): one per unique message.
  expect(new Set(jobs.map((j) => `${j.threadId}:${j.generation}`)).size).toBe(1000);
  // Every message is in the thread of its own number and customer.
  const threads = new Map((await allRows(t, "threads")).map((th) => [th._id, th]));
  for (const m of messages) {
    const i = Number(m.channelData.providerMessageId!.split(".").pop());
    const thread = threads.get(m.threadId)!;
    expect(thread.externalId).toBe(
      `whatsapp:${unique[i]!.number.connectionId}:+${unique[i]!.customer}`,
    );
  }
  const counted = (await allRows(t, "webhookDeliveries")).reduce(
    (sum, d) => sum + d.counts.messages + d.counts.duplicates,
    0,
  );
  expect(counted).toBe(2000);
  // Over a minute on a starved machine: the limit is only a safety net, never the check.
}, 600_000);

/** Reads and writes of one ingest transaction for a new message on a thread of `prior` messages. */
async function measureIngest(prior: number) {
  const t = convexTest({ schema, modules, transactionLimits: true });
  const { admin } = await provisionTenant(t as never, "org_a");
  const number = await connectKapsoNumber(t as never, admin, "PN_M");
  await giveAgent(t as never, admin, number.connectionId);
  const first = JSON.stringify(
    kapsoText({ id: "wamid.first", phoneNumberId: "PN_M", from: "15551234567" }),
  );
  const ingestArgs = (body: string) => ({
    source: "kapso_messages" as const,
    receivedAt: Date.now(),
    body,
    bodySha256: "0".repeat(64),
    headers: { "x-webhook-event": "whatsapp.message.received" },
    verdict: "accepted" as const,
    verifiedConnectionIds: [number.connectionId as Id<"whatsappConnections">],
  });
  await t.run((ctx) => ingestDelivery(ctx, ingestArgs(first)));
  await t.run(async (ctx) => {
    const thread = (await ctx.db.query("threads").first())!;
    for (let i = 0; i < prior; i++) {
      await ctx.db.insert("messages", {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: thread.connectionId,
        role: "user",
        content: `earlier ${i}`,
        channelData: {
          channel: "whatsapp",
          direction: "inbound",
          type: "text",
          providerMessageId: `wamid.prior.${i}`,
          status: "received",
          statusTimestamps: {},
        },
        createdAt: i,
      });
    }
  });
  const next = JSON.stringify(
    kapsoText({ id: "wamid.next", phoneNumberId: "PN_M", from: "15551234567" }),
  );
  return await t.run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    const result = await ingestDelivery(ctx, ingestArgs(next));
    const after = await ctx.meta.getTransactionMetrics();
    expect(result.messages).toBe(1);
    return {
      documentsRead: after.documentsRead.used - before.documentsRead.used,
      documentsWritten: after.documentsWritten.used - before.documentsWritten.used,
      databaseQueries: after.databaseQueries.used - before.databaseQueries.used,
      functionsScheduled: after.functionsScheduled.used - before.functionsScheduled.used,
    };
  });
}

test("one inbound message costs the same reads and writes at 10 and at 5,000 prior messages", async () => {
  const small = await measureIngest(10);
  const large = await measureIngest(5000);
  expect(large).toEqual(small);
  expect(small.documentsRead).toBeLessThanOrEqual(8);
  expect(small.documentsWritten).toBeLessThanOrEqual(4);
  expect(small.functionsScheduled).toBe(1);
}, 120_000);
