/**
 * Test harness for outbound: a convex-test world with one Kapso number connected through the
 * fake provider on loopback (setup link, connection, webhook registration all real calls), the
 * provider's status webhooks routed into `t.fetch`, and helpers to make threads and wait.
 * Real timers: the provider is a real HTTP server, so tests wait for conditions; a deadline is
 * only a safety net. The send timeout is far above what a loopback call takes on a starved
 * machine, and an injected hang is far above the send timeout, so which calls time out is
 * decided by the test, not by the machine's speed.
 */
import { vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import {
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
} from "../scripts/fakeProvider";
import { newTest, provisionTenant, type TestConvex } from "./setup";

export const env = { environment: "development" as const };
export const HOUR = 60 * 60 * 1000;

/** The provider call timeout in these tests: no answered loopback call comes near it. */
export const SEND_TIMEOUT_MS = 2_000;
/** An injected provider hang: always far past the send timeout, so the call always gives up. */
export const HANG_MS = 30_000;

export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(
  options: { provider?: FakeProviderOptions; env?: Record<string, string> } = {},
) {
  // Webhooks are routed into the engine created below (the provider must start first).
  const engine: { t?: TestConvex } = {};
  const fake: FakeProvider = await startFakeProvider({
    ...options.provider,
    deliverWebhook: async (request) => {
      const response = await engine.t!.fetch(new URL(request.url).pathname, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
      return { status: response.status };
    },
  });
  const vars = {
    KAPSO_API_BASE_URL: fake.url,
    KAPSO_API_KEY: "kapso_test_key",
    SWITCHBOARD_WEBHOOK_BASE_URL: "https://hooks.test",
    OUTBOUND_RETRY_BASE_MS: "20",
    OUTBOUND_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
    OUTBOUND_RECONCILE_DELAY_MS: "300",
    ...options.env,
  };
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
  const t = newTest();
  engine.t = t;
  const { admin, organizationId } = await provisionTenant(t, "org_a");
  const connectionId = await admin.mutation(api.whatsapp.connections.setup, {
    ...env,
    label: "Sales",
  });
  const customerId = await waitFor(
    () =>
      t.run(async (ctx) => {
        const c = await ctx.db.get("whatsappConnections", connectionId);
        return c?.setupLinkUrl !== undefined ? c.kapsoCustomerId : undefined;
      }),
    "the setup link",
  );
  await t.mutation(internal.whatsapp.connections.markConnected, {
    kapsoCustomerId: customerId!,
    providerPhoneNumberId: "PNID_SALES",
    phoneNumber: "+15550001000",
    businessAccountId: "WABA_1",
  });
  await waitFor(
    () =>
      t.run(
        async (ctx) =>
          (await ctx.db.get("whatsappConnections", connectionId))?.providerWebhookId !== undefined,
      ),
    "the webhook registration",
  );
  const tt = t;

  let customers = 0;
  /** A thread with a customer whose last message was `ageMs` ago. */
  async function thread(ageMs = 60_000, phoneNumber?: string): Promise<Id<"threads">> {
    const phone = phoneNumber ?? `+1555900${String(++customers).padStart(4, "0")}`;
    return await tt.run(async (ctx) => {
      const tenant = { organizationId, environment: "development" as const };
      const contactId = await ctx.db.insert("contacts", {
        ...tenant,
        poolKey: `connection:${connectionId}`,
        phoneNumber: phone,
        attributes: {},
        createdAt: 0,
        updatedAt: 0,
      });
      return await ctx.db.insert("threads", {
        ...tenant,
        connectionId,
        contactId,
        channel: "whatsapp",
        externalId: `whatsapp:${connectionId}:${phone}`,
        channelParams: { phoneNumber: phone, lastInboundAt: Date.now() - ageMs },
        owner: "human",
        ownerChangedAt: 0,
        generation: 1,
        lastMessageAt: 0,
        createdAt: 0,
      });
    });
  }

  async function message(messageId: Id<"messages">) {
    return (await tt.run((ctx) => ctx.db.get("messages", messageId)))!;
  }

  async function delivery(messageId: Id<"messages">) {
    return (await admin.query(api.outbound.sends.getDelivery, { ...env, messageId }))!;
  }

  async function waitForState(messageId: Id<"messages">, state: "sent" | "failed") {
    return await waitFor(async () => {
      const d = await delivery(messageId);
      return d.state === state ? d : undefined;
    }, `message ${messageId} to be ${state}`);
  }

  async function waitForStatus(messageId: Id<"messages">, status: string) {
    return await waitFor(async () => {
      const m = await message(messageId);
      return m.channelData.status === status ? m : undefined;
    }, `message ${messageId} to be ${status}`);
  }

  /** Scheduled functions waiting or running (sends, lookups, retries, status handling). */
  async function busyJobs() {
    const jobs = await tt.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    return jobs.filter((j) => j.state.kind === "pending" || j.state.kind === "inProgress");
  }

  /**
   * Waits until nothing is left to happen: no scheduled function waiting or running and no
   * status webhook waiting at the provider. After this, no further call can reach the provider.
   */
  async function settled() {
    await waitFor(async () => {
      if ((await busyJobs()).length > 0) return false;
      await fake.idle(); // a status webhook still to be posted may schedule more work
      return (await busyJobs()).length === 0;
    }, "every scheduled function to finish");
  }

  async function stop() {
    await fake.close();
    // Calls cut off by the close end now; let them finish before the next test's world starts.
    await tt.finishInProgressScheduledFunctions();
    vi.unstubAllEnvs();
  }

  return {
    t: tt,
    admin,
    organizationId,
    connectionId,
    fake,
    thread,
    message,
    delivery,
    waitForState,
    waitForStatus,
    settled,
    stop,
  };
}
