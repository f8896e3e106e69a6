/**
 * End to end: a signed Kapso webhook → ingest → routing after the coalescing window → the agent
 * turn against the stand-in model → the reply sent through the official client to the fake
 * provider on loopback, on the same number and to the same customer. Three messages inside the
 * window → one run and one reply. The clock is fake: the window (the deployment's default)
 * elapses only when the test says so, however slow the machine; the provider is still real HTTP
 * on 127.0.0.1, which `finishAllScheduledFunctions` waits for.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { routingDelayMs } from "../convex/agents/turn";
import { startFakeProvider, type FakeProvider } from "../scripts/fakeProvider";
import { repliesOf, runsOf, useStandInModel } from "./fixtures/agents";
import { connectKapsoNumber, giveAgent, kapsoRequest, kapsoText, post } from "./fixtures/webhooks";
import { provisionTenant, newTest, type TestConvex } from "./setup";
import type { StandInModel } from "../scripts/standInModel";

const PHONE_NUMBER_ID = "PNID_E2E";
const realFetch = globalThis.fetch;
let t: TestConvex;
let provider: FakeProvider;
let model: StandInModel;

beforeEach(async () => {
  provider = await startFakeProvider({ statusDelaysMs: false });
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
  vi.stubEnv("KAPSO_API_BASE_URL", provider.url);
  vi.stubEnv("KAPSO_API_KEY", "fake-key");
  model = useStandInModel((request) => realFetch(request));
  t = newTest();
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  await provider.close();
});

/**
 * Lets the coalescing window elapse, then runs what it set off (routing, the turn, the send) to
 * completion without moving the clock further, so the send's own timeout (a fake timer too)
 * cannot fire while the real HTTP call to the provider is in flight.
 */
async function afterWindow() {
  vi.advanceTimersByTime(routingDelayMs());
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(0));
}

async function connected() {
  const { admin } = await provisionTenant(t, "org_e2e");
  const { connectionId, secret } = await connectKapsoNumber(t, admin, PHONE_NUMBER_ID);
  await giveAgent(t, admin, connectionId);
  return { connectionId, secret };
}

function inbound(secret: string, id: string, text: string) {
  const now = Math.floor(Date.now() / 1000);
  return kapsoRequest(
    kapsoText({ id, phoneNumberId: PHONE_NUMBER_ID, from: "15551230000", text, timestamp: now }),
    { secret, event: "whatsapp.message.received" },
  );
}

test("a signed inbound gets one reply, delivered on the same number to the same customer", async () => {
  const { secret } = await connected();
  const response = await post(t, await inbound(secret, "wamid.E2E1", "Hello"));
  expect(response.status).toBe(200);
  await afterWindow();
  const texts = provider.accepted.filter((s) => s.body.type === "text");
  expect(texts).toHaveLength(1);
  expect(texts[0]!.phoneNumberId).toBe(PHONE_NUMBER_ID);
  expect(texts[0]!.body.to).toBe("+15551230000");
  expect((texts[0]!.body.text as { body: string }).body).toBe(
    "Hello John Doe! How can I help you today?",
  );
  expect(model.requests).toHaveLength(1);
});

test("three messages inside the window → one run and one reply that saw all three", async () => {
  const { secret } = await connected();
  const window = routingDelayMs();
  for (const [i, text] of ["hi", "I ordered a lamp", "when does it arrive?"].entries()) {
    if (i > 0) vi.advanceTimersByTime(window / 4);
    expect((await post(t, await inbound(secret, `wamid.BURST${i}`, text))).status).toBe(200);
  }
  await afterWindow();
  // Whatever else is due later runs too: no later turn adds a second reply.
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(provider.accepted.filter((s) => s.body.type === "text")).toHaveLength(1);
  const threads = await t.run((ctx) => ctx.db.query("threads").collect());
  expect(threads).toHaveLength(1);
  const runs = await runsOf(t, threads[0]!._id);
  expect(runs).toHaveLength(1);
  expect(runs[0]!.triggerMessageIds).toHaveLength(3);
  expect(await repliesOf(t, threads[0]!._id)).toHaveLength(1);
  const userTurns = model.requests[0]!.messages.filter((m) => m.role === "user").map(
    (m) => m.content,
  );
  expect(userTurns).toEqual(["hi", "I ordered a lamp", "when does it arrive?"]);
});
