/**
 * The agent side of human handoff: the single-number handoff story end to end (handoff tool, AI
 * silent while a human owns the thread, human replies sent, release, the next day's prompt
 * carries the human's resolution), tenant escalation keywords checked before the model,
 * repeated-failure handoff, agent-to-agent handoff, and the follow-up and lead tools.
 */
import { isRoutingJob } from "./fixtures/webhooks";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import {
  customerWrites,
  numberWithAgent,
  routeNow,
  runsOfThread,
  threadMessages,
  type Number,
  SUPPORT_LINE,
} from "./fixtures/metaInbound";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const DAY = 24 * 60 * 60 * 1000;
const CUSTOMER = "15557771234";
const GRAPH = "http://graph.test";

let t: TestConvex;
let model: StandInModel;
let graphCalls: { url: string; body: Record<string, unknown> }[];
let a: Awaited<ReturnType<typeof provisionTenant>>;
let support: Number & { agentId: Awaited<ReturnType<typeof numberWithAgent>>["agentId"] };

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  vi.stubEnv("META_GRAPH_BASE_URL", GRAPH);
  graphCalls = [];
  model = useStandInModel(async (request) => {
    if (!request.url.startsWith(GRAPH)) throw new Error(`unexpected fetch to ${request.url}`);
    graphCalls.push({
      url: request.url,
      body: (await request.json()) as Record<string, unknown>,
    });
    return Response.json({
      messaging_product: "whatsapp",
      contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }],
      messages: [{ id: `wamid.OUT${graphCalls.length}` }],
    });
  });
  t = newTest();
  a = await provisionTenant(t, "org_a");
  support = await numberWithAgent(a.admin, SUPPORT_LINE);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function sendOf(messageId: string) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("outboundSends").collect()).find((s) => s.messageId === messageId),
  );
}

describe("a conversation passed from the AI to a person and back", () => {
  test("handoff on request, silence while the human owns it, human replies delivered, release, and the next day's prompt holds the human's resolution", async () => {
    // 1. The AI answers the first message.
    let thread = await customerWrites(t, support, CUSTOMER, "Hi, my order #ORD-22 hasn't arrived");
    await routeNow(t, thread._id);
    expect((await runsOfThread(t, thread._id)).map((r) => r.outcome)).toEqual(["replied"]);

    // 2. The customer asks for a person: the model calls handoff.toHuman with a summary.
    const summary = "2nd missing-order issue, ORD-22 marked delivered. Customer wants human.";
    model.script(
      {
        toolCalls: [{ name: "handoff_toHuman", arguments: { reason: "customer_asked", summary } }],
      },
      { content: "Of course, connecting you with a teammate now." },
    );
    vi.setSystemTime(Date.now() + 60_000);
    thread = await customerWrites(
      t,
      support,
      CUSTOMER,
      "I never got it. This is the second time. I want to talk to a person.",
    );
    await routeNow(t, thread._id);
    thread = (await t.run((ctx) => ctx.db.get("threads", thread._id)))!;
    expect(thread.owner).toBe("human");
    expect(thread.handoffSummary).toBe(summary);
    const history = await a.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: thread._id,
    });
    expect(history.map((h) => [h.to, h.reason, h.summary])).toEqual([
      ["human", "customer_asked", summary],
    ]);
    const requestsAtHandoff = model.requests.length;

    // 3. Three more inbound messages: stored, and the AI stays silent (no model call, no reply).
    for (const text of ["...", "Hello?", "Is anyone there?"]) {
      vi.setSystemTime(Date.now() + 30_000);
      thread = await customerWrites(t, support, CUSTOMER, text);
      await routeNow(t, thread._id);
    }
    expect(model.requests).toHaveLength(requestsAtHandoff);
    let messages = await threadMessages(t, thread._id);
    expect(messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual([
      "Hi, my order #ORD-22 hasn't arrived",
      "I never got it. This is the second time. I want to talk to a person.",
      "...",
      "Hello?",
      "Is anyone there?",
    ]);
    expect(messages.filter((m) => m.role === "assistant")).toHaveLength(2);
    const silent = (await runsOfThread(t, thread._id)).slice(2);
    expect(silent.map((r) => r.outcome)).toEqual(["silent", "silent", "silent"]);

    // 4. The human replies from the dashboard: stored as `human` and sent to the customer.
    const resolution =
      "Hi Anish, I see ORD-22 was marked delivered to 12 Oak. I'm reissuing #ORD-22-R immediately, free shipping, you'll have it in 2 days.";
    vi.setSystemTime(Date.now() + 60_000);
    const humanMessageId = await a.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId: thread._id,
      text: resolution,
    });
    const send = await sendOf(humanMessageId);
    await t.action(internal.whatsapp.provider.sendOutbound, { sendId: send!._id });
    const delivered = await t.run((ctx) => ctx.db.get("messages", humanMessageId));
    expect(delivered!.role).toBe("human");
    expect(delivered!.connectionId).toBe(support.connectionId);
    expect((await sendOf(humanMessageId))!.state).toBe("sent");
    const toCustomer = graphCalls.find(
      (c) => (c.body.text as { body?: string } | undefined)?.body === resolution,
    );
    expect(toCustomer?.url).toContain("/PNID_SUPPORT/messages");
    expect(toCustomer?.body.to).toBe(`+${CUSTOMER}`);

    vi.setSystemTime(Date.now() + 30_000);
    thread = await customerWrites(t, support, CUSTOMER, "Thank you.");
    await routeNow(t, thread._id);
    expect(model.requests).toHaveLength(requestsAtHandoff);

    // 5. The human releases the thread.
    await a.admin.mutation(api.inbox.threads.release, { ...env, threadId: thread._id });

    // 6. Next day: the AI answers, with the human's turns and the handoff summary in context.
    vi.setSystemTime(Date.now() + DAY);
    thread = await customerWrites(t, support, CUSTOMER, "Hey, did the reissue ship?");
    await routeNow(t, thread._id);
    expect(model.requests).toHaveLength(requestsAtHandoff + 1);
    const prompt = model.requests.at(-1)!;
    const system = model.systemPrompt();
    expect(system).toContain(`Summary written when it was handed to them: ${summary}`);
    expect(system).toContain("do not ask the customer again");
    expect(prompt.messages).toContainEqual({
      role: "assistant",
      content: `[Human teammate] ${resolution}`,
    });
    expect(prompt.messages.at(-1)).toEqual({
      role: "user",
      content: "Hey, did the reissue ship?",
    });
    messages = await threadMessages(t, thread._id);
    expect(messages.at(-1)!.role).toBe("assistant");
    expect((await runsOfThread(t, thread._id)).at(-1)!.outcome).toBe("replied");
  });
});

describe("escalation keywords", () => {
  test("a Portuguese keyword of tenant A hands off before any model call; tenant B's agent answers the same words", async () => {
    await a.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      escalationKeywords: ["falar com um atendente", "reclamação"],
    });
    const b = await provisionTenant(t, "org_b");
    await b.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      escalationKeywords: ["speak to a manager"],
    });
    const bNumber = await numberWithAgent(b.admin, {
      phoneNumberId: "PNID_B",
      label: "B line",
      phoneNumber: "+15550003333",
      agent: { name: "B agent", slug: "helper", systemPrompt: "You help." },
    });
    const words = "Quero FALAR com um atendente agora!";

    const threadA = await customerWrites(t, support, CUSTOMER, words);
    await routeNow(t, threadA._id);
    expect(model.requests).toHaveLength(0);
    const [runA] = await runsOfThread(t, threadA._id);
    expect(runA!.outcome).toBe("handed_off");
    expect(runA!.note).toContain('"falar com um atendente"');
    const afterA = await t.run((ctx) => ctx.db.get("threads", threadA._id));
    expect(afterA!.owner).toBe("human");
    const [event] = await a.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: threadA._id,
    });
    expect(event!.reason).toBe("escalation_keyword");
    expect(event!.summary).toContain('"falar com um atendente"');
    expect((await threadMessages(t, threadA._id)).filter((m) => m.role !== "user")).toEqual([]);

    const threadB = await customerWrites(t, bNumber, CUSTOMER, words);
    await routeNow(t, threadB._id);
    expect(model.requests).toHaveLength(1);
    expect((await runsOfThread(t, threadB._id))[0]!.outcome).toBe("replied");
    expect((await t.run((ctx) => ctx.db.get("threads", threadB._id)))!.owner).toBe("ai");
  });

  test("the tenant's acknowledgement tells the customer a person is coming, with no model call", async () => {
    await a.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      escalationKeywords: ["falar com um atendente"],
      escalationAcknowledgement: "Um atendente vai responder em breve.",
    });
    const thread = await customerWrites(t, support, CUSTOMER, "Quero falar com um atendente");
    await routeNow(t, thread._id);
    expect(model.requests).toHaveLength(0);
    const replies = (await threadMessages(t, thread._id)).filter((m) => m.role !== "user");
    expect(replies.map((m) => [m.role, m.content])).toEqual([
      ["assistant", "Um atendente vai responder em breve."],
    ]);
    expect((await t.run((ctx) => ctx.db.get("threads", thread._id)))!.owner).toBe("human");
  });

  test("keywords match whole words only, regardless of accents and case", async () => {
    await a.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      escalationKeywords: ["reclamação"],
    });
    const thread = await customerWrites(t, support, CUSTOMER, "As reclamações de ontem?");
    await routeNow(t, thread._id);
    expect((await runsOfThread(t, thread._id))[0]!.outcome).toBe("replied");
    const again = await customerWrites(t, support, CUSTOMER, "Tenho uma RECLAMACAO");
    await routeNow(t, again._id);
    expect((await runsOfThread(t, again._id)).at(-1)!.outcome).toBe("handed_off");
  });
});

describe("repeated failure", () => {
  async function failOnce(text: string) {
    model.failNext("500", 3);
    const thread = await customerWrites(t, support, CUSTOMER, text);
    await routeNow(t, thread._id);
    vi.setSystemTime(Date.now() + 60_000);
    return (await t.run((ctx) => ctx.db.get("threads", thread._id)))!;
  }

  beforeEach(async () => {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoff: { fallbackReply: "One moment please.", handoffOnFailure: false },
    });
  });

  test("the tenant's maxConsecutiveFallbacks-th fallback in a row hands off even without handoffOnFailure", async () => {
    await a.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      maxConsecutiveFallbacks: 3,
    });
    expect((await failOnce("one")).owner).toBe("ai");
    expect((await failOnce("two")).owner).toBe("ai");
    const thread = await failOnce("three");
    expect(thread.owner).toBe("human");
    const [event] = await a.admin.query(api.inbox.handoff.history, {
      ...env,
      threadId: thread._id,
    });
    expect(event!.reason).toBe("repeated_failure");
    expect(event!.summary).toContain("3 times in a row");
    const runs = await runsOfThread(t, thread._id);
    expect(runs.map((r) => [r.outcome, r.usedFallback])).toEqual([
      ["failed", true],
      ["failed", true],
      ["handed_off", true],
    ]);
  });

  test("an answered turn in between resets the count", async () => {
    await failOnce("one");
    const thread = await customerWrites(t, support, CUSTOMER, "hello again");
    await routeNow(t, thread._id);
    vi.setSystemTime(Date.now() + 60_000);
    expect((await failOnce("two")).owner).toBe("ai");
    expect((await failOnce("three")).owner).toBe("human");
  });
});

describe("agent-to-agent handoff", () => {
  test("passes the thread to another agent of the tenant, which answers with the note and keeps the thread", async () => {
    const sales = await a.admin.mutation(api.agents.definitions.create, {
      ...env,
      name: "Sales",
      slug: "sales",
      systemPrompt: "You are the sales agent.",
    });
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoffAgentIds: [sales],
    });
    const note = "Existing customer, wants to upgrade to Pro; already verified their email.";
    model.script({ toolCalls: [{ name: "agents_handoff", arguments: { agent: "sales", note } }] });
    let thread = await customerWrites(t, support, CUSTOMER, "I'd like to upgrade my plan");
    await routeNow(t, thread._id);
    let runs = await runsOfThread(t, thread._id);
    expect(runs.map((r) => r.outcome)).toEqual(["passed_on"]);
    thread = (await t.run((ctx) => ctx.db.get("threads", thread._id)))!;
    expect(thread.currentAgentId).toBe(sales);
    expect(thread.agentHandoff?.note).toBe(note);
    expect(thread.agentHandoff?.fromAgentId).toBe(support.agentId);

    // The handover job (scheduled at once) lets the sales agent answer the same message.
    const job = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).find(
        (j) =>
          isRoutingJob(j) && (j.args[0] as { handoverFrom?: string }).handoverFrom === runs[0]!._id,
      ),
    );
    expect(job).toBeDefined();
    await t.action(internal.agents.turn.run, job!.args[0] as never);
    runs = await runsOfThread(t, thread._id);
    expect(runs[1]!.agentId).toBe(sales);
    expect(runs[1]!.outcome).toBe("replied");
    expect(runs[1]!.triggerMessageIds).toEqual(runs[0]!.triggerMessageIds);
    expect(model.systemPrompt()).toContain("You are the sales agent.");
    expect(model.systemPrompt()).toContain(`with this note: ${note}`);

    // Routing keeps the sales agent for the next message, though the number's agent is support.
    await customerWrites(t, support, CUSTOMER, "How much is it?");
    await routeNow(t, thread._id);
    expect((await runsOfThread(t, thread._id)).at(-1)!.agentId).toBe(sales);
  });

  test("another tenant's agent slug is not reachable and nothing changes", async () => {
    const b = await provisionTenant(t, "org_b");
    await b.admin.mutation(api.agents.definitions.create, {
      ...env,
      name: "B VIP",
      slug: "vip",
      systemPrompt: "x",
    });
    model.script(
      { toolCalls: [{ name: "agents_handoff", arguments: { agent: "vip", note: "VIP" } }] },
      { content: "Let me help you myself." },
    );
    const thread = await customerWrites(t, support, CUSTOMER, "I am a VIP");
    await routeNow(t, thread._id);
    const [run] = await runsOfThread(t, thread._id);
    expect(run!.outcome).toBe("replied");
    expect(run!.toolCalls[0]!.ok).toBe(false);
    expect(run!.toolCalls[0]!.result).toContain('no agent \\"vip\\"');
    const after = await t.run((ctx) => ctx.db.get("threads", thread._id));
    expect(after!.currentAgentId).toBe(support.agentId);
    expect(after!.agentHandoff).toBeUndefined();
  });
});

describe("follow-up and lead tools", () => {
  test("followUps.schedule schedules on this thread with the chosen template", async () => {
    model.script(
      {
        toolCalls: [
          {
            name: "followUps_schedule",
            arguments: {
              delayMinutes: 24 * 60,
              text: "How did the appointment go?",
              template: { name: "appointment_check", language: "en_US" },
            },
          },
        ],
      },
      { content: "I'll check in tomorrow." },
    );
    const thread = await customerWrites(t, support, CUSTOMER, "My appointment is today");
    await routeNow(t, thread._id);
    const followUps = await t.run((ctx) => ctx.db.query("followUps").collect());
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({
      threadId: thread._id,
      dueAt: Date.now() + DAY,
      text: "How did the appointment go?",
      template: { name: "appointment_check", language: "en_US" },
      cancelOnReply: true,
      createdBy: { kind: "agent", agentId: support.agentId },
    });
  });

  test("followUps.schedule refuses a thread id the model adds", async () => {
    model.script(
      {
        toolCalls: [
          {
            name: "followUps_schedule",
            arguments: { delayMinutes: 5, text: "x", threadId: "somebody_else" },
          },
        ],
      },
      { content: "ok" },
    );
    const thread = await customerWrites(t, support, CUSTOMER, "remind me");
    await routeNow(t, thread._id);
    const [run] = await runsOfThread(t, thread._id);
    expect(run!.toolCalls[0]!.ok).toBe(false);
    expect(await t.run((ctx) => ctx.db.query("followUps").collect())).toEqual([]);
  });

  test("lead.qualify queues the structured summary for the tenant's CRM hook", async () => {
    await a.admin.mutation(api.inbox.handoff.updateSettings, {
      ...env,
      crmHook: { url: "https://crm.test/leads", secret: "crm-secret" },
    });
    model.script(
      {
        toolCalls: [
          {
            name: "lead_qualify",
            arguments: {
              summary: "Wants Pro for a team of 5",
              fields: { plan: "Pro", seats: "5" },
            },
          },
        ],
      },
      { content: "Great, our team will be in touch." },
    );
    const thread = await customerWrites(t, support, CUSTOMER, "We need Pro for 5 people");
    await routeNow(t, thread._id);
    const hooks = await t.run((ctx) => ctx.db.query("hookDeliveries").collect());
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.hook).toBe("crm");
    expect(hooks[0]!.payload).toMatchObject({
      event: "lead.qualified",
      threadId: thread._id,
      customer: { phoneNumber: `+${CUSTOMER}` },
      agentId: support.agentId,
      summary: "Wants Pro for a team of 5",
      fields: { plan: "Pro", seats: "5" },
    });
  });
});
