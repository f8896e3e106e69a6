/**
 * Outbound sends that must never reach the customer twice: answers that do not say whether the
 * message went out (a gateway's 502/504, Meta's 131000–131002) are reconciled, never retried
 * blindly; the history lookup reads every page; and a request that reaches the provider after
 * the first lookup is still found before any resend. Also: a person sending a template takes
 * the thread like any other reply.
 */
import { afterEach, describe, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { classifyFailure } from "../convex/whatsapp/cloudApi";
import { GraphApiError } from "@kapso/whatsapp-cloud-api";
import { env, HANG_MS, startHarness, waitFor, type Harness } from "./outboundHarness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function reply(harness: Harness, threadId: Id<"threads">, text: string) {
  return await harness.admin.mutation(api.outbound.sends.sendHumanReply, {
    ...env,
    threadId,
    text,
  });
}

const copiesOf = (harness: Harness, id: string) =>
  harness.fake.accepted.filter((m) => m.body.biz_opaque_callback_data === id).length;

describe("answers that do not say whether the message went out", () => {
  test.each([
    [502, undefined],
    [504, undefined],
    [500, 131000],
    [500, 131001],
    [503, 131002],
  ])("HTTP %s with code %s is ambiguous, not a retry", (httpStatus, code) => {
    const error = new GraphApiError({
      message: "Something went wrong",
      httpStatus,
      code: code ?? httpStatus,
      category: "server",
      retry: { action: "retry" },
    } as ConstructorParameters<typeof GraphApiError>[0]);
    expect(classifyFailure(error).kind).toBe("ambiguous");
  });

  test("a 503 that refused the message is still retried", () => {
    const error = new GraphApiError({
      message: "Service unavailable",
      httpStatus: 503,
      code: 131016,
      category: "server",
      retry: { action: "retry" },
    } as ConstructorParameters<typeof GraphApiError>[0]);
    expect(classifyFailure(error).kind).toBe("transient");
  });

  test("a gateway 502 after the provider accepted the message is settled by its status echo, not resent", async () => {
    h = await startHarness({
      provider: { failures: [{ kind: "error", status: 502, afterAccept: true }] },
    });
    const id = await reply(h, await h.thread(), "Once");
    const delivery = await h.waitForState(id, "sent");
    await h.settled();
    expect(copiesOf(h, id)).toBe(1);
    expect(h.fake.sent).toHaveLength(1);
    expect(delivery.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([
      ["ambiguous", 502],
      ["found", undefined],
    ]);
  });

  test("Meta's 131000 after the provider accepted the message is found in its history, not resent", async () => {
    h = await startHarness({
      provider: {
        statusDelaysMs: false,
        failures: [{ kind: "error", status: 500, code: 131000, afterAccept: true }],
      },
    });
    const id = await reply(h, await h.thread(), "Once");
    const delivery = await h.waitForState(id, "sent");
    expect(copiesOf(h, id)).toBe(1);
    expect(h.fake.sent).toHaveLength(1);
    expect(delivery.attempts.map((a) => [a.outcome, a.code])).toEqual([
      ["ambiguous", 131000],
      ["found", undefined],
    ]);
    expect((await h.message(id)).channelData.providerMessageId).toBe(h.fake.accepted[0]!.wamid);
  });
});

describe("the history lookup", () => {
  test("a send on the third page of the provider's history is found, not resent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false, historyPageSize: 1 } });
    const harness = h;
    // Two other messages go out first, so they fill the history's first pages.
    for (const text of ["Earlier 1", "Earlier 2"]) {
      await harness.waitForState(await reply(harness, await harness.thread(), text), "sent");
    }
    harness.fake.inject({ kind: "timeout", afterAccept: true, ms: HANG_MS });
    const id = await reply(harness, await harness.thread(), "Once");
    const delivery = await harness.waitForState(id, "sent");
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(["ambiguous", "found"]);
    expect(copiesOf(harness, id)).toBe(1);
    expect(harness.fake.sent).toHaveLength(3);
  });

  test("a request that reaches the provider after the first lookup is found by the second, not resent", async () => {
    h = await startHarness({
      provider: { statusDelaysMs: false, failures: [{ kind: "lateArrival" }] },
    });
    const id = await reply(h, await h.thread(), "Once");
    const delivery = await h.waitForState(id, "sent");
    await h.settled();
    expect(copiesOf(h, id)).toBe(1);
    expect(h.fake.sent).toHaveLength(1);
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(["ambiguous", "not_found", "found"]);
  });

  test("a lookup waits the send timeout plus the reconcile delay after the call started", async () => {
    h = await startHarness({
      provider: { statusDelaysMs: false, failures: [{ kind: "error", status: 504 }] },
      env: { OUTBOUND_SEND_TIMEOUT_MS: "1000", OUTBOUND_RECONCILE_DELAY_MS: "200" },
    });
    const id = await reply(h, await h.thread(), "Hi");
    const delivery = await h.waitForState(id, "sent");
    const [call, first, second] = delivery.attempts;
    expect(delivery.attempts.map((a) => a.outcome)).toEqual([
      "ambiguous",
      "not_found",
      "not_found",
      "accepted",
    ]);
    expect(first!.startedAt - call!.startedAt).toBeGreaterThanOrEqual(1_200);
    expect(second!.startedAt - first!.finishedAt).toBeGreaterThanOrEqual(200);
  });
});

describe("a template sent by a person", () => {
  test("hands an AI-owned thread to the human who sent it", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const harness = h;
    await approvedTemplate(harness);
    const threadId = await harness.thread();
    await harness.t.run((ctx) => ctx.db.patch("threads", threadId, { owner: "ai" }));
    await harness.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-1"] },
    });
    const { thread, events } = await harness.t.run(async (ctx) => ({
      thread: await ctx.db.get("threads", threadId),
      events: await ctx.db.query("handoffEvents").collect(),
    }));
    expect(thread!.owner).toBe("human");
    expect(events.map((e) => [e.to, e.reason, e.by])).toEqual([
      ["human", "human_replied", { kind: "user", userId: "user_1_org_a" }],
    ]);
  });

  test("records the human's activity on a thread they already own", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const harness = h;
    await approvedTemplate(harness);
    const threadId = await harness.thread();
    const before = Date.now();
    await harness.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-1"] },
    });
    const thread = await waitFor(
      () => harness.t.run((ctx) => ctx.db.get("threads", threadId)),
      "the thread",
    );
    expect(thread.lastHumanActivityAt).toBeGreaterThanOrEqual(before);
  });
});

async function approvedTemplate(harness: Harness) {
  await harness.admin.action(api.whatsapp.templates.create, {
    ...env,
    connectionId: harness.connectionId,
    name: "order_shipped",
    language: "en_US",
    category: "UTILITY",
    components: [
      {
        type: "BODY",
        text: "Hi {{1}}, your order {{2}} has shipped.",
        example: { body_text: [["Ana", "A-1"]] },
      },
    ],
  });
}
