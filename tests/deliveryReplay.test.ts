/**
 * Replaying stored deliveries: a project event acts only on the connection it was recorded
 * for, and a message stored while its number had no agent is answered once when its delivery
 * is replayed after the fix.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { repliesOf, route, useStandInModel } from "./fixtures/agents";
import {
  allRows,
  connectKapsoNumber,
  giveAgent,
  kapsoRequest,
  kapsoText,
  post,
  routingJobs,
} from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const PNID = "555000111";

let t: TestConvex;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
  t = newTest();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** A stored, verified project delivery of `connectionId` that can be replayed. */
async function storedProjectEvent(
  connectionId: Id<"whatsappConnections">,
  event: string,
  data: Record<string, unknown>,
) {
  return await t.run(async (ctx) => {
    const connection = (await ctx.db.get("whatsappConnections", connectionId))!;
    return await ctx.db.insert("webhookDeliveries", {
      source: "kapso_project",
      receivedAt: Date.now(),
      organizationId: connection.organizationId,
      environment: connection.environment,
      connectionId,
      verdict: "accepted",
      eventType: event,
      bodySha256: "0".repeat(64),
      body: JSON.stringify({ event, data }),
      headers: {},
      counts: { messages: 0, duplicates: 0, statuses: 1, ignored: 0 },
      deadLetter: { reason: "item_failed" },
      failed: true,
      replays: 0,
    });
  });
}

test("replaying a stored phone_number.deleted leaves the number's new owner connected", async () => {
  const a = await provisionTenant(t, "org_a");
  const first = await connectKapsoNumber(t, a.admin, PNID);
  const deliveryId = await storedProjectEvent(first.connectionId, "whatsapp.phone_number.deleted", {
    phone_number_id: PNID,
  });
  await a.admin.mutation(api.whatsapp.connections.disconnect, {
    ...env,
    connectionId: first.connectionId,
  });
  // The number is connected again, by another organization.
  const b = await provisionTenant(t, "org_b");
  const second = await connectKapsoNumber(t, b.admin, PNID);
  await a.admin.mutation(api.whatsapp.deliveries.replay, { ...env, deliveryId });
  const now = await t.run((ctx) => ctx.db.get("whatsappConnections", second.connectionId));
  expect(now!.status).toBe("connected");
});

test("a message stored while the number had no agent is answered once after the replay", async () => {
  useStandInModel();
  const { admin } = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, admin, PNID);
  const request = await kapsoRequest(
    kapsoText({
      id: "wamid.unanswered",
      phoneNumberId: PNID,
      from: "15551234567",
      text: "Hi",
      timestamp: Math.floor(Date.now() / 1000),
    }),
    { secret: number.secret, event: "whatsapp.message.received" },
  );
  expect((await post(t, request)).status).toBe(200);
  expect(await routingJobs(t)).toHaveLength(0);
  const [failed] = await admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true });
  expect(failed!.deadLetter?.reason).toBe("no_handler");

  await giveAgent(t, admin, number.connectionId);
  await admin.mutation(api.whatsapp.deliveries.replay, { ...env, deliveryId: failed!._id });
  const jobs = await routingJobs(t);
  expect(jobs).toHaveLength(1);
  await route(t, jobs[0]!.threadId, jobs[0]!.generation);
  const replies = await repliesOf(t, jobs[0]!.threadId);
  expect(replies.map((r) => r.content)).toEqual(["Hello John Doe! How can I help you today?"]);

  // Replaying again routes nothing more: the message has its answer.
  await admin.mutation(api.whatsapp.deliveries.replay, { ...env, deliveryId: failed!._id });
  expect(await routingJobs(t)).toHaveLength(1);
  expect(await allRows(t, "messages")).toHaveLength(2);
});

test("the internal replay of a refused delivery explains that only verified ones are kept", async () => {
  const { admin } = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, admin, PNID);
  const deliveryId = await storedProjectEvent(number.connectionId, "x", {});
  await t.run((ctx) => ctx.db.patch("webhookDeliveries", deliveryId, { verdict: "bad_signature" }));
  await expect(
    t.action(internal.whatsapp.deliveries.replayInternal, { deliveryId }),
  ).rejects.toThrow(/Only verified deliveries/);
});
