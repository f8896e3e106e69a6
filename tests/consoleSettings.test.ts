/**
 * The console's settings gaps: the agent editor's HTTP tool test call (sent like a turn's,
 * secrets never returned, refused addresses refused), Settings' "Send test" of a hook (a test
 * delivery through the real queue, admins only, one at a time), tenant limits with their current
 * use, and the allow-list of other recipients.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { chargeModelTokens, reserveTurnSlot } from "../convex/agents/tenantLimits";
import { TEST_CALL_BODY_CHARS } from "../convex/agents/httpToolTest";
import { MAX_ALLOWED_RECIPIENTS } from "../convex/agents/recipientRules";
import { expectCode } from "./fixtures/errors";
import { identity, newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const SECRET = "sk-live-4f9a8b7c";
const START = new Date("2026-06-01T09:00:00Z").getTime();

let t: TestConvex;
let tenant: Awaited<ReturnType<typeof provisionTenant>>;
const member = () => t.withIdentity(identity("org_a", "member", "user_2"));

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  t = newTest();
  tenant = await provisionTenant(t, "org_a");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const orderSchema = JSON.stringify({
  type: "object",
  properties: { orderId: { type: "string" } },
  required: ["orderId"],
});

async function agentWithTool(url = "https://shop.example.com/orders", method = "POST") {
  return await tenant.admin.mutation(api.agents.definitions.create, {
    ...env,
    name: "Orders",
    slug: "orders",
    systemPrompt: "You look up orders.",
    httpTools: [
      {
        name: "order_status",
        description: "Looks up an order",
        url,
        method: method as "GET" | "POST",
        parameters: orderSchema,
        headers: [{ name: "X-Api-Key", value: SECRET }],
      },
    ],
  });
}

type Sent = { url: string; init: RequestInit };

function answer(respond: (url: string) => Response): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return respond(url);
  });
  return sent;
}

function testCall(agentId: Id<"agents">, args: string, caller = tenant.admin) {
  return caller.action(api.agents.httpToolTest.testCall, {
    ...env,
    agentId,
    toolName: "order_status",
    arguments: args,
  });
}

describe("an HTTP tool's test call", () => {
  test("sends the sample arguments like a turn and returns status, type and body without the secret", async () => {
    const agentId = await agentWithTool();
    const sent = answer(() => Response.json({ status: "shipped", echoedKey: SECRET }));
    const result = await testCall(agentId, '{"orderId": "A-1"}');
    expect(result).toMatchObject({ ok: true, status: 200, truncated: false });
    expect(result.contentType).toContain("application/json");
    expect(JSON.parse(result.body)).toEqual({ status: "shipped", echoedKey: "[redacted]" });
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(new Headers(sent[0]!.init.headers).get("X-Api-Key")).toBe(SECRET);
    expect(JSON.parse(sent[0]!.init.body as string)).toMatchObject({
      arguments: { orderId: "A-1" },
      context: { channel: "whatsapp" },
    });
  });

  test("a GET call keeps the URL's own parameters and names the arguments it left out", async () => {
    const agentId = await agentWithTool("https://shop.example.com/orders?shop=acme", "GET");
    const sent = answer(() => Response.json({}));
    await t.run(async (ctx) => {
      const agent = (await ctx.db.get("agents", agentId))!;
      const parameters = JSON.stringify({
        type: "object",
        properties: { orderId: { type: "string" }, shop: { type: "string" } },
      });
      await ctx.db.patch("agents", agentId, {
        httpTools: agent.httpTools!.map((tool) => ({ ...tool, parameters })),
      });
    });
    const result = await testCall(agentId, '{"orderId": "A-1", "shop": "globex"}');
    expect(result.ignoredArguments).toEqual(["shop"]);
    const url = new URL(sent[0]!.url);
    expect(url.searchParams.getAll("shop")).toEqual(["acme"]);
    expect(url.searchParams.get("orderId")).toBe("A-1");
    expect(url.searchParams.get("context.contactName")).toBe("Alex Sample");
  });

  test("cuts a long body to what the console shows and says so", async () => {
    const agentId = await agentWithTool();
    answer(() => new Response("x".repeat(TEST_CALL_BODY_CHARS + 100)));
    const result = await testCall(agentId, '{"orderId": "A-1"}');
    expect(result.body).toHaveLength(TEST_CALL_BODY_CHARS);
    expect(result.truncated).toBe(true);
  });

  test("a redirect to the metadata address is refused, and nothing is sent there", async () => {
    const agentId = await agentWithTool();
    const sent = answer(
      () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
    );
    const error = await expectCode(testCall(agentId, '{"orderId": "A-1"}'), "INVALID_ARGUMENT");
    expect(error.data.message).toContain("not allowed");
    expect(sent.map((s) => s.url)).toEqual(["https://shop.example.com/orders"]);
  });

  test("a tool stored with a private address is refused before any call", async () => {
    const agentId = await agentWithTool();
    await t.run(async (ctx) => {
      const agent = (await ctx.db.get("agents", agentId))!;
      await ctx.db.patch("agents", agentId, {
        httpTools: agent.httpTools!.map((tool) => ({ ...tool, url: "https://10.0.0.7/orders" })),
      });
    });
    const sent = answer(() => Response.json({}));
    await expectCode(testCall(agentId, '{"orderId": "A-1"}'), "INVALID_ARGUMENT");
    expect(sent).toEqual([]);
  });

  test("arguments that are not JSON, or do not match the schema, are refused", async () => {
    const agentId = await agentWithTool();
    const sent = answer(() => Response.json({}));
    await expectCode(testCall(agentId, "{orderId: A-1"), "INVALID_ARGUMENT");
    const error = await expectCode(testCall(agentId, '{"order": 1}'), "INVALID_ARGUMENT");
    expect(error.data.message).toContain("orderId");
    expect(sent).toEqual([]);
  });

  test("a tool that is not saved is refused", async () => {
    const agentId = await agentWithTool();
    const error = await expectCode(
      tenant.admin.action(api.agents.httpToolTest.testCall, {
        ...env,
        agentId,
        toolName: "not_saved_yet",
        arguments: "{}",
      }),
      "NOT_FOUND",
    );
    expect(error.data.message).toContain("save the agent");
  });

  test("members cannot make test calls", async () => {
    const agentId = await agentWithTool();
    const sent = answer(() => Response.json({}));
    await expectCode(testCall(agentId, '{"orderId": "A-1"}', member()), "FORBIDDEN");
    expect(sent).toEqual([]);
  });
});

async function setHttpHook() {
  await tenant.admin.mutation(api.inbox.handoff.updateSettings, {
    ...env,
    httpHook: { url: "https://hooks.example.com/switchboard", secret: "hook-secret" },
  });
}

async function deliveries() {
  return await t.run((ctx) => ctx.db.query("hookDeliveries").collect());
}

describe("a hook's send test", () => {
  test("delivers a sample event marked test through the hook queue", async () => {
    await setHttpHook();
    const sent = answer(() => new Response("ok"));
    await tenant.admin.mutation(api.inbox.hooks.sendTest, { ...env, hook: "http" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const [row] = await deliveries();
    expect(row).toMatchObject({ hook: "http", event: "test", state: "delivered", attempts: 1 });
    const body = JSON.parse(sent[0]!.init.body as string) as Record<string, unknown>;
    expect(body).toMatchObject({ event: "test", test: true, customer: { name: "Alex Sample" } });
    const headers = new Headers(sent[0]!.init.headers);
    expect(headers.get("X-Switchboard-Event")).toBe("test");
    expect(headers.get("X-Switchboard-Signature")).toMatch(/^sha256=/);
  });

  test("a failing test is reported once, not retried", async () => {
    await setHttpHook();
    const sent = answer(() => new Response("nope", { status: 500 }));
    await tenant.admin.mutation(api.inbox.hooks.sendTest, { ...env, hook: "http" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const [row] = await deliveries();
    expect(row).toMatchObject({ state: "failed", attempts: 1 });
    expect(row!.lastError).toContain("HTTP 500");
    expect(sent).toHaveLength(1);
  });

  test("a second test of the same hook is refused while the first is pending", async () => {
    await setHttpHook();
    await tenant.admin.mutation(api.inbox.hooks.sendTest, { ...env, hook: "http" });
    await expectCode(
      tenant.admin.mutation(api.inbox.hooks.sendTest, { ...env, hook: "http" }),
      "RATE_LIMITED",
    );
    expect(await deliveries()).toHaveLength(1);
  });

  test("a hook that is not set cannot be tested", async () => {
    await expectCode(
      tenant.admin.mutation(api.inbox.hooks.sendTest, { ...env, hook: "crm" }),
      "INVALID_ARGUMENT",
    );
  });

  test("members cannot send tests", async () => {
    await setHttpHook();
    await expectCode(
      member().mutation(api.inbox.hooks.sendTest, { ...env, hook: "http" }),
      "FORBIDDEN",
    );
    expect(await deliveries()).toEqual([]);
  });
});

describe("tenant limits with their current use", () => {
  const tenantRef = () => ({ organizationId: tenant.organizationId, environment: env.environment });

  async function usage() {
    const rows = await tenant.admin.query(api.agents.tenantLimits.usage, env);
    return Object.fromEntries(rows.map((r) => [r.limit, r]));
  }

  beforeEach(() => {
    vi.stubEnv("TENANT_TURN_BURST", "20");
    vi.stubEnv("TENANT_TURNS_PER_MINUTE", "60");
    vi.stubEnv("TENANT_MODEL_TOKENS_PER_MINUTE", "10000");
  });

  test("a tenant that ran nothing uses nothing of either limit", async () => {
    const now = await usage();
    expect(now.turns).toMatchObject({ capacity: 20, refillPerMinute: 60, used: 0 });
    expect(now.modelTokens).toMatchObject({ capacity: 10_000, used: 0 });
  });

  test("turns taken and tokens charged show as used, and refill with time", async () => {
    await t.run(async (ctx) => {
      for (let i = 0; i < 3; i++) await reserveTurnSlot(ctx, tenantRef());
      await chargeModelTokens(ctx, tenantRef(), 2_500);
    });
    const now = await usage();
    expect(now.turns!.used).toBe(3);
    expect(now.modelTokens!.used).toBe(2_500);
    vi.setSystemTime(START + 2_000);
    const later = await usage();
    expect(later.turns!.used).toBe(1);
  });

  test("members may read the limits", async () => {
    const rows = await member().query(api.agents.tenantLimits.usage, env);
    expect(rows.map((r) => r.limit)).toEqual(["turns", "modelTokens"]);
  });
});

describe("the allow-list of other recipients", () => {
  test(`more than ${MAX_ALLOWED_RECIPIENTS} numbers are refused`, async () => {
    const agentId = await agentWithTool();
    const numbers = Array.from(
      { length: MAX_ALLOWED_RECIPIENTS + 1 },
      (_, i) => `+1555000${1000 + i}`,
    );
    await expectCode(
      tenant.admin.mutation(api.agents.recipients.setAllowed, {
        ...env,
        agentId,
        phoneNumbers: numbers,
      }),
      "INVALID_ARGUMENT",
    );
  });

  test("members cannot change it", async () => {
    const agentId = await agentWithTool();
    await expectCode(
      member().mutation(api.agents.recipients.setAllowed, {
        ...env,
        agentId,
        phoneNumbers: ["+15550001000"],
      }),
      "FORBIDDEN",
    );
  });
});
