/**
 * Handoff signals beyond an explicit request: turns the model judges unresolved (counted per
 * agent, through the stand-in model's own `conversation.assess` call), and frustration — the
 * tenant's deterministic signal before any model call and the model's `frustration` reason —
 * each visible in the handoff history with what triggered it.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import { DEFAULT_FRUSTRATION, detectFrustration } from "../convex/inbox/frustration";
import type { FrustrationSettings } from "../convex/lib/validators";
import type { StandInModel } from "../scripts/standInModel";
import { useStandInModel } from "./fixtures/agents";
import { expectCode } from "./fixtures/errors";
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
const CUSTOMER = "15557771234";

let t: TestConvex;
let model: StandInModel;
let a: Awaited<ReturnType<typeof provisionTenant>>;
let support: Awaited<ReturnType<typeof numberWithAgent>>;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  model = useStandInModel();
  t = newTest();
  a = await provisionTenant(t, "org_a");
  support = await numberWithAgent(a.admin, SUPPORT_LINE);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** The customer writes and the turn runs; returns the thread afterwards. */
async function turn(number: Number, text: string) {
  vi.setSystemTime(Date.now() + 60_000);
  const thread = await customerWrites(t, number, CUSTOMER, text);
  await routeNow(t, thread._id);
  return (await t.run((ctx) => ctx.db.get("threads", thread._id)))!;
}

async function historyOf(threadId: Awaited<ReturnType<typeof turn>>["_id"]) {
  return await a.admin.query(api.inbox.handoff.history, { ...env, threadId });
}

describe("tried N times without resolution", () => {
  beforeEach(async () => {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoff: {
        fallbackReply: "One moment please.",
        handoffOnFailure: true,
        maxUnresolvedTurns: 2,
      },
    });
  });

  test("the second turn the model judges unresolved hands off with reason unresolved", async () => {
    expect((await turn(support, "My order ORD-22 hasn't arrived")).owner).toBe("ai");
    expect((await turn(support, "It still hasn't arrived, my order ORD-22")).owner).toBe("ai");
    const thread = await turn(support, "ORD-22: my order has not arrived yet!");
    expect(thread.owner).toBe("human");

    const [event] = await historyOf(thread._id);
    expect(event).toMatchObject({ to: "human", reason: "unresolved" });
    expect(event!.summary).toMatch(/^Tried 2 times without resolution: the customer raises again/);
    expect(event!.trigger).toMatchObject({ signal: "unresolved_turns" });
    expect(event!.trigger!.detail).toContain("2 turns in a row");
    const runs = await runsOfThread(t, thread._id);
    expect(runs.map((r) => [r.outcome, r.unresolved])).toEqual([
      ["replied", undefined],
      ["replied", true],
      ["handed_off", true],
    ]);
    // The model's own call, recorded on the run; its last words still reach the customer.
    expect(runs[2]!.toolCalls.map((c) => [c.name, c.ok])).toEqual([["conversation.assess", true]]);
    const last = (await threadMessages(t, thread._id)).at(-1)!;
    expect([last.role, last.content]).toEqual([
      "assistant",
      "I've asked a teammate to join; they'll reply here shortly.",
    ]);
  });

  test("a turn not judged unresolved in between starts the count again", async () => {
    await turn(support, "My order ORD-22 hasn't arrived");
    await turn(support, "It still hasn't arrived, my order ORD-22");
    await turn(support, "Also, do you sell gift cards?");
    expect((await turn(support, "Gift cards: do you sell them?")).owner).toBe("ai");
    const thread = await turn(support, "Please answer: gift cards, do you sell them");
    expect(thread.owner).toBe("human");
    expect((await historyOf(thread._id))[0]!.reason).toBe("unresolved");
  });

  test("an agent without the setting is not offered conversation.assess and never hands off for it", async () => {
    await a.admin.mutation(api.agents.definitions.update, {
      ...env,
      agentId: support.agentId,
      handoff: { fallbackReply: "One moment please.", handoffOnFailure: true },
    });
    for (const text of ["My order hasn't arrived", "My order still hasn't arrived"]) {
      expect((await turn(support, text)).owner).toBe("ai");
    }
    const offered = model.requests.flatMap((r) => (r.tools ?? []).map((x) => x.function.name));
    expect(offered).not.toContain("conversation_assess");
    expect(offered).toContain("whatsapp_send");
  });

  test("the setting is an integer from 1 to 20", async () => {
    for (const maxUnresolvedTurns of [0, 1.5, 21, Number.NaN]) {
      await expectCode(
        a.admin.mutation(api.agents.definitions.update, {
          ...env,
          agentId: support.agentId,
          handoff: { fallbackReply: "One moment.", handoffOnFailure: true, maxUnresolvedTurns },
        }),
        "INVALID_ARGUMENT",
      );
    }
  });

  test("a handoff and release in between start the count again", async () => {
    await turn(support, "My order ORD-22 hasn't arrived");
    let thread = await turn(support, "It still hasn't arrived, my order ORD-22");
    vi.setSystemTime(Date.now() + 1_000);
    await a.admin.mutation(api.inbox.threads.takeOver, { ...env, threadId: thread._id });
    await a.admin.mutation(api.inbox.threads.release, { ...env, threadId: thread._id });
    thread = await turn(support, "ORD-22: my order has not arrived yet!");
    expect(thread.owner).toBe("ai");
    expect((await runsOfThread(t, thread._id)).at(-1)!.unresolved).toBe(true);
  });
});

describe("frustration, detected without a model", () => {
  const on: FrustrationSettings = { ...DEFAULT_FRUSTRATION, enabled: true };

  test.each([
    ["WHERE IS MY ORDER, I PAID LAST WEEK", "all_caps"],
    ["Hello??? Anyone there", "punctuation"],
    ["¿¿¿Dónde está mi pedido", "punctuation"],
    ["This is bullshit", "profanity"],
    ["Que mierda de servicio", "profanity"],
    ["Que porra é essa", "profanity"],
  ])("%s → %s", (text, signal) => {
    expect(detectFrustration(text, on)?.signal).toBe(signal);
  });

  test.each([
    "Thanks!!!",
    "My order ORD-22 from NYC",
    "OK",
    "Where is my order?",
    "I ordered a scrapbook",
  ])("%s is calm", (text) => {
    expect(detectFrustration(text, on)).toBeNull();
  });

  test("tenant keywords match whole words; lists and checks can be switched off", () => {
    const custom = { ...on, keywords: ["absurdo"], profanityLanguages: ["en" as const] };
    expect(detectFrustration("Isso é um ABSURDO", custom)).toEqual({
      signal: "frustration_keyword",
      detail: "absurdo",
    });
    expect(detectFrustration("Que porra é essa", custom)).toBeNull();
    expect(detectFrustration("WHERE IS MY ORDER, I PAID", { ...on, allCaps: false })).toBeNull();
    expect(detectFrustration("This is bullshit", { ...on, enabled: false })).toBeNull();
  });
});

describe("frustration in a turn", () => {
  test("a tenant's signal hands off before any model call, with what triggered it in the history", async () => {
    await a.admin.mutation(api.inbox.handoffSignals.update, {
      ...env,
      frustration: { enabled: true, keywords: ["absurdo"] },
    });
    const thread = await turn(support, "WHERE IS MY ORDER???");
    expect(model.requests).toHaveLength(0);
    expect(thread.owner).toBe("human");
    const [event] = await historyOf(thread._id);
    expect(event).toMatchObject({
      reason: "frustration",
      by: { kind: "system" },
      trigger: { signal: "punctuation", detail: "???" },
    });
    expect(event!.summary).toContain('"WHERE IS MY ORDER???"');
    const [run] = await runsOfThread(t, thread._id);
    expect(run!.outcome).toBe("handed_off");
    expect(run!.note).toContain("Frustration signal (repeated question marks: ???)");
  });

  test("without the tenant's signal the same words reach the agent", async () => {
    const thread = await turn(support, "WHERE IS MY ORDER???");
    expect(thread.owner).toBe("ai");
    expect(model.requests).toHaveLength(1);
    const signals = await a.admin.query(api.inbox.handoffSignals.get, env);
    expect(signals.frustration.enabled).toBe(false);
  });

  test("the model's frustration reason is recorded as the model's judgement", async () => {
    model.script(
      {
        toolCalls: [
          {
            name: "handoff_toHuman",
            arguments: { reason: "frustration", summary: "Customer is upset about ORD-22." },
          },
        ],
      },
      { content: "I'm sorry. A teammate will take it from here." },
    );
    const thread = await turn(support, "This is the third time I write about ORD-22.");
    const [event] = await historyOf(thread._id);
    expect(event).toMatchObject({
      reason: "frustration",
      summary: "Customer is upset about ORD-22.",
      trigger: {
        signal: "model",
        detail: "Support (support) called handoff.toHuman (frustration)",
      },
    });
  });

  test("settings are validated and kept per tenant", async () => {
    await expect(
      a.admin.mutation(api.inbox.handoffSignals.update, {
        ...env,
        frustration: { keywords: Array.from({ length: 201 }, (_, i) => `w${i}`) },
      }),
    ).rejects.toThrow(/At most 200 frustration keywords/);
    await a.admin.mutation(api.inbox.handoffSignals.update, {
      ...env,
      frustration: { enabled: true, profanityLanguages: ["pt", "pt"] },
    });
    const b = await provisionTenant(t, "org_b");
    expect((await b.admin.query(api.inbox.handoffSignals.get, env)).frustration.enabled).toBe(
      false,
    );
    expect((await a.admin.query(api.inbox.handoffSignals.get, env)).frustration).toEqual({
      ...DEFAULT_FRUSTRATION,
      enabled: true,
      profanityLanguages: ["pt"],
    });
  });
});
