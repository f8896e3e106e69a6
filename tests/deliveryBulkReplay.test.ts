/**
 * Replaying every failed delivery since a time, and one delivery as the console's drawer reads
 * it: the bulk replay takes only the tenant's failed deliveries of the range, in batches through
 * the single-delivery path, one at a time per tenant, admins only; the drawer's query shows
 * the kept headers without secrets and only to the delivery's own tenant.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { REPLAY_BATCH, STALE_REPLAY_MS } from "../convex/whatsapp/deliveryReplay";
import { expectCode } from "./fixtures/errors";
import { connectKapsoNumber, kapsoRequest, kapsoText, post } from "./fixtures/webhooks";
import { identity, newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const START = new Date("2025-10-28T14:30:00Z").getTime();
const HOUR = 3_600_000;

let t: TestConvex;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  t = newTest();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

type Number = { connectionId: Id<"whatsappConnections">; secret: string };

/** A signed inbound text at `at` to a number that has no agent: recorded as a dead letter. */
async function failedInbound(number: Number, pnid: string, id: string, at: number) {
  vi.setSystemTime(at);
  const request = await kapsoRequest(
    kapsoText({ id, phoneNumberId: pnid, from: "15551234567", timestamp: Math.floor(at / 1000) }),
    { secret: number.secret, event: "whatsapp.message.received" },
  );
  expect((await post(t, request)).status).toBe(200);
}

async function deliveriesOf(connectionId: Id<"whatsappConnections">) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("webhookDeliveries").collect()).filter(
      (d) => d.connectionId === connectionId,
    ),
  );
}

test("a bulk replay re-processes each failed delivery since the time once, in batches, and no other", async () => {
  const a = await provisionTenant(t, "org_a");
  const b = await provisionTenant(t, "org_b");
  const numberA = await connectKapsoNumber(t, a.admin, "111");
  const numberB = await connectKapsoNumber(t, b.admin, "222");
  const inRange = REPLAY_BATCH + 5;
  await failedInbound(numberA, "111", "wamid.old", START - 3 * HOUR);
  // Several share a millisecond, across the edge of a batch.
  for (let i = 0; i < inRange; i++) {
    await failedInbound(numberA, "111", `wamid.a${i}`, START + Math.floor(i / 4) * 1000);
  }
  await failedInbound(numberB, "222", "wamid.b", START + 1000);
  // Disconnected, so every replay stays failed and each batch still sees the ones before it.
  await a.admin.mutation(api.whatsapp.connections.disconnect, {
    ...env,
    connectionId: numberA.connectionId,
  });
  vi.setSystemTime(START + HOUR);

  const job = await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
    ...env,
    since: START - HOUR,
  });
  expect(job.status).toBe("running");
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const replays = (rows: { replays: number }[]) => rows.map((d) => d.replays);
  const ofA = await deliveriesOf(numberA.connectionId);
  const old = ofA.filter((d) => d.receivedAt < START);
  expect(replays(old)).toEqual([0]);
  expect(replays(ofA.filter((d) => d.receivedAt >= START))).toEqual(Array(inRange).fill(1));
  expect(replays(await deliveriesOf(numberB.connectionId))).toEqual([0]);
  const done = await a.admin.query(api.whatsapp.deliveryReplay.latest, env);
  expect(done).toMatchObject({
    status: "done",
    batches: 2,
    progress: { found: inRange, resolved: 0, stillFailed: inRange, skipped: 0, errors: 0 },
  });
});

test("deliveries whose cause is fixed are resolved and leave the failed list", async () => {
  const a = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, a.admin, "111");
  // Stored while the number had no agent: replaying them routes nothing and resolves them.
  for (let i = 0; i < 3; i++) await failedInbound(number, "111", `wamid.${i}`, START + i * 1000);
  vi.setSystemTime(START + HOUR);

  await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since: START });
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const job = await a.admin.query(api.whatsapp.deliveryReplay.latest, env);
  expect(job?.progress).toMatchObject({ found: 3, resolved: 3, stillFailed: 0 });
  const failed = await a.admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true });
  expect(failed).toEqual([]);
});

test("a delivery whose body was not kept is counted as skipped, not replayed", async () => {
  const a = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, a.admin, "111");
  await failedInbound(number, "111", "wamid.1", START);
  const [delivery] = await deliveriesOf(number.connectionId);
  await t.run((ctx) => ctx.db.patch("webhookDeliveries", delivery!._id, { body: undefined }));

  await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since: START });
  await t.finishAllScheduledFunctions(vi.runAllTimers);

  const job = await a.admin.query(api.whatsapp.deliveryReplay.latest, env);
  expect(job?.progress).toMatchObject({ found: 1, skipped: 1, stillFailed: 0 });
  expect((await deliveriesOf(number.connectionId))[0]!.replays).toBe(0);
});

test("a second bulk replay is refused while one runs, and allowed once it finished", async () => {
  const a = await provisionTenant(t, "org_a");
  const since = START - HOUR;
  await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since });
  await expectCode(
    a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since }),
    "IN_USE",
  );
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const again = await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
    ...env,
    since,
  });
  expect(again.status).toBe("running");
});

test("a bulk replay whose worker stopped reporting is abandoned by the next request", async () => {
  const a = await provisionTenant(t, "org_a");
  const stuck = await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
    ...env,
    since: START - HOUR,
  });
  vi.setSystemTime(START + STALE_REPLAY_MS + 1);
  const next = await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
    ...env,
    since: START - HOUR,
  });
  expect(next._id).not.toBe(stuck._id);
  const old = await t.run((ctx) => ctx.db.get("deliveryReplayJobs", stuck._id));
  expect(old!.status).toBe("abandoned");
});

test("another tenant's running bulk replay does not block this one", async () => {
  const a = await provisionTenant(t, "org_a");
  const b = await provisionTenant(t, "org_b");
  await b.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since: 0 });
  const job = await a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
    ...env,
    since: 0,
  });
  expect(job.status).toBe("running");
});

test("a member cannot start a bulk replay", async () => {
  await provisionTenant(t, "org_a");
  const member = t.withIdentity(identity("org_a", "member", "user_2"));
  await member.mutation(api.organizations.ensure, {});
  await expectCode(
    member.mutation(api.whatsapp.deliveryReplay.replayFailedSince, { ...env, since: 0 }),
    "FORBIDDEN",
  );
});

test("a range that starts in the future is refused", async () => {
  const a = await provisionTenant(t, "org_a");
  await expectCode(
    a.admin.mutation(api.whatsapp.deliveryReplay.replayFailedSince, {
      ...env,
      since: START + HOUR,
    }),
    "INVALID_ARGUMENT",
  );
});

// --- One delivery, as the drawer reads it -------------------------------------------------------

async function storedWithHeaders(
  connectionId: Id<"whatsappConnections">,
  headers: Record<string, string>,
  detail?: string,
) {
  return await t.run(async (ctx) => {
    const c = (await ctx.db.get("whatsappConnections", connectionId))!;
    return await ctx.db.insert("webhookDeliveries", {
      source: "kapso_messages",
      receivedAt: Date.now(),
      organizationId: c.organizationId,
      environment: c.environment,
      connectionId,
      verdict: "accepted",
      headers,
      counts: { messages: 1, duplicates: 0, statuses: 0, ignored: 2 },
      deadLetter: { reason: "item_failed", ...(detail ? { detail } : {}) },
      failed: true,
      replays: 0,
    });
  });
}

const SIGNATURE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

test("the drawer's delivery shows kept headers, signatures shortened and secrets hidden", async () => {
  const a = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, a.admin, "111");
  const deliveryId = await storedWithHeaders(number.connectionId, {
    "content-type": "application/json",
    "x-webhook-event": "whatsapp.message.received",
    "x-hub-signature-256": `sha256=${SIGNATURE}`,
    "x-webhook-signature": SIGNATURE,
    authorization: "Bearer live-token-123",
    cookie: "session=abc",
  });
  const d = await a.admin.query(api.whatsapp.deliveries.get, { ...env, deliveryId });
  expect(d?.headers).toEqual([
    { name: "authorization", value: "", shown: "hidden" },
    { name: "content-type", value: "application/json", shown: "full" },
    { name: "cookie", value: "", shown: "hidden" },
    { name: "x-hub-signature-256", value: "sha256=9f86d081…", shown: "shortened" },
    { name: "x-webhook-event", value: "whatsapp.message.received", shown: "full" },
    { name: "x-webhook-signature", value: "9f86d081…", shown: "shortened" },
  ]);
  const text = JSON.stringify(d);
  for (const secret of [SIGNATURE, "live-token-123", "session=abc"]) {
    expect(text).not.toContain(secret);
  }
  expect(d).toMatchObject({ numberLabel: "Number 111", verdict: "accepted", replayable: false });
});

test("the drawer's delivery lists the items that failed, read from the dead letter", async () => {
  const a = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, a.admin, "111");
  const deliveryId = await storedWithHeaders(
    number.connectionId,
    {},
    "item 0: contact write failed; item 3: bad media id; no_handler: 111",
  );
  const d = await a.admin.query(api.whatsapp.deliveries.get, { ...env, deliveryId });
  expect(d?.failedItems).toEqual([
    { index: 0, error: "contact write failed" },
    { index: 3, error: "bad media id" },
  ]);
});

test("a signed delivery received live shows its signature shortened", async () => {
  const a = await provisionTenant(t, "org_a");
  const number = await connectKapsoNumber(t, a.admin, "111");
  await failedInbound(number, "111", "wamid.1", START);
  const [stored] = await deliveriesOf(number.connectionId);
  const d = await a.admin.query(api.whatsapp.deliveries.get, { ...env, deliveryId: stored!._id });
  const signature = d!.headers.find((h) => h.name === "x-webhook-signature")!;
  expect(signature.shown).toBe("shortened");
  expect(signature.value).toHaveLength(9);
  expect(stored!.headers["x-webhook-signature"]!.startsWith(signature.value.slice(0, 8))).toBe(
    true,
  );
});

test("another tenant's or environment's delivery reads as nothing", async () => {
  const a = await provisionTenant(t, "org_a");
  const b = await provisionTenant(t, "org_b");
  const number = await connectKapsoNumber(t, a.admin, "111");
  const deliveryId = await storedWithHeaders(number.connectionId, { "content-type": "x" });
  expect(await b.admin.query(api.whatsapp.deliveries.get, { ...env, deliveryId })).toBeNull();
  expect(
    await a.admin.query(api.whatsapp.deliveries.get, { environment: "production", deliveryId }),
  ).toBeNull();
});
