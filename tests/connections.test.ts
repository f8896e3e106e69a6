/**
 * The connection lifecycle and the configuration rules: enable → setup (pending_setup with a
 * provider setup link) → connected → agent XOR router → disconnect and reconnect; Meta-direct
 * numbers; agent and router CRUD. Every rejected call writes nothing.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { expectCode } from "./fixtures/errors";
import { confirmMetaNumber } from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
let t: TestConvex;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];

async function allRows(table: "agents" | "routers" | "whatsappConnections") {
  return await t.run(async (ctx) => JSON.stringify(await ctx.db.query(table).collect()));
}

async function createAgent(slug: string) {
  return await admin.mutation(api.agents.definitions.create, {
    ...env,
    name: slug,
    slug,
    systemPrompt: "Hi",
  });
}

async function metaNumber(phoneNumberId = "PNID_1") {
  const connectionId = await admin.mutation(api.whatsapp.connections.connectMeta, {
    ...env,
    label: "Support",
    phoneNumber: "+1 (555) 000-1111",
    phoneNumberId,
    appId: "app",
    appSecret: "secret",
    businessAccountId: "waba",
    accessToken: "token",
  });
  await confirmMetaNumber(admin, connectionId);
  return connectionId;
}

beforeEach(async () => {
  vi.useFakeTimers();
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_a"));
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("setup through the provider", () => {
  test("setupWhatsApp is refused until WhatsApp is enabled for the environment", async () => {
    await expectCode(
      admin.mutation(api.whatsapp.connections.setup, { environment: "production" }),
      "WHATSAPP_NOT_ENABLED",
    );
  });

  test("setupWhatsApp goes to pending_setup and stores the provider's setup link", async () => {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    vi.stubEnv("KAPSO_API_BASE_URL", "https://kapso.test");
    const calls: { url: string; body: unknown; key: string | null }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push({
        url,
        body: JSON.parse(init.body as string),
        key: new Headers(init.headers).get("X-API-Key"),
      });
      const data = url.endsWith("/customers")
        ? { id: "cust_1" }
        : { id: "link_1", url: "https://setup.kapso.test/link_1" };
      return new Response(JSON.stringify({ data }), { status: 201 });
    });
    const connectionId = await admin.mutation(api.whatsapp.connections.setup, {
      ...env,
      label: "Sales",
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const status = await admin.query(api.whatsapp.connections.getStatus, env);
    const connection = status.connections.find((c) => c._id === connectionId)!;
    expect(connection.status).toBe("pending_setup");
    expect(connection.setupLinkUrl).toBe("https://setup.kapso.test/link_1");
    expect(calls.map((c) => c.url)).toEqual([
      "https://kapso.test/platform/v1/customers",
      "https://kapso.test/platform/v1/customers/cust_1/setup_links",
    ]);
    expect(calls.every((c) => c.key === "kapso_test_key")).toBe(true);
  });

  test("a provider failure during setup is shown on the connection, not lost", async () => {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    vi.stubGlobal("fetch", async () => new Response("upstream down", { status: 503 }));
    const connectionId = await admin.mutation(api.whatsapp.connections.setup, env);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection.status).toBe("pending_setup");
    expect(connection.setupError).toContain("HTTP 503");
  });

  test("the phone-number-created event connects the number and registers its webhook", async () => {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    vi.stubEnv("KAPSO_API_BASE_URL", "https://kapso.test");
    vi.stubEnv("SWITCHBOARD_WEBHOOK_BASE_URL", "https://hooks.example");
    const registered: unknown[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (url.includes("/webhooks"))
        registered.push({ url, body: JSON.parse(init.body as string) });
      const data = url.endsWith("/customers")
        ? { id: "cust_1" }
        : url.includes("/webhooks")
          ? { id: "wh_1" }
          : { url: "https://setup.kapso.test/x" };
      return new Response(JSON.stringify({ data }), { status: 201 });
    });
    const connectionId = await admin.mutation(api.whatsapp.connections.setup, env);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const connected = await t.mutation(internal.whatsapp.connections.markConnected, {
      kapsoCustomerId: "cust_1",
      providerPhoneNumberId: "PNID_9",
      phoneNumber: "+15550009999",
    });
    expect(connected).toBe(connectionId);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection.status).toBe("connected");
    expect(connection.phoneNumber).toBe("+15550009999");
    expect(connection.providerPhoneNumberId).toBe("PNID_9");
    expect(registered).toEqual([
      {
        url: "https://kapso.test/platform/v1/whatsapp/phone_numbers/PNID_9/webhooks",
        body: {
          whatsapp_webhook: expect.objectContaining({
            url: "https://hooks.example/webhook/kapso/messages",
            payload_version: "v2",
          }),
        },
      },
    ]);
  });

  test("disconnecting keeps the provider customer, so reconnecting does not create another", async () => {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      urls.push(url);
      const data = url.endsWith("/customers") ? { id: "cust_1" } : { id: "x", url: "https://s/x" };
      return new Response(JSON.stringify({ data }), { status: 201 });
    });
    const connectionId = await admin.mutation(api.whatsapp.connections.setup, env);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    await t.mutation(internal.whatsapp.connections.markConnected, {
      kapsoCustomerId: "cust_1",
      providerPhoneNumberId: "PNID_9",
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    await admin.mutation(api.whatsapp.connections.disconnect, { ...env, connectionId });
    expect((await admin.query(api.whatsapp.connections.get, { ...env, connectionId })).status).toBe(
      "disconnected",
    );
    urls.length = 0;
    await admin.mutation(api.whatsapp.connections.setup, { ...env, connectionId });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(urls.some((u) => u.endsWith("/customers"))).toBe(false);
    expect(urls.some((u) => u.endsWith("/customers/cust_1/setup_links"))).toBe(true);
  });
});

describe("Meta-direct numbers", () => {
  test("connectMetaNumber stores a connected number in E.164 without exposing credentials", async () => {
    const connectionId = await metaNumber();
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection).toMatchObject({
      provider: "meta",
      status: "connected",
      phoneNumber: "+15550001111",
      meta: { appId: "app", businessAccountId: "waba", graphApiVersion: "v23.0" },
    });
  });

  test("the same phone number id cannot be connected twice", async () => {
    await metaNumber("PNID_1");
    const before = await allRows("whatsappConnections");
    await expectCode(metaNumber("PNID_1"), "PHONE_NUMBER_TAKEN");
    expect(await allRows("whatsappConnections")).toBe(before);
  });

  test("a malformed phone number or Graph API version is rejected", async () => {
    await expectCode(
      admin.mutation(api.whatsapp.connections.connectMeta, {
        ...env,
        label: "x",
        phoneNumber: "call me",
        phoneNumberId: "P",
        appId: "a",
        appSecret: "s",
        businessAccountId: "w",
        accessToken: "t",
      }),
      "INVALID_ARGUMENT",
    );
    await expectCode(
      admin.mutation(api.whatsapp.connections.connectMeta, {
        ...env,
        label: "x",
        phoneNumber: "+15550001111",
        phoneNumberId: "P",
        appId: "a",
        appSecret: "s",
        businessAccountId: "w",
        accessToken: "t",
        graphApiVersion: "latest",
      }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("agent XOR router", () => {
  let connectionId: Id<"whatsappConnections">;
  let agentId: Id<"agents">;
  let routerId: Id<"routers">;

  beforeEach(async () => {
    connectionId = await metaNumber();
    agentId = await createAgent("support");
    routerId = await admin.mutation(api.agents.routers.create, {
      ...env,
      name: "Desk",
      slug: "desk",
      fallbackAgentId: agentId,
    });
  });

  test("setting a router on a number that has an agent is refused and writes nothing", async () => {
    await admin.mutation(api.whatsapp.connections.setAgent, { ...env, connectionId, agentId });
    const before = await allRows("whatsappConnections");
    await expectCode(
      admin.mutation(api.whatsapp.connections.setRouter, { ...env, connectionId, routerId }),
      "AGENT_AND_ROUTER_EXCLUSIVE",
    );
    expect(await allRows("whatsappConnections")).toBe(before);
  });

  test("setting an agent on a number that has a router is refused and writes nothing", async () => {
    await admin.mutation(api.whatsapp.connections.setRouter, { ...env, connectionId, routerId });
    const before = await allRows("whatsappConnections");
    await expectCode(
      admin.mutation(api.whatsapp.connections.setAgent, { ...env, connectionId, agentId }),
      "AGENT_AND_ROUTER_EXCLUSIVE",
    );
    expect(await allRows("whatsappConnections")).toBe(before);
  });

  test("an explicit switch replaces the router with the agent, never keeping both", async () => {
    await admin.mutation(api.whatsapp.connections.setRouter, { ...env, connectionId, routerId });
    await admin.mutation(api.whatsapp.connections.setAgent, {
      ...env,
      connectionId,
      agentId,
      replaceRouter: true,
    });
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection.agentId).toBe(agentId);
    expect(connection.routerId).toBeUndefined();
  });

  test("an unknown agent id is rejected with NOT_FOUND and writes nothing", async () => {
    await admin
      .mutation(api.agents.definitions.remove, { ...env, agentId: await createAgent("gone") })
      .catch(() => undefined);
    const ghost = await createAgent("ghost");
    await admin.mutation(api.agents.definitions.remove, { ...env, agentId: ghost });
    const before = await allRows("whatsappConnections");
    await expectCode(
      admin.mutation(api.whatsapp.connections.setAgent, { ...env, connectionId, agentId: ghost }),
      "NOT_FOUND",
    );
    expect(await allRows("whatsappConnections")).toBe(before);
  });

  test("the environment default agent is stored and must exist", async () => {
    await admin.mutation(api.whatsapp.connections.setDefaultAgent, { ...env, agentId });
    expect((await admin.query(api.whatsapp.connections.getStatus, env)).defaultAgentId).toBe(
      agentId,
    );
    await admin.mutation(api.whatsapp.connections.setDefaultAgent, { ...env, agentId: null });
    expect(
      (await admin.query(api.whatsapp.connections.getStatus, env)).defaultAgentId,
    ).toBeUndefined();
  });

  test("an agent still in use cannot be deleted", async () => {
    await admin.mutation(api.whatsapp.connections.setAgent, { ...env, connectionId, agentId });
    await expectCode(admin.mutation(api.agents.definitions.remove, { ...env, agentId }), "IN_USE");
  });
});

describe("agents and routers", () => {
  test("a router without a fallback is rejected and writes nothing", async () => {
    const before = await allRows("routers");
    await expectCode(
      admin.mutation(api.agents.routers.create, { ...env, name: "R", slug: "r" }),
      "ROUTER_FALLBACK_REQUIRED",
    );
    expect(await allRows("routers")).toBe(before);
  });

  test("a duplicate agent slug is rejected and writes nothing", async () => {
    await createAgent("support");
    const before = await allRows("agents");
    await expectCode(createAgent("support"), "SLUG_TAKEN");
    expect(await allRows("agents")).toBe(before);
  });

  test("renaming an agent onto another agent's slug is rejected", async () => {
    await createAgent("support");
    const other = await createAgent("sales");
    await expectCode(
      admin.mutation(api.agents.definitions.update, { ...env, agentId: other, slug: "support" }),
      "SLUG_TAKEN",
    );
  });

  test("the same slug may exist in the other environment", async () => {
    await createAgent("support");
    await admin.mutation(api.whatsapp.connections.enable, { environment: "production" });
    await admin.mutation(api.agents.definitions.create, {
      environment: "production",
      name: "Support",
      slug: "support",
      systemPrompt: "Hi",
    });
    expect(
      await admin.query(api.agents.definitions.list, { environment: "production" }),
    ).toHaveLength(1);
  });

  test("a duplicate router slug is rejected and writes nothing", async () => {
    const agentId = await createAgent("support");
    await admin.mutation(api.agents.routers.create, {
      ...env,
      name: "R",
      slug: "r",
      fallbackAgentId: agentId,
    });
    const before = await allRows("routers");
    await expectCode(
      admin.mutation(api.agents.routers.create, {
        ...env,
        name: "R2",
        slug: "r",
        fallbackAgentId: agentId,
      }),
      "SLUG_TAKEN",
    );
    expect(await allRows("routers")).toBe(before);
  });

  test("a router naming an unknown agent in a rule is rejected", async () => {
    const agentId = await createAgent("support");
    const ghost = await createAgent("ghost");
    await admin.mutation(api.agents.definitions.remove, { ...env, agentId: ghost });
    await expectCode(
      admin.mutation(api.agents.routers.create, {
        ...env,
        name: "R",
        slug: "r",
        rules: [{ match: { kind: "keyword", keywords: ["hi"] }, agentId: ghost }],
        fallbackAgentId: agentId,
      }),
      "NOT_FOUND",
    );
  });

  test("a router rule with an invalid regular expression is rejected", async () => {
    const agentId = await createAgent("support");
    const error = await expectCode(
      admin.mutation(api.agents.routers.create, {
        ...env,
        name: "R",
        slug: "r",
        rules: [{ match: { kind: "regex", pattern: "(" }, agentId }],
        fallbackAgentId: agentId,
      }),
      "INVALID_ARGUMENT",
    );
    expect(error.data.message).toContain("Rule 1");
  });

  test("invalid agent settings are rejected with a message naming the field", async () => {
    const error = await expectCode(
      admin.mutation(api.agents.definitions.create, {
        ...env,
        name: "A",
        slug: "Not A Slug",
        systemPrompt: "x",
      }),
      "INVALID_ARGUMENT",
    );
    expect(error.data.message).toContain("Slug");
    await expectCode(
      admin.mutation(api.agents.definitions.create, {
        ...env,
        name: "A",
        slug: "a",
        systemPrompt: "x",
        temperature: 5,
      }),
      "INVALID_ARGUMENT",
    );
  });

  test("agents are created with sensible defaults and can be updated", async () => {
    const agentId = await createAgent("support");
    await admin.mutation(api.agents.definitions.update, { ...env, agentId, temperature: 0.9 });
    const agent = await admin.query(api.agents.definitions.get, { ...env, agentId });
    expect(agent).toMatchObject({ slug: "support", temperature: 0.9, maxSteps: 6 });
    expect(agent.tools).toContain("whatsapp.send");
  });
});

describe("webhook secret rotation", () => {
  async function connectedKapsoNumber(fetchImpl: (url: string, init: RequestInit) => Response) {
    vi.stubEnv("KAPSO_API_KEY", "kapso_test_key");
    vi.stubEnv("KAPSO_API_BASE_URL", "https://kapso.test");
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => fetchImpl(url, init));
    const connectionId = await admin.mutation(api.whatsapp.connections.setup, env);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    await t.mutation(internal.whatsapp.connections.markConnected, {
      kapsoCustomerId: "cust_1",
      providerPhoneNumberId: "PNID_9",
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    return connectionId;
  }

  function provider(patchStatus = 200) {
    const patches: { url: string; secret: string }[] = [];
    const impl = (url: string, init: RequestInit) => {
      if (init.method === "PATCH") {
        const body = JSON.parse(init.body as string) as {
          whatsapp_webhook: { secret_key: string };
        };
        patches.push({ url, secret: body.whatsapp_webhook.secret_key });
        return new Response(JSON.stringify({ data: { id: "wh_1" } }), { status: patchStatus });
      }
      const data = url.endsWith("/customers")
        ? { id: "cust_1" }
        : url.includes("/webhooks")
          ? { id: "wh_1" }
          : { url: "https://setup.kapso.test/x" };
      return new Response(JSON.stringify({ data }), { status: 201 });
    };
    return { patches, impl };
  }

  test("a rotated secret is pushed to the registered webhook; both secrets verify meanwhile", async () => {
    const { patches, impl } = provider();
    const connectionId = await connectedKapsoNumber(impl);
    const result = await admin.mutation(api.whatsapp.connections.rotateSecret, {
      ...env,
      connectionId,
    });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(result.activeSecrets).toBe(2);
    const newest = await t.run(async (ctx) =>
      (await ctx.db.get("whatsappConnections", connectionId))!.webhookSecrets.at(-1)!,
    );
    expect(patches).toEqual([
      { url: "https://kapso.test/platform/v1/whatsapp/webhooks/wh_1", secret: newest.secret },
    ]);
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection.setupError).toBeUndefined();
  });

  test("a failed push is shown on the connection", async () => {
    const { impl } = provider(502);
    const connectionId = await connectedKapsoNumber(impl);
    await admin.mutation(api.whatsapp.connections.rotateSecret, { ...env, connectionId });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const connection = await admin.query(api.whatsapp.connections.get, { ...env, connectionId });
    expect(connection.setupError).toContain("Pushing the new webhook secret failed");
  });
});
