// @vitest-environment node
/**
 * The CLI: every command calls the right public function with arguments built from its flags,
 * `--json` prints the stable `{ ok, command, data | error }` envelope, and against the local
 * runtime (real convex/ app, demo seed, a simulated inbound) the commands see real data.
 */
import { ConvexHttpClient } from "convex/browser";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, fakeCaller } from "./fixtures/cli";
import { httpCaller, type Caller } from "../scripts/cli/commands";
import { sinceOption } from "../scripts/cli/deliveries";
import { DEMO_CLAIMS, loadIssuer } from "../scripts/local/auth";
import { createEngine, type Engine } from "../scripts/local/engine";
import { startServer, type LocalServer } from "../scripts/local/server";
import { kapsoInboundBody, postInbound } from "../scripts/simulate";
import { makeFunctionReference } from "convex/server";

const env = { environment: "development" };
const status = {
  enabled: true,
  integrationStatus: "active",
  connections: [
    { _id: "c1", label: "Main", status: "connected", provider: "kapso", phoneNumber: "+1555" },
  ],
};

describe("WhatsApp and inbox commands call their functions with arguments from the flags", () => {
  test("whatsapp status reads whatsapp:getStatus and prints the envelope", async () => {
    const { caller, calls } = fakeCaller({ "whatsapp/connections:getStatus": status });
    const out = await cli(["whatsapp", "status", "--json"], caller);
    expect(calls).toEqual([{ kind: "query", path: "whatsapp/connections:getStatus", args: env }]);
    expect(out.json).toEqual({ ok: true, command: "whatsapp status", data: status });
  });

  test("whatsapp set-agent resolves the slug and assigns it to the only connected number", async () => {
    const { caller, calls } = fakeCaller({
      "agents/definitions:getBySlug": { _id: "a1" },
      "whatsapp/connections:getStatus": status,
      "whatsapp/connections:setAgent": null,
    });
    const out = await cli(["whatsapp", "set-agent", "--slug", "support", "--json"], caller);
    expect(calls.at(-1)).toEqual({
      kind: "mutation",
      path: "whatsapp/connections:setAgent",
      args: { ...env, connectionId: "c1", agentId: "a1", replaceRouter: true },
    });
    expect(out.json).toMatchObject({ ok: true, data: { connectionId: "c1", agentId: "a1" } });
  });

  test("whatsapp set-router resolves the router slug on the connection given", async () => {
    const { caller, calls } = fakeCaller({
      "agents/routers:list": [{ _id: "r1", slug: "front" }],
      "whatsapp/connections:setRouter": null,
    });
    await cli(["whatsapp", "set-router", "--slug", "front", "--connection", "c9"], caller);
    expect(calls.at(-1)).toEqual({
      kind: "mutation",
      path: "whatsapp/connections:setRouter",
      args: { ...env, connectionId: "c9", routerId: "r1", replaceAgent: true },
    });
  });

  test("an unknown slug fails with NOT_FOUND and exit code 1", async () => {
    const { caller } = fakeCaller({ "agents/definitions:getBySlug": null });
    const out = await cli(["whatsapp", "set-agent", "--slug", "nope", "--json"], caller);
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  test("threads list pages threads:list", async () => {
    const { caller, calls } = fakeCaller({
      "inbox/threads:list": { page: [{ _id: "t1" }], isDone: true, continueCursor: "" },
    });
    const out = await cli(["threads", "list", "--limit", "5", "--json"], caller);
    expect(calls[0]!.args).toEqual({ ...env, paginationOpts: { numItems: 5, cursor: null } });
    expect(out.json).toMatchObject({ data: [{ _id: "t1" }] });
  });

  test("messages list prints a thread's messages oldest first", async () => {
    const { caller, calls } = fakeCaller({
      "inbox/threads:messages": { page: [{ _id: "m2" }, { _id: "m1" }], isDone: true },
    });
    const out = await cli(["messages", "list", "--thread", "t1", "--json"], caller);
    expect(calls[0]).toMatchObject({ path: "inbox/threads:messages", args: { threadId: "t1" } });
    expect(out.json).toMatchObject({ data: [{ _id: "m1" }, { _id: "m2" }] });
  });

  test("messages list without --thread is a usage error", async () => {
    const out = await cli(["messages", "list", "--json"], fakeCaller({}).caller);
    expect(out.json).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });

  test("handoff take and release call threads:takeOver and threads:release", async () => {
    const { caller, calls } = fakeCaller({
      "inbox/threads:takeOver": true,
      "inbox/threads:release": true,
    });
    const take = await cli(["handoff", "take", "--thread", "t1", "--json"], caller);
    const release = await cli(["handoff", "release", "--thread", "t1", "--json"], caller);
    expect(calls.map((c) => [c.kind, c.path, c.args.threadId])).toEqual([
      ["mutation", "inbox/threads:takeOver", "t1"],
      ["mutation", "inbox/threads:release", "t1"],
    ]);
    expect(take.json).toMatchObject({ data: { owner: "human", changed: true } });
    expect(release.json).toMatchObject({ data: { owner: "ai", changed: true } });
  });

  test("handoff release passes the teammate's note on", async () => {
    const { caller, calls } = fakeCaller({ "inbox/threads:release": true });
    await cli(["handoff", "release", "--thread", "t1", "--summary", "Refund sent"], caller);
    expect(calls[0]!.args).toMatchObject({ threadId: "t1", summary: "Refund sent" });
  });
});

describe("template and delivery commands, and errors", () => {
  test("templates list, create and delete reach the templates module", async () => {
    const { caller, calls } = fakeCaller({
      "whatsapp/connections:getStatus": status,
      "whatsapp/templates:list": [],
      "whatsapp/templates:create": "tpl1",
      "whatsapp/templates:remove": null,
    });
    await cli(["templates", "list"], caller);
    const created = await cli(
      [
        "templates",
        "create",
        "--name",
        "order_update",
        "--language",
        "en_US",
        "--category",
        "UTILITY",
        "--components",
        '[{"type":"BODY","text":"Hi"}]',
        "--json",
      ],
      caller,
    );
    await cli(["templates", "delete", "tpl1"], caller);
    const byPath = Object.fromEntries(calls.map((c) => [c.path, c]));
    expect(byPath["whatsapp/templates:list"]!.args).toEqual({ ...env, connectionId: "c1" });
    expect(byPath["whatsapp/templates:create"]).toEqual({
      kind: "action",
      path: "whatsapp/templates:create",
      args: {
        ...env,
        connectionId: "c1",
        name: "order_update",
        language: "en_US",
        category: "UTILITY",
        components: [{ type: "BODY", text: "Hi" }],
      },
    });
    expect(created.json).toMatchObject({ ok: true, data: { templateId: "tpl1" } });
    expect(byPath["whatsapp/templates:remove"]).toEqual({
      kind: "action",
      path: "whatsapp/templates:remove",
      args: { ...env, templateId: "tpl1" },
    });
  });

  test("templates create passes --parameter-format in the backend's lowercase form only", async () => {
    const { caller, calls } = fakeCaller({ "whatsapp/templates:create": "tpl2" });
    const base = [
      "templates",
      "create",
      "--name",
      "n",
      "--language",
      "en_US",
      "--connection",
      "c1",
    ];
    const rest = ["--category", "UTILITY", "--components", "[]", "--json"];
    const upper = await cli([...base, ...rest, "--parameter-format", "NAMED"], caller);
    await cli([...base, ...rest, "--parameter-format", "named"], caller);
    expect(upper.json).toMatchObject({ ok: false, error: { code: "USAGE" } });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toMatchObject({ parameterFormat: "named" });
  });

  test("deliveries list --failed and deliveries replay", async () => {
    const { caller, calls } = fakeCaller({
      "whatsapp/deliveries:list": [],
      "whatsapp/deliveries:replay": { _id: "d1", replays: 1, failed: false },
    });
    await cli(["deliveries", "list", "--failed"], caller);
    const replay = await cli(["deliveries", "replay", "d1"], caller);
    expect(calls).toEqual([
      { kind: "query", path: "whatsapp/deliveries:list", args: { ...env, failedOnly: true } },
      { kind: "mutation", path: "whatsapp/deliveries:replay", args: { ...env, deliveryId: "d1" } },
    ]);
    expect(replay.text).toContain("d1 replayed");
  });

  test("deliveries replay-failed --since 24h asks the backend for a bulk replay from a day ago", async () => {
    const job = {
      _id: "j1",
      since: 0,
      until: 0,
      status: "running",
      batches: 0,
      progress: { found: 0, resolved: 0, stillFailed: 0, skipped: 0, errors: 0 },
      startedAt: 0,
      updatedAt: 0,
    };
    const { caller, calls } = fakeCaller({ "whatsapp/deliveryReplay:replayFailedSince": job });
    const before = Date.now();
    const out = await cli(["deliveries", "replay-failed", "--since", "24h"], caller);
    const since = calls[0]!.args.since as number;
    expect(since).toBeGreaterThanOrEqual(before - 86_400_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 86_400_000);
    expect(out.text).toContain("Replay j1 (running)");
  });

  test("--since takes an ISO date-time and refuses anything else", async () => {
    expect(sinceOption("2026-11-20T10:00:00Z")).toBe(Date.parse("2026-11-20T10:00:00Z"));
    expect(sinceOption("90m", 10_000_000)).toBe(10_000_000 - 90 * 60_000);
    expect(() => sinceOption("yesterday")).toThrow(/--since must be/);
    const out = await cli(
      ["deliveries", "replay-failed", "--since", "soon", "--json"],
      fakeCaller({}).caller,
    );
    expect(out.json).toMatchObject({ ok: false, error: { code: "USAGE" } });
  });

  test("a ConvexError from the backend keeps its code in the envelope", async () => {
    const error = Object.assign(new Error("x"), { data: { code: "FORBIDDEN", message: "no" } });
    const out = await cli(
      ["handoff", "take", "--thread", "t1", "--json"],
      fakeCaller({ "inbox/threads:takeOver": error }).caller,
    );
    expect(out.json).toEqual({
      ok: false,
      command: "handoff take",
      error: { code: "FORBIDDEN", message: "no" },
    });
  });

  test("an unknown command prints the usage and exits 2", async () => {
    const out = await cli(["nope"], fakeCaller({}).caller);
    expect(out.code).toBe(2);
    expect(out.text).toContain("whatsapp set-router --slug");
  });
});

const agents = [
  { _id: "a1", slug: "support", handoff: { fallbackReply: "Sorry", handoffOnFailure: true } },
  { _id: "a2", slug: "sales", handoff: { fallbackReply: "Sorry", handoffOnFailure: true } },
];

describe("admin commands: lists, and routers named by slug", () => {
  test("routers list and agents list print their list queries' results", async () => {
    const { caller, calls } = fakeCaller({
      "agents/routers:list": [{ _id: "r1", slug: "front" }],
      "agents/definitions:list": agents,
    });
    const routers = await cli(["routers", "list", "--json"], caller);
    const listed = await cli(["agents", "list", "--json"], caller);
    expect(calls.map((c) => [c.kind, c.path, c.args])).toEqual([
      ["query", "agents/routers:list", env],
      ["query", "agents/definitions:list", env],
    ]);
    expect(routers.json).toEqual({
      ok: true,
      command: "routers list",
      data: [{ _id: "r1", slug: "front" }],
    });
    expect(listed.json).toMatchObject({ ok: true, command: "agents list", data: agents });
  });

  test("routers create resolves the fallback and rule agents by slug", async () => {
    const { caller, calls } = fakeCaller({
      "agents/definitions:list": agents,
      "agents/routers:create": "r9",
    });
    const rules = '[{"match":{"kind":"keyword","keywords":["price"]},"agent":"sales"}]';
    const out = await cli(
      [
        "routers",
        "create",
        "--slug",
        "front",
        "--name",
        "Front",
        "--fallback",
        "support",
        "--rules",
        rules,
        "--mode",
        "rules",
        "--json",
      ],
      caller,
    );
    expect(calls.at(-1)).toEqual({
      kind: "mutation",
      path: "agents/routers:create",
      args: {
        ...env,
        name: "Front",
        slug: "front",
        mode: "rules",
        rules: [{ match: { kind: "keyword", keywords: ["price"] }, agentId: "a2" }],
        fallbackAgentId: "a1",
      },
    });
    expect(out.json).toEqual({
      ok: true,
      command: "routers create",
      data: { routerId: "r9", slug: "front" },
    });
  });

  test("routers create without --fallback is a usage error and calls nothing", async () => {
    const { caller, calls } = fakeCaller({});
    const out = await cli(
      ["routers", "create", "--slug", "front", "--name", "Front", "--json"],
      caller,
    );
    expect(out.code).toBe(2);
    expect(out.json).toMatchObject({
      ok: false,
      error: { code: "USAGE", message: expect.stringContaining("--fallback") },
    });
    expect(calls).toEqual([]);
  });

  test("routers update finds the router by slug and sends only the options given", async () => {
    const { caller, calls } = fakeCaller({
      "agents/routers:list": [{ _id: "r1", slug: "front" }],
      "agents/definitions:list": agents,
      "agents/routers:update": null,
    });
    const out = await cli(
      [
        "routers",
        "update",
        "front",
        "--mode",
        "classify",
        "--classifier-agents",
        "support,sales",
        "--json",
      ],
      caller,
    );
    expect(calls.at(-1)).toEqual({
      kind: "mutation",
      path: "agents/routers:update",
      args: { ...env, routerId: "r1", mode: "classify", classifierAgentIds: ["a1", "a2"] },
    });
    expect(out.json).toMatchObject({ ok: true, data: { routerId: "r1", slug: "front" } });
  });

  test("routers update with an unknown agent slug fails with NOT_FOUND", async () => {
    const { caller, calls } = fakeCaller({
      "agents/routers:list": [{ _id: "r1", slug: "front" }],
      "agents/definitions:list": agents,
    });
    const out = await cli(["routers", "update", "front", "--fallback", "nobody", "--json"], caller);
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(calls.map((c) => c.kind)).not.toContain("mutation");
  });
});

describe("agent commands and the default agent", () => {
  test("agents update turns options into the update mutation's fields", async () => {
    const { caller, calls } = fakeCaller({
      "agents/definitions:getBySlug": agents[0],
      "agents/definitions:update": null,
    });
    const out = await cli(
      [
        "agents",
        "update",
        "support",
        "--prompt",
        "Be brief.",
        "--model",
        "gpt-4o",
        "--temperature",
        "0.5",
        "--tools",
        "whatsapp.send,handoff.toHuman",
        "--handoff-on-failure",
        "false",
        "--json",
      ],
      caller,
    );
    expect(calls.at(-1)).toEqual({
      kind: "mutation",
      path: "agents/definitions:update",
      args: {
        ...env,
        agentId: "a1",
        systemPrompt: "Be brief.",
        model: "gpt-4o",
        temperature: 0.5,
        tools: ["whatsapp.send", "handoff.toHuman"],
        handoff: { fallbackReply: "Sorry", handoffOnFailure: false },
      },
    });
    expect(out.json).toMatchObject({ ok: true, data: { agentId: "a1", slug: "support" } });
  });

  test("agents update rejects an unknown tool and a non-numeric temperature before calling", async () => {
    const { caller, calls } = fakeCaller({ "agents/definitions:getBySlug": agents[0] });
    const tool = await cli(["agents", "update", "support", "--tools", "fly", "--json"], caller);
    const temp = await cli(
      ["agents", "update", "support", "--temperature", "hot", "--json"],
      caller,
    );
    expect([tool.code, temp.code]).toEqual([2, 2]);
    expect(tool.json).toMatchObject({
      error: { code: "USAGE", message: expect.stringContaining("fly") },
    });
    expect(temp.json).toMatchObject({
      error: { code: "USAGE", message: expect.stringContaining("--temperature") },
    });
    expect(calls.map((c) => c.kind)).not.toContain("mutation");
  });

  test("whatsapp set-default-agent sets the agent's id, and --none clears it", async () => {
    const { caller, calls } = fakeCaller({
      "agents/definitions:getBySlug": agents[1],
      "whatsapp/connections:setDefaultAgent": null,
    });
    const set = await cli(["whatsapp", "set-default-agent", "--slug", "sales", "--json"], caller);
    await cli(["whatsapp", "set-default-agent", "--none"], caller);
    expect(calls.filter((c) => c.kind === "mutation")).toEqual([
      {
        kind: "mutation",
        path: "whatsapp/connections:setDefaultAgent",
        args: { ...env, agentId: "a2" },
      },
      {
        kind: "mutation",
        path: "whatsapp/connections:setDefaultAgent",
        args: { ...env, agentId: null },
      },
    ]);
    expect(set.json).toEqual({
      ok: true,
      command: "whatsapp set-default-agent",
      data: { agentId: "a2", slug: "sales" },
    });
  });
});

describe("options are parsed strictly, per command", () => {
  test("--help prints the command's own options and exits 0 without calling anything", async () => {
    const { caller, calls } = fakeCaller({});
    const out = await cli(["routers", "create", "--help"], caller);
    expect(out.code).toBe(0);
    expect(out.text).toContain("Usage: npm run cli -- routers create");
    expect(out.text).toMatch(/--fallback <agent>\s+\(required\)/);
    expect(out.text).not.toContain("--thread");
    expect(calls).toEqual([]);
  });

  test("an unknown option is a usage error naming it, with exit code 2", async () => {
    const out = await cli(["threads", "list", "--limt", "5", "--json"], fakeCaller({}).caller);
    expect(out.code).toBe(2);
    expect(out.json).toMatchObject({
      ok: false,
      command: "threads list",
      error: { code: "USAGE", message: expect.stringContaining("--limt") },
    });
  });

  test("a value outside an option's choices is a usage error", async () => {
    const out = await cli(
      ["routers", "update", "front", "--mode", "random", "--json"],
      fakeCaller({}).caller,
    );
    expect(out.json).toMatchObject({
      ok: false,
      error: { code: "USAGE", message: expect.stringContaining("rules, classify") },
    });
  });

  test("--env selects the environment passed to every function", async () => {
    const { caller, calls } = fakeCaller({ "whatsapp/connections:getStatus": status });
    await cli(["whatsapp", "status", "--env", "production"], caller);
    expect(calls[0]!.args).toEqual({ environment: "production" });
  });
});

describe("against the local runtime with the real app", () => {
  const demo = {
    phoneNumber: "+15550100100",
    providerPhoneNumberId: "PNID_CLI_TEST",
    webhookSecret: "cli-test-secret",
  };
  let engine: Engine;
  let server: LocalServer;
  let caller: Caller;

  beforeAll(async () => {
    // Nothing may leave the machine: the provider and model hosts point at a closed port.
    process.env.KAPSO_API_BASE_URL = "http://127.0.0.1:9";
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
    engine = await createEngine({ root: path.join(import.meta.dirname, ".."), statePath: null });
    const issuer = await loadIssuer(null);
    server = await startServer({ engine, issuer, port: 0, sitePort: 0 });
    await engine.t.mutation(makeFunctionReference<"mutation">("demo:seed"), {
      clerkOrgId: DEMO_CLAIMS.org_id,
      orgName: DEMO_CLAIMS.org_name,
      userId: DEMO_CLAIMS.subject,
      ...demo,
    });
    const client = new ConvexHttpClient(server.url);
    client.setAuth(await issuer.sign(DEMO_CLAIMS));
    caller = httpCaller(client);
  });

  afterAll(async () => {
    await server.close();
    await engine.close();
  });

  test("whatsapp status shows the seeded demo number with its agent", async () => {
    const out = await cli(["whatsapp", "status", "--json"], caller);
    expect(out.json).toMatchObject({
      ok: true,
      data: {
        enabled: true,
        connections: [{ phoneNumber: demo.phoneNumber, status: "connected" }],
      },
    });
  });

  test("set-router then set-agent switch the number's handler", async () => {
    await cli(["whatsapp", "set-router", "--slug", "front-desk"], caller);
    const routed = (await cli(["whatsapp", "status", "--json"], caller)).json as {
      data: { connections: { routerId?: string; agentId?: string }[] };
    };
    expect(routed.data.connections[0]!.routerId).toBeDefined();
    expect(routed.data.connections[0]!.agentId).toBeUndefined();
    await cli(["whatsapp", "set-agent", "--slug", "support"], caller);
    const back = (await cli(["whatsapp", "status", "--json"], caller)).json as typeof routed;
    expect(back.data.connections[0]!.agentId).toBeDefined();
  });

  test("routers create and update store rules and classifier agents named by slug", async () => {
    const rules = '[{"match":{"kind":"keyword","keywords":["price"]},"agent":"sales"}]';
    const create = ["routers", "create", "--slug", "billing", "--name", "Billing"];
    const created = await cli(
      [...create, "--fallback", "support", "--rules", rules, "--json"],
      caller,
    );
    expect(created.json).toMatchObject({ ok: true, data: { slug: "billing" } });
    const update = ["routers", "update", "billing", "--mode", "classify"];
    const updated = await cli([...update, "--classifier-agents", "sales", "--json"], caller);
    expect(updated.json).toMatchObject({ ok: true });

    const agents = (await cli(["agents", "list", "--json"], caller)).json as {
      data: { _id: string; slug: string }[];
    };
    const id = (slug: string) => agents.data.find((a) => a.slug === slug)!._id;
    const routers = (await cli(["routers", "list", "--json"], caller)).json as {
      data: { slug: string }[];
    };
    expect(routers.data.find((r) => r.slug === "billing")).toMatchObject({
      mode: "classify",
      rules: [{ match: { kind: "keyword", keywords: ["price"] }, agentId: id("sales") }],
      classifierAgentIds: [id("sales")],
      fallbackAgentId: id("support"),
    });
  });

  test("agents update and set-default-agent change the stored agent and default", async () => {
    const update = ["agents", "update", "support", "--prompt", "Answer in one line."];
    const out = await cli(
      [...update, "--temperature", "0.1", "--tools", "whatsapp.send", "--json"],
      caller,
    );
    expect(out.json).toMatchObject({ ok: true });
    await cli(["whatsapp", "set-default-agent", "--slug", "sales"], caller);

    const agents = (await cli(["agents", "list", "--json"], caller)).json as {
      data: { _id: string; slug: string }[];
    };
    expect(agents.data.find((a) => a.slug === "support")).toMatchObject({
      systemPrompt: "Answer in one line.",
      temperature: 0.1,
      tools: ["whatsapp.send"],
    });
    const status = (await cli(["whatsapp", "status", "--json"], caller)).json as {
      data: { defaultAgentId?: string };
    };
    expect(status.data.defaultAgentId).toBe(agents.data.find((a) => a.slug === "sales")!._id);
  });

  test("a simulated inbound appears in threads, messages and deliveries; handoff toggles", async () => {
    const body = kapsoInboundBody({
      from: "+15551234567",
      name: "Sam",
      text: "Where is my order?",
      phoneNumberId: demo.providerPhoneNumberId,
    });
    const response = await postInbound(server.siteUrl, demo.webhookSecret, body);
    expect(response.status).toBe(200);

    const threads = (await cli(["threads", "list", "--json"], caller)).json as {
      data: { _id: string; channelParams: { phoneNumber: string } }[];
    };
    expect(threads.data.map((t) => t.channelParams.phoneNumber)).toEqual(["+15551234567"]);
    const threadId = threads.data[0]!._id;

    const messages = (await cli(["messages", "list", "--thread", threadId, "--json"], caller))
      .json as { data: { role: string; content: string }[] };
    expect(messages.data[0]).toMatchObject({ role: "user", content: "Where is my order?" });

    const take = await cli(["handoff", "take", "--thread", threadId, "--json"], caller);
    expect(take.json).toMatchObject({ ok: true, data: { changed: true } });
    const owned = (await cli(["threads", "list", "--json"], caller)).json as {
      data: { owner: string }[];
    };
    expect(owned.data[0]!.owner).toBe("human");
    await cli(["handoff", "release", "--thread", threadId], caller);
    const released = (await cli(["threads", "list", "--json"], caller)).json as typeof owned;
    expect(released.data[0]!.owner).toBe("ai");

    const deliveries = (await cli(["deliveries", "list", "--json"], caller)).json as {
      data: { verdict: string }[];
    };
    expect(deliveries.data.map((d) => d.verdict)).toContain("accepted");
  });
});
