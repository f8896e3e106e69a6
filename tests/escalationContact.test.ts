/**
 * What a handoff tells beyond the inbox: the tenant's escalation contact gets a WhatsApp message
 * from the customer's number (text inside their own 24-hour window, the approved template
 * outside it) with the customer, the summary and a dashboard link; and the handoff summary goes
 * into the customer's memory, so another number of the memory pool knows it.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
import {
  customerWrites,
  numberWithAgent,
  routeNow,
  type Number,
  SUPPORT_LINE,
} from "./fixtures/metaInbound";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const CUSTOMER = "15557771234";
const TEAMMATE = "15559990000";
const GRAPH = "http://graph.test";
const DASHBOARD = "https://dash.example.test";
const DAY = 24 * 60 * 60 * 1000;

let t: TestConvex;
let model: StandInModel;
let graphCalls: { url: string; body: Record<string, unknown> }[];
let a: Awaited<ReturnType<typeof provisionTenant>>;
let support: Awaited<ReturnType<typeof numberWithAgent>>;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  vi.stubEnv("META_GRAPH_BASE_URL", GRAPH);
  vi.stubEnv("SWITCHBOARD_DASHBOARD_URL", DASHBOARD);
  graphCalls = [];
  model = useStandInModel(async (request) => {
    if (!request.url.startsWith(GRAPH)) throw new Error(`unexpected fetch to ${request.url}`);
    graphCalls.push({ url: request.url, body: (await request.json()) as Record<string, unknown> });
    return Response.json({
      messaging_product: "whatsapp",
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

/** The customer asks for a person (the stand-in model hands off); returns the thread. */
async function customerAsksForAPerson(number: Number = support) {
  vi.setSystemTime(Date.now() + 60_000);
  const thread = await customerWrites(t, number, CUSTOMER, "I want to talk to a person");
  await routeNow(t, thread._id);
  return (await t.run((ctx) => ctx.db.get("threads", thread._id)))!;
}

async function sendsTo(phoneNumber: string) {
  return await t.run(async (ctx) =>
    (await ctx.db.query("outboundSends").collect()).filter((s) => s.recipient === phoneNumber),
  );
}

async function lastEvent(threadId: Id<"threads">) {
  const [event] = await a.admin.query(api.inbox.handoff.history, { ...env, threadId });
  return event!;
}

async function addTemplate(body: string, parameterFormat: "positional" | "named") {
  await t.run(async (ctx) => {
    await ctx.db.insert("templates", {
      organizationId: a.organizationId,
      environment: "development",
      connectionId: support.connectionId,
      businessAccountId: "waba_PNID_SUPPORT",
      name: "needs_a_person",
      language: "en_US",
      category: "UTILITY",
      parameterFormat,
      status: "APPROVED",
      components: [{ type: "BODY", text: body }],
      updatedAt: Date.now(),
    });
  });
}

async function setContact(template = true) {
  await a.admin.mutation(api.inbox.handoffSignals.update, {
    ...env,
    escalationContact: {
      phoneNumber: `+${TEAMMATE}`,
      name: "Maria (on call)",
      ...(template ? { template: { name: "needs_a_person", language: "en_US" } } : {}),
    },
  });
}

describe("escalation contact", () => {
  test("inside their 24-hour window the contact gets a text with the customer, summary and link, through the provider", async () => {
    await setContact(false);
    const own = await customerWrites(t, support, TEAMMATE, "On call today");
    const thread = await customerAsksForAPerson();
    expect(thread.owner).toBe("human");

    const [send] = await sendsTo(`+${TEAMMATE}`);
    expect(send!.threadId).toBe(own._id);
    expect(send!.content.kind).toBe("text");
    const text = (send!.content as { text: string }).text;
    expect(text).toContain(`Anish (+${CUSTOMER}) needs a person on Support line.`);
    expect(text).toContain("The customer asked for a person. Customer asked for a person");
    expect(text).toContain(`${DASHBOARD}/development/inbox/${thread._id}`);
    expect((await lastEvent(thread._id)).escalationNotice).toEqual({
      phoneNumber: `+${TEAMMATE}`,
      as: "text",
      messageId: send!.messageId,
    });

    await t.action(internal.whatsapp.provider.sendOutbound, { sendId: send!._id });
    const delivered = graphCalls.find((c) => c.body.to === `+${TEAMMATE}`);
    expect(delivered?.url).toContain("/PNID_SUPPORT/messages");
    expect((delivered?.body.text as { body: string }).body).toBe(text);
  });

  test("outside their window the contact gets the approved template, on a thread the AI does not answer", async () => {
    await addTemplate("{{1}} needs a person: {{2}} Open {{3}}", "positional");
    await setContact();
    const thread = await customerAsksForAPerson();

    const [send] = await sendsTo(`+${TEAMMATE}`);
    expect(send!.content).toEqual({
      kind: "template",
      name: "needs_a_person",
      language: "en_US",
      parameters: {
        body: [
          `Anish (+${CUSTOMER})`,
          "The customer asked for a person. Customer asked for a person",
          `${DASHBOARD}/development/inbox/${thread._id}`,
        ],
      },
    });
    expect((await lastEvent(thread._id)).escalationNotice).toMatchObject({ as: "template" });
    const teammateThread = await t.run((ctx) => ctx.db.get("threads", send!.threadId));
    expect(teammateThread!.owner).toBe("human");
    expect(teammateThread!.channelParams.phoneNumber).toBe(`+${TEAMMATE}`);
  });

  test("a named template gets customer, summary and link by name", async () => {
    await addTemplate("{{customer}} needs a person ({{summary}}): {{link}}", "named");
    await setContact();
    vi.setSystemTime(Date.now() + 2 * DAY);
    const thread = await customerAsksForAPerson();
    const [send] = await sendsTo(`+${TEAMMATE}`);
    expect(send!.content).toMatchObject({
      parameters: {
        body: {
          customer: `Anish (+${CUSTOMER})`,
          summary: "The customer asked for a person. Customer asked for a person",
          link: `${DASHBOARD}/development/inbox/${thread._id}`,
        },
      },
    });
  });

  test("without a window or a template nothing is sent, the handoff stands and the history says why", async () => {
    await setContact(false);
    const thread = await customerAsksForAPerson();
    expect(thread.owner).toBe("human");
    expect(await sendsTo(`+${TEAMMATE}`)).toEqual([]);
    expect((await lastEvent(thread._id)).escalationNotice).toEqual({
      phoneNumber: `+${TEAMMATE}`,
      error:
        "Their 24-hour window with this number is closed and no escalation template is configured.",
    });
  });

  test("a template not on the number is recorded as the reason, without blocking the handoff", async () => {
    await setContact();
    const thread = await customerAsksForAPerson();
    expect(thread.owner).toBe("human");
    expect((await lastEvent(thread._id)).escalationNotice!.error).toMatch(/No template/);
    const contacts = await t.run((ctx) => ctx.db.query("contacts").collect());
    expect(contacts.map((c) => c.phoneNumber)).toEqual([`+${CUSTOMER}`]);
  });

  test("a teammate taking a thread over by hand alerts nobody", async () => {
    await setContact(false);
    await customerWrites(t, support, TEAMMATE, "On call today");
    const thread = await customerWrites(t, support, CUSTOMER, "Hello");
    await a.admin.mutation(api.inbox.threads.takeOver, { ...env, threadId: thread._id });
    expect(await sendsTo(`+${TEAMMATE}`)).toEqual([]);
    expect((await lastEvent(thread._id)).escalationNotice).toBeUndefined();
  });

  test("the contact's number is validated and can be removed", async () => {
    await expectCode(
      a.admin.mutation(api.inbox.handoffSignals.update, {
        ...env,
        escalationContact: { phoneNumber: "call Maria" },
      }),
      "INVALID_ARGUMENT",
    );
    await a.admin.mutation(api.inbox.handoffSignals.update, {
      ...env,
      escalationContact: { phoneNumber: "+55 (11) 99999-0000" },
    });
    expect((await a.admin.query(api.inbox.handoffSignals.get, env)).escalationContact).toEqual({
      phoneNumber: "+5511999990000",
    });
    await a.admin.mutation(api.inbox.handoffSignals.update, { ...env, escalationContact: null });
    expect(
      (await a.admin.query(api.inbox.handoffSignals.get, env)).escalationContact,
    ).toBeUndefined();
  });
});

describe("the handoff summary in the customer's memory", () => {
  test("is stored on the customer and another number of the memory pool sees it", async () => {
    const memoryPoolId = await a.admin.mutation(api.customers.memoryPools.create, {
      ...env,
      name: "Acme",
    });
    await a.admin.mutation(api.whatsapp.connections.update, {
      ...env,
      connectionId: support.connectionId,
      memoryPoolId,
    });
    const sales = await numberWithAgent(a.admin, {
      phoneNumberId: "PNID_SALES",
      label: "Sales line",
      phoneNumber: "+15550003333",
      agent: { name: "Sales", slug: "sales", systemPrompt: "You sell." },
      memoryPoolId,
    });
    const thread = await customerAsksForAPerson();
    const memories = await t.run(async (ctx) =>
      (await ctx.db.query("memories").collect()).filter((m) => m.contactId === thread.contactId),
    );
    expect(memories.map((m) => [m.kind, m.content, m.sourceConnectionId])).toEqual([
      [
        "summary",
        "Handed to a person on 2026-05-14 (the customer asked for a person): Customer asked for a person",
        support.connectionId,
      ],
    ]);

    vi.setSystemTime(Date.now() + DAY);
    const other = await customerWrites(t, sales, CUSTOMER, "Hi, about my order");
    await routeNow(t, other._id);
    expect(model.systemPrompt()).toContain(
      "- Handed to a person on 2026-05-14 (the customer asked for a person): Customer asked for a person (learned via Support line (+15550002222))",
    );
  });
});
