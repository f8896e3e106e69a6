/**
 * Who may hold a number, and how its webhook secret changes hands: old secrets expire only once
 * the provider has the new one (or an admin says so); a phone number id is connected by one
 * connection at a time across organizations; a Meta-direct number is verified through the
 * Graph API before it is connected, and a Meta app belongs to one organization.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { SECRET_ROTATION_GRACE_MS } from "../convex/whatsapp/connections";
import { startFakeProvider, type FakeProvider } from "../scripts/fakeProvider";
import { expectCode } from "./fixtures/errors";
import {
  connectKapsoNumber,
  kapsoProjectRequest,
  kapsoRequest,
  kapsoText,
  post,
} from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const received = { event: "whatsapp.message.received" };
const DAY = 24 * 60 * 60 * 1000;

let t: TestConvex;

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("webhook secret rotation", () => {
  let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];
  let connectionId: Id<"whatsappConnections">;
  let oldSecret: string;

  /** A connected provider number whose webhook is registered; PATCHes answer `patchStatus`. */
  async function registered(patchStatus: number) {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    vi.stubEnv("KAPSO_API_BASE_URL", "https://kapso.test");
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (init.method === "PATCH") {
        return new Response(JSON.stringify({ data: { id: "wh_1" } }), { status: patchStatus });
      }
      const data = url.endsWith("/customers")
        ? { id: "cust_1" }
        : url.includes("/webhooks")
          ? { id: "wh_1" }
          : { url: "https://setup.kapso.test/x" };
      return new Response(JSON.stringify({ data }), { status: 201 });
    });
    connectionId = await admin.mutation(api.whatsapp.connections.setup, env);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    await t.mutation(internal.whatsapp.connections.markConnected, {
      kapsoCustomerId: "cust_1",
      providerPhoneNumberId: "PN_ROT",
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    oldSecret = await newestSecret();
  }

  async function newestSecret() {
    return await t.run(
      async (ctx) =>
        (await ctx.db.get("whatsappConnections", connectionId))!.webhookSecrets.at(-1)!.secret,
    );
  }

  async function deliver(id: string, secret: string) {
    const body = kapsoText({ id, phoneNumberId: "PN_ROT", from: "15551234567" });
    return (await post(t, await kapsoRequest(body, { secret, ...received }))).status;
  }

  beforeEach(async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
    t = newTest();
    ({ admin } = await provisionTenant(t, "org_a"));
  });

  test("when pushing the new secret fails, the old one keeps verifying after 24 hours", async () => {
    await registered(502);
    await admin.mutation(api.whatsapp.connections.rotateSecret, { ...env, connectionId });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    vi.advanceTimersByTime(SECRET_ROTATION_GRACE_MS + DAY);
    expect(await deliver("wamid.after", oldSecret)).toBe(200);
  });

  test("once the provider has the new secret, the old one expires after the grace period", async () => {
    await registered(200);
    await admin.mutation(api.whatsapp.connections.rotateSecret, { ...env, connectionId });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const fresh = await newestSecret();
    expect(await deliver("wamid.during", oldSecret)).toBe(200);
    vi.advanceTimersByTime(SECRET_ROTATION_GRACE_MS + 1);
    expect(await deliver("wamid.old", oldSecret)).toBe(401);
    expect(await deliver("wamid.new", fresh)).toBe(200);
  });

  test("an admin can let the old secret expire without waiting for the provider", async () => {
    await registered(502);
    const rotated = await admin.mutation(api.whatsapp.connections.rotateSecret, {
      ...env,
      connectionId,
      expirePrevious: true,
    });
    expect(rotated.previousExpireAt).toBe(Date.now() + SECRET_ROTATION_GRACE_MS);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    vi.advanceTimersByTime(SECRET_ROTATION_GRACE_MS + 1);
    expect(await deliver("wamid.old", oldSecret)).toBe(401);
  });
});

describe("who holds a phone number", () => {
  beforeEach(() => {
    t = newTest();
  });

  test("a number connected by one organization is not connected by another's project event", async () => {
    vi.stubEnv("KAPSO_PROJECT_WEBHOOK_SECRET", "project_secret");
    const a = await provisionTenant(t, "org_a");
    const held = await connectKapsoNumber(t, a.admin, "PN_SHARED");
    const b = await provisionTenant(t, "org_b");
    const pending = await b.admin.mutation(api.whatsapp.connections.setup, env);
    await t.run((ctx) =>
      ctx.db.patch("whatsappConnections", pending, { kapsoCustomerId: "cust_b" }),
    );
    const event = { phone_number_id: "PN_SHARED", customer: { id: "cust_b" } };
    const response = await post(
      t,
      await kapsoProjectRequest(event, {
        secret: "project_secret",
        headers: { "X-Webhook-Event": "whatsapp.phone_number.created" },
      }),
    );
    expect(response.status).toBe(200);
    const rows = await t.run(async (ctx) => ({
      held: await ctx.db.get("whatsappConnections", held.connectionId),
      pending: await ctx.db.get("whatsappConnections", pending),
    }));
    expect(rows.held!.status).toBe("connected");
    expect(rows.pending!.status).toBe("pending_setup");
  });

  describe("Meta-direct numbers", () => {
    let provider: FakeProvider;

    beforeEach(async () => {
      provider = await startFakeProvider({
        statusDelaysMs: false,
        metaNumbers: [
          {
            phoneNumberId: "PN_OWNED",
            displayPhoneNumber: "+1 555-078-3881",
            businessAccountId: "WABA_1",
            accessToken: "token_owner",
          },
        ],
      });
      vi.stubEnv("META_GRAPH_BASE_URL", provider.url);
    });

    afterEach(async () => {
      await provider.close();
    });

    const connect = (
      admin: Awaited<ReturnType<typeof provisionTenant>>["admin"],
      phoneNumberId: string,
      accessToken: string,
      appId = "app_1",
    ) =>
      admin.mutation(api.whatsapp.connections.connectMeta, {
        ...env,
        label: "Meta",
        phoneNumber: "+15550783881",
        phoneNumberId,
        appId,
        appSecret: "app_secret",
        businessAccountId: "WABA_1",
        accessToken,
      });

    test("a number the Graph API confirms for the token is connected", async () => {
      const { admin } = await provisionTenant(t, "org_a");
      const connectionId = await connect(admin, "PN_OWNED", "token_owner");
      await t.action(internal.whatsapp.provider.verifyMetaNumber, { connectionId });
      const connection = await admin.query(api.whatsapp.connections.get, {
        ...env,
        connectionId,
      });
      expect(connection.status).toBe("connected");
      expect(connection.setupError).toBeUndefined();
    });

    test("a number the token cannot read is not connected, and says why", async () => {
      const { admin } = await provisionTenant(t, "org_a");
      const connectionId = await connect(admin, "PN_SOMEONE_ELSES", "token_owner");
      await t.action(internal.whatsapp.provider.verifyMetaNumber, { connectionId });
      const connection = await admin.query(api.whatsapp.connections.get, {
        ...env,
        connectionId,
      });
      expect(connection.status).not.toBe("connected");
      expect(connection.setupError).toContain("Meta");
    });

    test("a Meta app already used by another organization is refused", async () => {
      const a = await provisionTenant(t, "org_a");
      const first = await connect(a.admin, "PN_OWNED", "token_owner", "app_shared");
      await t.action(internal.whatsapp.provider.verifyMetaNumber, { connectionId: first });
      const b = await provisionTenant(t, "org_b");
      await expectCode(connect(b.admin, "PN_OTHER", "token_b", "app_shared"), "IN_USE");
    });
  });
});
