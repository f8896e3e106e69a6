/**
 * Tenancy and auth, tried against every public function: a member of organization B cannot
 * read or change organization A's rows, production cannot see development, members cannot
 * change connections, anonymous callers get UNAUTHENTICATED, and no public query or mutation
 * returns a secret. A new public function without a case here fails the first test.
 */
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { identity, newTest, type TestConvex } from "./setup";
import { expectCode } from "./fixtures/errors";
import { SECRETS, seedWorld, type World } from "./fixtures/world";
import { publicFunctions, callPublic, type Kind } from "./fixtures/publicFunctions";

type Ids = World["ids"];
type Case = { args: (ids: Ids) => Record<string, unknown>; admin?: boolean; noTenant?: boolean };

/**
 * Args for each public function, naming organization A's development rows. `admin` marks the
 * functions only admins may call; `noTenant` the identity-level functions without environment.
 */
const CASES: Record<string, Case> = {
  "organizations:ensure": { args: () => ({}), noTenant: true },
  "organizations:whoami": { args: () => ({}), noTenant: true },
  "outbound/sends:sendHumanReply": {
    args: (ids) => ({ threadId: ids.threadId, text: "Hijacked" }),
  },
  "outbound/sends:sendTemplate": {
    args: (ids) => ({
      threadId: ids.threadId,
      name: "order_update",
      language: "en_US",
      parameters: { body: ["X"] },
    }),
  },
  "outbound/sends:getDelivery": { args: (ids) => ({ messageId: ids.messageId }) },
  "whatsapp/templates:list": { args: (ids) => ({ connectionId: ids.metaConnectionId }) },
  "whatsapp/templates:get": { args: (ids) => ({ templateId: ids.templateId }) },
  "whatsapp/templates:create": {
    args: (ids) => ({
      connectionId: ids.metaConnectionId,
      name: "intruder",
      language: "en_US",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hello there" }],
    }),
    admin: true,
  },
  "whatsapp/templates:remove": { args: (ids) => ({ templateId: ids.templateId }), admin: true },
  "whatsapp/templates:sync": { args: (ids) => ({ connectionId: ids.metaConnectionId }) },
  "agents/definitions:list": { args: () => ({}) },
  "agents/runs:list": { args: (ids) => ({ threadId: ids.threadId }) },
  "agents/definitions:get": { args: (ids) => ({ agentId: ids.agentId }) },
  "agents/definitions:getBySlug": { args: () => ({ slug: "support" }) },
  "agents/definitions:create": {
    // The agents it may pass threads to must be the caller's own: organization A's is refused.
    args: (ids) => ({
      name: "Intruder",
      slug: "intruder",
      systemPrompt: "x",
      handoffAgentIds: [ids.salesAgentId],
    }),
    admin: true,
  },
  "agents/definitions:update": {
    args: (ids) => ({
      agentId: ids.agentId,
      name: "Hijacked",
      handoffAgentIds: [ids.salesAgentId],
    }),
    admin: true,
  },
  "agents/definitions:remove": { args: (ids) => ({ agentId: ids.salesAgentId }), admin: true },
  "agents/routers:list": { args: () => ({}) },
  "agents/routers:get": { args: (ids) => ({ routerId: ids.routerId }) },
  "agents/routers:create": {
    args: (ids) => ({ name: "R", slug: "intruder-router", fallbackAgentId: ids.agentId }),
    admin: true,
  },
  "agents/routers:update": {
    args: (ids) => ({ routerId: ids.routerId, name: "Hijacked" }),
    admin: true,
  },
  "agents/routers:remove": { args: (ids) => ({ routerId: ids.routerId }), admin: true },
  "whatsapp/connections:enable": { args: () => ({}), admin: true },
  "whatsapp/connections:disable": { args: () => ({}), admin: true },
  "whatsapp/connections:setup": {
    args: (ids) => ({ connectionId: ids.kapsoConnectionId }),
    admin: true,
  },
  "whatsapp/connections:connectMeta": {
    args: () => ({
      label: "x",
      phoneNumber: "+15550002222",
      phoneNumberId: "PNID_A_META",
      appId: "a",
      appSecret: "s",
      businessAccountId: "w",
      accessToken: "t",
    }),
    admin: true,
  },
  "whatsapp/connections:updateMetaAccessToken": {
    args: (ids) => ({ connectionId: ids.metaConnectionId, accessToken: "stolen" }),
    admin: true,
  },
  "whatsapp/connections:setAgent": {
    args: (ids) => ({ connectionId: ids.metaConnectionId, agentId: ids.salesAgentId }),
    admin: true,
  },
  "whatsapp/connections:setRouter": {
    args: (ids) => ({
      connectionId: ids.metaConnectionId,
      routerId: ids.routerId,
      replaceAgent: true,
    }),
    admin: true,
  },
  "whatsapp/connections:clearHandler": {
    args: (ids) => ({ connectionId: ids.metaConnectionId }),
    admin: true,
  },
  "whatsapp/connections:setDefaultAgent": {
    args: (ids) => ({ agentId: ids.agentId }),
    admin: true,
  },
  "whatsapp/connections:update": {
    args: (ids) => ({ connectionId: ids.metaConnectionId, label: "Hijacked" }),
    admin: true,
  },
  "whatsapp/connections:disconnect": {
    args: (ids) => ({ connectionId: ids.metaConnectionId }),
    admin: true,
  },
  "whatsapp/connections:getStatus": { args: () => ({}) },
  // Inbox (convex/inbox/threads.ts)
  "inbox/threads:list": { args: () => ({ paginationOpts: { numItems: 20, cursor: null } }) },
  "inbox/threads:get": { args: (ids) => ({ threadId: ids.threadId }) },
  "inbox/threads:messages": {
    args: (ids) => ({ threadId: ids.threadId, paginationOpts: { numItems: 20, cursor: null } }),
  },
  "inbox/threads:takeOver": { args: (ids) => ({ threadId: ids.threadId }) },
  // Stored media (convex/media/store.ts)
  "media/store:fileUrl": { args: (ids) => ({ messageId: ids.messageId }) },
  "inbox/threads:release": { args: (ids) => ({ threadId: ids.threadId }) },
  "inbox/threads:markSeen": { args: (ids) => ({ threadId: ids.threadId }) },
  // Handoff, hooks and memory pools (convex/inbox/handoff.ts, inbox/hooks.ts, customers/memoryPools.ts)
  "inbox/handoff:history": { args: (ids) => ({ threadId: ids.threadId }) },
  "inbox/handoff:notifications": { args: () => ({}) },
  "inbox/handoff:markNotificationRead": { args: (ids) => ({ notificationId: ids.notificationId }) },
  "inbox/handoff:getSettings": { args: () => ({}) },
  "inbox/handoff:updateSettings": {
    args: () => ({ escalationKeywords: ["hijack"], slackWebhookUrl: "https://evil.example" }),
    admin: true,
  },
  "inbox/hooks:list": { args: () => ({}) },
  "inbox/hooks:sendTest": { args: () => ({ hook: "slack" }), admin: true },
  // Handoff signals and business profile (convex/inbox/handoffSignals.ts, business/profile.ts)
  "inbox/handoffSignals:get": { args: () => ({}) },
  "inbox/handoffSignals:update": {
    args: () => ({
      frustration: { enabled: true },
      escalationContact: { phoneNumber: "+15550000001" },
    }),
    admin: true,
  },
  "business/profile:get": { args: () => ({}) },
  "business/profile:update": { args: () => ({ name: "Hijacked" }), admin: true },
  "agents/recipients:setAllowed": {
    args: (ids) => ({ agentId: ids.agentId, phoneNumbers: ["+15550000001"] }),
    admin: true,
  },
  "agents/httpToolTest:testCall": {
    args: (ids) => ({ agentId: ids.agentId, toolName: "lookup", arguments: "{}" }),
    admin: true,
  },
  "agents/tenantLimits:usage": { args: () => ({}) },
  "inbox/followUps:schedule": {
    args: (ids) => ({ threadId: ids.threadId, dueAt: Date.now() + 3_600_000, text: "Hi" }),
  },
  "inbox/followUps:list": { args: (ids) => ({ threadId: ids.threadId }) },
  "inbox/followUps:cancel": { args: (ids) => ({ followUpId: ids.followUpId }) },
  "customers/memoryPools:list": { args: () => ({}) },
  "customers/memoryPools:create": { args: () => ({ name: "Intruder pool" }), admin: true },
  "customers/memoryPools:remove": {
    args: (ids) => ({ memoryPoolId: ids.memoryPoolId }),
    admin: true,
  },
  "whatsapp/connections:get": { args: (ids) => ({ connectionId: ids.metaConnectionId }) },
  // Inbound (convex/whatsapp/deliveries.ts, whatsapp/webhooks.ts)
  "whatsapp/deliveries:list": { args: () => ({ failedOnly: true }) },
  "whatsapp/deliveries:signatureFailures": { args: () => ({}) },
  "whatsapp/deliveries:replay": { args: (ids) => ({ deliveryId: ids.deliveryId }), admin: true },
  "whatsapp/deliveries:get": { args: (ids) => ({ deliveryId: ids.deliveryId }) },
  "whatsapp/deliveryReplay:replayFailedSince": { args: () => ({ since: 0 }), admin: true },
  "whatsapp/deliveryReplay:latest": { args: () => ({}) },
  "whatsapp/connections:rotateSecret": {
    args: (ids) => ({ connectionId: ids.kapsoConnectionId }),
    admin: true,
  },
  // Operator console (convex/console/)
  "console/analytics:conversations": {
    args: (ids) => ({ days: 7, connectionId: ids.metaConnectionId }),
  },
  "console/analytics:usage": { args: (ids) => ({ days: 7, connectionId: ids.metaConnectionId }) },
  "console/routerPreview:test": {
    args: (ids) => ({
      mode: "rules",
      rules: [{ match: { kind: "keyword", keywords: ["price"] }, agentId: ids.salesAgentId }],
      fallbackAgentId: ids.agentId,
      text: "price",
    }),
  },
  "console/agentAdmin:usage": { args: (ids) => ({ agentId: ids.agentId }) },
  "console/agentAdmin:duplicate": {
    args: (ids) => ({ agentId: ids.agentId, slug: "intruder-copy" }),
    admin: true,
  },
  "console/promptPreview:render": {
    args: (ids) => ({ agentId: ids.agentId, threadId: ids.threadId }),
  },
  "console/playground:start": { args: (ids) => ({ agentId: ids.agentId }), admin: true },
  "console/playground:sessions": { args: (ids) => ({ agentId: ids.agentId }) },
  "console/playground:messages": { args: (ids) => ({ sessionId: ids.playgroundSessionId }) },
  "console/playground:send": {
    args: (ids) => ({ sessionId: ids.playgroundSessionId, text: "Hijacked" }),
    admin: true,
  },
  "console/playground:remove": {
    args: (ids) => ({ sessionId: ids.playgroundSessionId }),
    admin: true,
  },
  "console/metaOnboarding:get": { args: (ids) => ({ connectionId: ids.metaConnectionId }) },
  "console/metaOnboarding:revealVerifyToken": {
    args: (ids) => ({ connectionId: ids.metaConnectionId }),
    admin: true,
  },
  "console/metaOnboarding:checkHandshake": {
    args: (ids) => ({ connectionId: ids.metaConnectionId }),
    admin: true,
  },
};

/** Every row of organization A, as JSON, to prove that a call changed nothing of it. */
async function dumpOrgA(t: TestConvex, world: World) {
  return await t.run(async (ctx) => {
    const org = world.a.organizationId;
    const tables = [
      "threads",
      "messages",
      "contacts",
      "integrationConfigs",
      "whatsappConnections",
      "agents",
      "routers",
      "memoryPools",
      "notifications",
      "handoffEvents",
      "followUps",
      "playgroundSessions",
      "playgroundMessages",
      "businessProfiles",
    ] as const;
    const out: Record<string, unknown[]> = {};
    for (const table of tables) {
      const rows = await ctx.db.query(table).collect();
      out[table] = rows.filter((r) => r.organizationId === org);
    }
    return JSON.stringify(out);
  });
}

function mentionsAny(value: unknown, needles: string[]) {
  const json = JSON.stringify(value ?? null);
  return needles.filter((n) => json.includes(n));
}

let t: TestConvex;
let world: World;
let covered: [string, Kind][];
let tenantFunctions: [string, Kind][];

beforeEach(async () => {
  vi.useFakeTimers();
  t = newTest();
  world = await seedWorld(t);
  // Functions without a case fail the first test; the others are exercised here.
  covered = (await publicFunctions()).filter(([path]) => path in CASES);
  tenantFunctions = covered.filter(([path]) => !CASES[path]!.noTenant);
});

afterEach(() => {
  vi.useRealTimers();
});

test("every public function has a tenancy case", async () => {
  const paths = (await publicFunctions()).map(([path]) => path).sort();
  expect(paths.filter((p) => !(p in CASES))).toEqual([]);
  expect(Object.keys(CASES).filter((p) => !paths.includes(p))).toEqual([]);
});

describe("a member of organization B", () => {
  test("cannot read or change any row of organization A through any public function", async () => {
    const idsOfA = Object.values(world.ids) as string[];
    for (const [path, kind] of tenantFunctions) {
      const before = await dumpOrgA(t, world);
      const args = { environment: "development", ...CASES[path]!.args(world.ids) };
      let result: unknown;
      try {
        result = await callPublic(world.orgB.admin, kind, path, args);
      } catch (error) {
        expect(error, path).toBeInstanceOf(ConvexError);
        result = undefined;
      }
      expect(mentionsAny(result, idsOfA), `${path} returned organization A's ids`).toEqual([]);
      expect(await dumpOrgA(t, world), `${path} changed organization A's rows`).toBe(before);
    }
  });

  test("gets NOT_FOUND, not a different error, for organization A's ids", async () => {
    await expectCode(
      world.orgB.admin.query(api.agents.definitions.get, {
        environment: "development",
        agentId: world.ids.agentId,
      }),
      "NOT_FOUND",
    );
    await expectCode(
      world.orgB.admin.mutation(api.whatsapp.connections.disconnect, {
        environment: "development",
        connectionId: world.ids.metaConnectionId,
      }),
      "NOT_FOUND",
    );
  });
});

test("development rows are invisible and unchangeable from production", async () => {
  const idsOfA = Object.values(world.ids) as string[];
  for (const [path, kind] of tenantFunctions) {
    const before = await dumpOrgA(t, world);
    const args = { ...CASES[path]!.args(world.ids), environment: "production" };
    let result: unknown;
    try {
      result = await callPublic(world.orgA.admin, kind, path, args);
    } catch (error) {
      expect(error, path).toBeInstanceOf(ConvexError);
    }
    expect(mentionsAny(result, idsOfA), `${path} leaked development rows`).toEqual([]);
    // Production calls may create production rows, but must leave development rows alone.
    const after = JSON.parse(await dumpOrgA(t, world)) as Record<string, { environment: string }[]>;
    const devOnly = (dump: Record<string, { environment: string }[]>) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(dump).map(([k, rows]) => [
            k,
            rows.filter((r) => r.environment === "development"),
          ]),
        ),
      );
    expect(devOnly(after), path).toBe(devOnly(JSON.parse(before)));
  }
});

test("a non-admin member cannot change connections, agents or routers", async () => {
  const adminOnly = tenantFunctions.filter(([path]) => CASES[path]!.admin);
  expect(adminOnly.length).toBeGreaterThan(10);
  for (const [path, kind] of adminOnly) {
    const before = await dumpOrgA(t, world);
    const args = { environment: "development", ...CASES[path]!.args(world.ids) };
    await expectCode(callPublic(world.orgA.member, kind, path, args), "FORBIDDEN");
    expect(await dumpOrgA(t, world), path).toBe(before);
  }
});

describe("environments", () => {
  const productionMember = (permissions: unknown) =>
    t.withIdentity({
      ...identity("org_a", "member", "user_3"),
      org_permissions: permissions,
    } as never);

  test("a member without the production permission gets FORBIDDEN from every function in production", async () => {
    for (const [path, kind] of tenantFunctions) {
      const before = await dumpOrgA(t, world);
      const args = { ...CASES[path]!.args(world.ids), environment: "production" };
      await expectCode(callPublic(world.orgA.member, kind, path, args), "FORBIDDEN");
      expect(await dumpOrgA(t, world), path).toBe(before);
    }
  });

  test("the same member still works in development", async () => {
    const status = await world.orgA.member.query(api.whatsapp.connections.getStatus, {
      environment: "development",
    });
    expect(status.enabled).toBe(true);
  });

  test.each([["org:production:manage"], "org:inbox:read,org:production:manage"])(
    "a member with the production permission (%s) works in production, admin-only functions excepted",
    async (permissions) => {
      const member = productionMember(permissions);
      const status = await member.query(api.whatsapp.connections.getStatus, {
        environment: "production",
      });
      expect(status.enabled).toBe(true);
      await expectCode(
        member.mutation(api.agents.definitions.create, {
          environment: "production",
          name: "X",
          slug: "x",
          systemPrompt: "x",
        }),
        "FORBIDDEN",
      );
    },
  );

  test("admins act in production without the permission", async () => {
    const status = await world.orgA.admin.query(api.whatsapp.connections.getStatus, {
      environment: "production",
    });
    expect(status.enabled).toBe(true);
  });

  test("whoami lists the environments the caller may act in", async () => {
    const who = (caller: { query: typeof world.orgA.admin.query }) =>
      caller.query(api.organizations.whoami, {});
    expect((await who(world.orgA.admin)).environments).toEqual(["development", "production"]);
    expect((await who(world.orgA.member)).environments).toEqual(["development"]);
    expect((await who(productionMember(["org:production:manage"]))).environments).toEqual([
      "development",
      "production",
    ]);
  });
});

test("a member can read what admins configured", async () => {
  const status = await world.orgA.member.query(api.whatsapp.connections.getStatus, {
    environment: "development",
  });
  expect(status.connections.map((c) => c.label).sort()).toEqual(["Sales line", "Support line"]);
});

test("an unauthenticated caller gets UNAUTHENTICATED from every public function", async () => {
  for (const [path, kind] of covered) {
    const args = { ...CASES[path]!.args(world.ids) };
    if (!CASES[path]!.noTenant) args.environment = "development";
    const error = await expectCode(callPublic(t, kind, path, args), "UNAUTHENTICATED");
    expect(error.data.message.length, path).toBeGreaterThan(0);
  }
});

test("a session without an organization gets NO_ORGANIZATION", async () => {
  const orgless = t.withIdentity({ subject: "user_9" });
  await expectCode(
    orgless.query(api.whatsapp.connections.getStatus, { environment: "development" }),
    "NO_ORGANIZATION",
  );
});

test("an organization that was never provisioned gets ORGANIZATION_NOT_PROVISIONED", async () => {
  const stranger = t.withIdentity(identity("org_new"));
  await expectCode(
    stranger.query(api.agents.definitions.list, { environment: "development" }),
    "ORGANIZATION_NOT_PROVISIONED",
  );
});

test("no public function returns webhook secrets, app secrets, access or verify tokens", async () => {
  const storedSecrets = await t.run(async (ctx) =>
    (await ctx.db.query("whatsappConnections").collect()).flatMap((c) =>
      c.webhookSecrets.map((s) => s.secret),
    ),
  );
  expect(storedSecrets.length).toBeGreaterThan(0);
  const needles = [...Object.values(SECRETS), ...storedSecrets];
  const forbiddenKeys = [
    "webhookSecrets",
    "metaCredentials",
    "appSecret",
    "accessToken",
    "verifyToken",
    "secret",
  ];
  const queries = covered.filter(([, kind]) => kind === "query");
  expect(queries.length).toBeGreaterThan(5);
  for (const [path, kind] of queries) {
    const args = { ...CASES[path]!.args(world.ids) };
    if (!CASES[path]!.noTenant) args.environment = "development";
    const result = await callPublic(world.orgA.admin, kind, path, args);
    expect(mentionsAny(result, needles), path).toEqual([]);
    walk(result, (key) => expect(forbiddenKeys, `${path} returned key ${key}`).not.toContain(key));
  }
});

function walk(value: unknown, onKey: (key: string) => void) {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, onKey);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      onKey(key);
      walk(item, onKey);
    }
  }
}
