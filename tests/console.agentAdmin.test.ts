/**
 * Agent administration in the console: duplicate under a new slug (secrets copied on the
 * server), where an agent is in use (what delete refuses on), and the prompt preview for a
 * sample customer or a real thread.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { expectCode } from "./fixtures/errors";
import { seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };

let t: TestConvex;
let world: World;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-10T12:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("duplicate", () => {
  test("copies the agent under a new slug, HTTP tool secrets included, without returning them", async () => {
    await world.orgA.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: world.ids.agentId,
      knowledge: [{ title: "Hours", format: "text", content: "9 to 5" }],
      httpTools: [
        {
          name: "crm_lookup",
          description: "Look up the customer",
          url: "https://crm.example/lookup",
          method: "GET",
          parameters: '{"type":"object","properties":{}}',
          headers: [{ name: "Authorization", value: "Bearer SECRET-123" }],
        },
      ],
    });
    const copyId = await world.orgA.admin.mutation(api.console.agentAdmin.duplicate, {
      ...env,
      agentId: world.ids.agentId,
      slug: "support-v2",
    });
    const copy = await world.orgA.admin.query(api.agents.definitions.get, {
      ...env,
      agentId: copyId,
    });
    expect(copy).toMatchObject({
      name: "Support (copy)",
      slug: "support-v2",
      systemPrompt: "You help {{threadContext.params.contactName}}.",
      knowledge: [{ title: "Hours", format: "text", content: "9 to 5" }],
    });
    expect(JSON.stringify(copy)).not.toContain("SECRET-123");
    const stored = await t.run(async (ctx) => ctx.db.get("agents", copyId));
    expect(stored?.httpTools?.[0]?.secretHeaders).toEqual([
      { name: "Authorization", value: "Bearer SECRET-123" },
    ]);
  });

  test("a slug already taken is refused", async () => {
    await expectCode(
      world.orgA.admin.mutation(api.console.agentAdmin.duplicate, {
        ...env,
        agentId: world.ids.agentId,
        slug: "sales",
      }),
      "SLUG_TAKEN",
    );
  });
});

describe("usage", () => {
  test("names every number, router (and how it uses the agent) and the environment default", async () => {
    await world.orgA.admin.mutation(api.whatsapp.connections.setDefaultAgent, {
      ...env,
      agentId: world.ids.agentId,
    });
    const usage = await world.orgA.member.query(api.console.agentAdmin.usage, {
      ...env,
      agentId: world.ids.agentId,
    });
    expect(usage).toEqual({
      inUse: true,
      connections: [
        {
          connectionId: world.ids.metaConnectionId,
          label: "Support line",
          phoneNumber: "+15550001111",
        },
      ],
      routers: [
        {
          routerId: world.ids.routerId,
          slug: "front-desk",
          name: "Front desk",
          asFallback: true,
          inRules: [],
          asClassifierChoice: false,
        },
      ],
      environmentDefault: true,
    });
  });

  test("an agent only a router rule names is in use by that rule; delete agrees", async () => {
    const usage = await world.orgA.member.query(api.console.agentAdmin.usage, {
      ...env,
      agentId: world.ids.salesAgentId,
    });
    expect(usage.routers.map((r) => [r.slug, r.inRules])).toEqual([["front-desk", [1]]]);
    const refused = await expectCode(
      world.orgA.admin.mutation(api.agents.definitions.remove, {
        ...env,
        agentId: world.ids.salesAgentId,
      }),
      "IN_USE",
    );
    expect(refused.data.message).toContain('router "front-desk"');
  });

  test("the refusal to delete names the number first when a number and a router use the agent", async () => {
    const refused = await expectCode(
      world.orgA.admin.mutation(api.agents.definitions.remove, {
        ...env,
        agentId: world.ids.agentId,
      }),
      "IN_USE",
    );
    expect(refused.data.message).toBe(
      'This agent is still used by connection "Support line"; reassign it first.',
    );
  });

  test("a copy nobody uses can be deleted", async () => {
    const copyId = await world.orgA.admin.mutation(api.console.agentAdmin.duplicate, {
      ...env,
      agentId: world.ids.salesAgentId,
      slug: "sales-2",
    });
    const usage = await world.orgA.member.query(api.console.agentAdmin.usage, {
      ...env,
      agentId: copyId,
    });
    expect(usage.inUse).toBe(false);
  });
});

describe("prompt preview", () => {
  test("renders the template being edited for a sample customer, listing each variable", async () => {
    await world.orgA.admin.mutation(api.whatsapp.connections.update, {
      ...env,
      connectionId: world.ids.metaConnectionId,
      persona: "Warm and brief",
    });
    const preview = await world.orgA.member.query(api.console.promptPreview.render, {
      ...env,
      agentId: world.ids.agentId,
      systemPrompt: "Hi {{threadContext.params.contactName}} on {{connection.label}}. {{nope}}",
      sample: { contactName: "Dana" },
      connectionId: world.ids.metaConnectionId,
    });
    expect(preview.rendered).toBe("Hi Dana on Support line. [missing: nope]");
    expect(preview.missing).toEqual(["nope"]);
    expect(preview.variables.find((x) => x.path === "connection.persona")?.value).toBe(
      "Warm and brief",
    );
    expect(preview.system).toContain("## Persona\nWarm and brief");
    expect(preview.historyMessages).toBe(0);
  });

  test("for a real thread it uses the thread's customer and its messages", async () => {
    const preview = await world.orgA.member.query(api.console.promptPreview.render, {
      ...env,
      agentId: world.ids.agentId,
      threadId: world.ids.threadId,
    });
    expect(preview.source).toBe("thread");
    expect(preview.rendered).toBe("You help Dana.");
    expect(preview.historyMessages).toBe(1);
  });

  test("another organization's thread is not found", async () => {
    await expectCode(
      world.orgB.admin.query(api.console.promptPreview.render, {
        ...env,
        systemPrompt: "x",
        threadId: world.ids.threadId,
      }),
      "NOT_FOUND",
    );
  });
});
