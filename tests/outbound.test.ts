/**
 * Outbound sending against the fake provider on loopback: the exact Cloud API shapes of each
 * kind, status webhooks bringing rows to `read`, retries of transient failures, permanent
 * failures, ambiguous sends that never duplicate, and the 24-hour customer-service window.
 */
import { afterEach, describe, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { isWindowOpen } from "../convex/outbound/content";
import { retryDelayMs } from "../convex/outbound/lifecycle";
import { expectCode } from "./fixtures/errors";
import { env, HANG_MS, HOUR, startHarness, waitFor, type Harness } from "./outboundHarness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const BODY_TEMPLATE = {
  type: "BODY",
  text: "Hi {{1}}, your order {{2}} has shipped.",
  example: { body_text: [["Ana", "A-1"]] },
};

async function approvedTemplate(harness: Harness) {
  await harness.admin.action(api.whatsapp.templates.create, {
    ...env,
    connectionId: harness.connectionId,
    name: "order_shipped",
    language: "en_US",
    category: "UTILITY",
    components: [BODY_TEMPLATE],
  });
}

describe("each kind reaches the provider in the Cloud API shape", () => {
  test("a text, a list, an image and a template are sent as Meta expects and end read", async () => {
    h = await startHarness();
    await approvedTemplate(h);
    const threadId = await h.thread();
    const text = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Hello Ana",
    });
    const list = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      content: {
        kind: "list",
        body: "Which shipping option?",
        buttonText: "Options",
        sections: [
          { title: "Fast", rows: [{ id: "express", title: "Express", description: "1 day" }] },
        ],
      },
    });
    const image = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      content: {
        kind: "media",
        mediaType: "image",
        url: "https://cdn.example/box.jpg",
        caption: "Your box",
      },
    });
    const template = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-77"] },
    });
    for (const id of [text, list, image, template]) await h.waitForStatus(id, "read");

    const to = (await h.t.run((ctx) => ctx.db.get("threads", threadId)))!.channelParams.phoneNumber;
    const base = { messaging_product: "whatsapp", recipient_type: "individual", to };
    const bodyOf = (id: string) =>
      h!.fake.accepted.find((m) => m.body.biz_opaque_callback_data === id)?.body;
    expect(bodyOf(text)).toEqual({
      ...base,
      type: "text",
      text: { body: "Hello Ana" },
      biz_opaque_callback_data: text,
    });
    expect(bodyOf(list)).toEqual({
      ...base,
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: "Which shipping option?" },
        action: {
          button: "Options",
          sections: [
            { title: "Fast", rows: [{ id: "express", title: "Express", description: "1 day" }] },
          ],
        },
      },
      biz_opaque_callback_data: list,
    });
    expect(bodyOf(image)).toEqual({
      ...base,
      type: "image",
      image: { link: "https://cdn.example/box.jpg", caption: "Your box" },
      biz_opaque_callback_data: image,
    });
    expect(bodyOf(template)).toEqual({
      ...base,
      type: "template",
      template: {
        name: "order_shipped",
        language: { code: "en_US" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Ana" },
              { type: "text", text: "A-77" },
            ],
          },
        ],
      },
      biz_opaque_callback_data: template,
    });
    const row = await h.message(template);
    expect(row.content).toBe("[Template: order_shipped]\nHi Ana, your order A-77 has shipped.");
    expect(row.role).toBe("human");
    expect(row.channelData.templateName).toBe("order_shipped");
    expect(row.channelData.statusTimestamps.readAt).toBeGreaterThan(0);
    expect(row.channelData.providerMessageId).toBe(
      h.fake.accepted.find((m) => m.body.biz_opaque_callback_data === template)!.wamid,
    );
  });

  test("reply buttons and a reaction are sent in their Cloud API shapes", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const threadId = await h.thread();
    const buttons = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      content: {
        kind: "buttons",
        body: "Reschedule?",
        footer: "Lucky Shrub",
        buttons: [
          { id: "change", title: "Change" },
          { id: "cancel", title: "Cancel" },
        ],
      },
    });
    const reaction = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      content: { kind: "reaction", messageId: "wamid.IN1", emoji: "👍" },
    });
    await h.waitForState(buttons, "sent");
    await h.waitForState(reaction, "sent");
    const bodyOf = (id: string) =>
      h!.fake.accepted.find((m) => m.body.biz_opaque_callback_data === id)?.body;
    expect(bodyOf(buttons)?.interactive).toEqual({
      type: "button",
      body: { text: "Reschedule?" },
      footer: { text: "Lucky Shrub" },
      action: {
        buttons: [
          { type: "reply", reply: { id: "change", title: "Change" } },
          { type: "reply", reply: { id: "cancel", title: "Cancel" } },
        ],
      },
    });
    expect(bodyOf(reaction)?.reaction).toEqual({ message_id: "wamid.IN1", emoji: "👍" });
  });

  test("interactive limits are checked before anything is written", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const threadId = await h.thread();
    await expectCode(
      h.admin.mutation(api.outbound.sends.sendHumanReply, {
        ...env,
        threadId,
        content: {
          kind: "buttons",
          body: "Pick",
          buttons: ["a", "b", "c", "d"].map((id) => ({ id, title: id })),
        },
      }),
      "MESSAGE_INVALID",
    );
    const rows = await h.t.run((ctx) => ctx.db.query("messages").collect());
    expect(rows).toEqual([]);
  });
});

describe("failures", () => {
  test("a provider 5xx three times then success gives one message and four recorded attempts", async () => {
    h = await startHarness({
      provider: { statusDelaysMs: false, failures: [{ kind: "error", status: 503, times: 3 }] },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Hi",
    });
    const delivery = await h.waitForState(id, "sent");
    expect(delivery.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([
      ["transient", 503],
      ["transient", 503],
      ["transient", 503],
      ["accepted", undefined],
    ]);
    expect(h.fake.sent).toHaveLength(4);
    expect(h.fake.accepted).toHaveLength(1);
    expect((await h.message(id)).channelData.status).toBe("sent");
  });

  test("131026 ends failed with the provider's code and reason, without a retry", async () => {
    h = await startHarness({
      provider: {
        statusDelaysMs: false,
        failures: [{ kind: "error", status: 400, code: 131026, title: "Message undeliverable" }],
      },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Hi",
    });
    const delivery = await h.waitForState(id, "failed");
    await h.settled();
    expect(h.fake.sent).toHaveLength(1);
    expect(delivery.attempts).toHaveLength(1);
    const row = await h.message(id);
    expect(row.channelData.status).toBe("failed");
    expect(row.channelData.error?.code).toBe(131026);
    expect(row.channelData.error?.message).toContain("Message undeliverable");
  });

  test("a timeout after the provider accepted: the status echo settles it and the customer gets it once", async () => {
    h = await startHarness({
      provider: { failures: [{ kind: "timeout", afterAccept: true, ms: HANG_MS }] },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Once",
    });
    const delivery = await h.waitForState(id, "sent");
    await h.waitForStatus(id, "read");
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(["ambiguous", "found"]);
    expect(h.fake.accepted.filter((m) => m.body.biz_opaque_callback_data === id)).toHaveLength(1);
    expect(h.fake.sent).toHaveLength(1);
  });

  test("a timeout after acceptance with no status echo is settled from the provider's history", async () => {
    h = await startHarness({
      provider: {
        statusDelaysMs: false,
        failures: [{ kind: "timeout", afterAccept: true, ms: HANG_MS }],
      },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Once",
    });
    const delivery = await h.waitForState(id, "sent");
    expect(delivery.attempts.map((a) => a.outcome)).toEqual(["ambiguous", "found"]);
    expect(h.fake.sent).toHaveLength(1);
    expect((await h.message(id)).channelData.providerMessageId).toBe(h.fake.accepted[0]!.wamid);
  });

  test("a history match without callback data still finds the message by recipient and text", async () => {
    h = await startHarness({
      provider: {
        statusDelaysMs: false,
        historyIncludesCallbackData: false,
        failures: [{ kind: "timeout", afterAccept: true, ms: HANG_MS }],
      },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Once",
    });
    await h.waitForState(id, "sent");
    expect(h.fake.sent).toHaveLength(1);
  });

  test("a timeout before acceptance is confirmed absent, then sent again exactly once", async () => {
    h = await startHarness({
      provider: {
        statusDelaysMs: false,
        failures: [{ kind: "timeout", afterAccept: false, ms: HANG_MS }],
      },
    });
    const threadId = await h.thread();
    const id = await h.admin.mutation(api.outbound.sends.sendHumanReply, {
      ...env,
      threadId,
      text: "Hi",
    });
    const delivery = await h.waitForState(id, "sent");
    expect(delivery.attempts.map((a) => a.outcome)).toEqual([
      "ambiguous",
      "not_found",
      "not_found",
      "accepted",
    ]);
    expect(h.fake.accepted).toHaveLength(1);
  });

  test("backoff doubles per attempt and stays between half and all of its ceiling", () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const ceiling = 100 * 2 ** (attempt - 1);
      for (let i = 0; i < 20; i++) {
        const delay = retryDelayMs(attempt, 100, 10_000);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(retryDelayMs(30, 100, 5_000)).toBeLessThanOrEqual(5_000);
  });
});

describe("the 24-hour customer-service window", () => {
  test("free-form 24h+1s after the last inbound is refused and nothing is written or sent; a template is sent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await approvedTemplate(h);
    const threadId = await h.thread(24 * HOUR + 1_000);
    const error = await expectCode(
      h.admin.mutation(api.outbound.sends.sendHumanReply, {
        ...env,
        threadId,
        text: "Still there?",
      }),
      "OUTSIDE_CUSTOMER_SERVICE_WINDOW",
    );
    expect(error.data.message).toContain("template");
    expect(await h.t.run((ctx) => ctx.db.query("messages").collect())).toEqual([]);
    const id = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-1"] },
    });
    await h.waitForState(id, "sent");
    expect(h.fake.sent.map((s) => s.body.type)).toEqual(["template"]);
  });

  test("the window is read from channelParams.lastInboundAt and closes at exactly 24 hours", () => {
    const now = 1_750_000_000_000;
    const at = (lastInboundAt?: number) => isWindowOpen({ channelParams: { lastInboundAt } }, now);
    expect(at(now - 24 * HOUR + 1)).toBe(true);
    expect(at(now - 24 * HOUR)).toBe(false);
    expect(at(undefined)).toBe(false);
  });
});

describe("pacing", () => {
  test("500 sends at once for one number: none lost, never above the rate, pair limit kept", async () => {
    h = await startHarness({
      provider: { statusDelaysMs: false },
      // No send may time out however slow the machine is (a timed-out send is reconciled, which
      // is another test's subject): the timeout is far above the test's own 90 s limit.
      env: {
        OUTBOUND_PAIR_BURST: "5",
        OUTBOUND_PAIR_PER_MINUTE: "120",
        OUTBOUND_SEND_TIMEOUT_MS: "600000",
        OUTBOUND_RECONCILE_DELAY_MS: "600000",
        OUTBOUND_SLOT_MARGIN_MS: "500",
      },
    });
    const harness = h;
    await harness.t.run((ctx) =>
      ctx.db.patch("whatsappConnections", harness.connectionId, {
        pacing: { messagesPerSecond: 50 },
      }),
    );
    const threads = [];
    for (let i = 0; i < 98; i++) threads.push(await harness.thread());
    const busy = await harness.thread(60_000, "+15558880000");
    const sends: { threadId: (typeof threads)[number]; text: string }[] = [];
    threads.forEach((threadId, i) => {
      for (let k = 0; k < 5; k++) sends.push({ threadId, text: `m${i}-${k}` });
    });
    for (let k = 0; k < 10; k++) sends.push({ threadId: busy, text: `busy-${k}` });
    expect(sends).toHaveLength(500);
    await Promise.all(
      sends.map((s) => harness.admin.mutation(api.outbound.sends.sendHumanReply, { ...env, ...s })),
    );
    // At least 10 s at 50 per second; the deadline is only a safety net for a starved machine.
    await waitFor(async () => harness.fake.accepted.length >= 500, "500 accepted sends", 240_000);
    await harness.settled();
    expect(harness.fake.sent).toHaveLength(500);
    const texts = harness.fake.accepted.map((m) => (m.body.text as { body: string }).body);
    expect(new Set(texts).size).toBe(500);
    // The pacing decisions are checked at the moment each call was claimed (the engine's clock),
    // not at its arrival at the provider, which depends on how busy the machine is.
    const claims = await harness.t.run(async (ctx) =>
      (await ctx.db.query("outboundSends").collect()).map((s) => ({
        recipient: s.recipient,
        at: s.claimedAt!,
      })),
    );
    expect(claims).toHaveLength(500);
    const perSecond = new Map<number, number>();
    for (const c of claims) {
      const second = Math.floor(c.at / 1_000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(50);
    expect(perSecond.size).toBeGreaterThanOrEqual(10);
    // Pair limit: 5 at once, then one every 500 ms for the busy customer.
    const busyTimes = claims
      .filter((c) => c.recipient === "+15558880000")
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(busyTimes).toHaveLength(10);
    for (let i = 5; i < 10; i++) {
      expect(busyTimes[i]! - busyTimes[0]!).toBeGreaterThanOrEqual((i - 4) * 500 - 1);
    }
  }, 300_000);
});
