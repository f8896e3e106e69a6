/**
 * Finishing a Meta-direct connection: the callback URL for any member, the generated verify
 * token for admins only (never from a query), and a handshake check that does what Meta does.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { expectCode } from "./fixtures/errors";
import { SECRETS, seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const BASE = "https://switchboard.example";

let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-10T12:00:00Z"));
  vi.stubEnv("SWITCHBOARD_WEBHOOK_BASE_URL", BASE);
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function connectWithGeneratedToken() {
  return await world.orgA.admin.mutation(api.whatsapp.connections.connectMeta, {
    ...env,
    label: "Direct line",
    phoneNumber: "+15550003333",
    phoneNumberId: "PNID_A_DIRECT",
    appId: "app_2",
    appSecret: SECRETS.appSecret,
    businessAccountId: "waba_2",
    accessToken: SECRETS.accessToken,
  });
}

test("any member sees the callback URL, the fields to subscribe and Meta's last delivery", async () => {
  const onboarding = await world.orgA.member.query(api.console.metaOnboarding.get, {
    ...env,
    connectionId: world.ids.metaConnectionId,
  });
  expect(onboarding).toMatchObject({
    webhookUrl: `${BASE}/webhook/meta`,
    appId: "app_1",
    businessAccountId: "waba_1",
    phoneNumberId: "PNID_A_META",
    lastDelivery: { receivedAt: 0, verdict: "accepted" },
  });
  expect(onboarding.subscribeFields).toContain("messages");
  expect(JSON.stringify(onboarding)).not.toContain(SECRETS.verifyToken);
});

test("admins reveal the generated verify token, which is not the app secret", async () => {
  const connectionId = await connectWithGeneratedToken();
  const revealed = await world.orgA.admin.mutation(api.console.metaOnboarding.revealVerifyToken, {
    ...env,
    connectionId,
  });
  expect(revealed.webhookUrl).toBe(`${BASE}/webhook/meta`);
  expect(revealed.verifyToken).toMatch(/^verify_[0-9a-f]{32}$/);
  expect(revealed.verifyToken).not.toBe(SECRETS.appSecret);
  await expectCode(
    world.orgA.member.mutation(api.console.metaOnboarding.revealVerifyToken, {
      ...env,
      connectionId,
    }),
    "FORBIDDEN",
  );
});

test("the handshake check gets the challenge echoed by this deployment's Meta route", async () => {
  const connectionId = await connectWithGeneratedToken();
  const calls: string[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    calls.push(url.origin + url.pathname);
    return await t.fetch(`${url.pathname}${url.search}`, { method: "GET" });
  });
  const check = await world.orgA.admin.action(api.console.metaOnboarding.checkHandshake, {
    ...env,
    connectionId,
  });
  expect(check).toMatchObject({ ok: true, status: 200, url: `${BASE}/webhook/meta` });
  expect(calls).toEqual([`${BASE}/webhook/meta`]);
});

test("a handshake answered without the challenge is reported, with the status", async () => {
  vi.stubGlobal("fetch", async () => new Response("Forbidden", { status: 403 }));
  const check = await world.orgA.admin.action(api.console.metaOnboarding.checkHandshake, {
    ...env,
    connectionId: world.ids.metaConnectionId,
  });
  expect(check).toMatchObject({ ok: false, status: 403 });
});

test("without a public URL the form says so instead of showing a wrong one", async () => {
  vi.stubEnv("SWITCHBOARD_WEBHOOK_BASE_URL", "");
  vi.stubEnv("CONVEX_SITE_URL", "");
  const onboarding = await world.orgA.member.query(api.console.metaOnboarding.get, {
    ...env,
    connectionId: world.ids.metaConnectionId,
  });
  expect(onboarding.webhookUrl).toBeNull();
});

test("a number connected through Kapso has no Meta onboarding", async () => {
  await expectCode(
    world.orgA.member.query(api.console.metaOnboarding.get, {
      ...env,
      connectionId: world.ids.kapsoConnectionId,
    }),
    "INVALID_ARGUMENT",
  );
});
