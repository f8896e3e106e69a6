/**
 * Template lifecycle against the fake provider: every definition rule refuses an invalid
 * template before any provider call; created templates are stored per number with their review
 * status; PENDING, REJECTED or PAUSED templates and missing parameters are refused at send time
 * with a clear error (after looking the template up at the provider, where it may have been
 * approved since); status webhooks, sync and delete keep the local copy current; a send the
 * provider holds for quality assessment is not reported as sent, and its drop is explained.
 */
import { afterEach, describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { expectCode } from "./fixtures/errors";
import { env, startHarness, type Harness } from "./outboundHarness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const body = (text: string, example?: unknown) => ({
  type: "BODY",
  text,
  ...(example ? { example } : {}),
});

const INVALID: [string, Record<string, unknown>, string][] = [
  ["a template without a body", { components: [{ type: "FOOTER", text: "Thanks" }] }, "BODY"],
  [
    "an unknown header format",
    { components: [{ type: "HEADER", format: "GIF" }, body("Hello there")] },
    "format",
  ],
  [
    "a media header without an example",
    { components: [{ type: "HEADER", format: "IMAGE" }, body("Hello there")] },
    "header_handle",
  ],
  [
    "a footer with a variable",
    { components: [body("Hello there"), { type: "FOOTER", text: "Bye {{1}}" }] },
    "Footer: variables",
  ],
  [
    "quick replies interleaved with a URL button",
    {
      components: [
        body("Hello there"),
        {
          type: "BUTTONS",
          buttons: [
            { type: "QUICK_REPLY", text: "Yes" },
            { type: "URL", text: "Site", url: "https://x.example" },
            { type: "QUICK_REPLY", text: "No" },
          ],
        },
      ],
    },
    "interleaved",
  ],
  [
    "a URL variable that is not at the end",
    {
      components: [
        body("Hello there"),
        {
          type: "BUTTONS",
          buttons: [
            {
              type: "URL",
              text: "Track",
              url: "https://x.example/{{1}}/track",
              example: ["https://x.example/1/track"],
            },
          ],
        },
      ],
    },
    "at the end",
  ],
  [
    "named variables in a positional template",
    { components: [body("Hi {{name}}, welcome.", { body_text: [["Ana"]] })] },
    "positional",
  ],
  [
    "positional variables with a gap",
    { components: [body("Hi {{1}} and {{3}}, welcome.", { body_text: [["a", "b"]] })] },
    "{{1}} to",
  ],
  [
    "positional variables without examples",
    { components: [body("Hi {{1}}, welcome.")] },
    "example",
  ],
  [
    "named variables without examples",
    {
      parameterFormat: "named",
      components: [
        body("Hi {{first_name}}, order {{order}} is ready.", {
          body_text_named_params: [{ param_name: "first_name", example: "Ana" }],
        }),
      ],
    },
    "missing: order",
  ],
  [
    "a variable at the start of the body",
    { components: [body("{{1}} is ready.", { body_text: [["Order"]] })] },
    "start or end",
  ],
  ["an invalid name", { name: "Order Update", components: [body("Hello there")] }, "Name"],
];

describe("template definitions are validated before the provider sees them", () => {
  test.each(INVALID)("%s is refused", async (_label, override, phrase) => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const error = await expectCode(
      h.admin.action(api.whatsapp.templates.create, {
        ...env,
        connectionId: h.connectionId,
        name: "order_update",
        language: "en_US",
        category: "UTILITY",
        ...override,
      } as never),
      "TEMPLATE_INVALID",
    );
    expect(error.data.message).toContain(phrase);
    expect(h.fake.templates).toEqual([]);
    expect(await h.t.run((ctx) => ctx.db.query("templates").collect())).toEqual([]);
  });

  test("a valid named template reaches the provider and is stored on the number", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false, templateReview: "PENDING" } });
    const templateId = await h.admin.action(api.whatsapp.templates.create, {
      ...env,
      connectionId: h.connectionId,
      name: "order_confirmation",
      language: "en_US",
      category: "UTILITY",
      parameterFormat: "named",
      components: [
        body("Thank you, {{first_name}}! Your order number is {{order_number}}.", {
          body_text_named_params: [
            { param_name: "first_name", example: "Pablo" },
            { param_name: "order_number", example: "860198" },
          ],
        }),
      ],
    });
    expect(h.fake.templates.map((t) => [t.wabaId, t.name, t.parameter_format])).toEqual([
      ["WABA_1", "order_confirmation", "NAMED"],
    ]);
    const listed = await h.admin.query(api.whatsapp.templates.list, {
      ...env,
      connectionId: h.connectionId,
    });
    expect(listed.map((t) => [t._id, t.name, t.status])).toEqual([
      [templateId, "order_confirmation", "PENDING"],
    ]);
  });
});

describe("sending a template", () => {
  async function create(harness: Harness) {
    return await harness.admin.action(api.whatsapp.templates.create, {
      ...env,
      connectionId: harness.connectionId,
      name: "order_shipped",
      language: "en_US",
      category: "UTILITY",
      components: [body("Hi {{1}}, order {{2}} shipped.", { body_text: [["Ana", "A-1"]] })],
    });
  }

  test("a PENDING template is refused with a clear error and nothing is sent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false, templateReview: "PENDING" } });
    await create(h);
    const threadId = await h.thread();
    const error = await expectCode(
      h.admin.action(api.outbound.sends.sendTemplate, {
        ...env,
        threadId,
        name: "order_shipped",
        language: "en_US",
        parameters: { body: ["Ana", "A-9"] },
      }),
      "TEMPLATE_NOT_APPROVED",
    );
    expect(error.data.message).toContain("PENDING");
    expect(h.fake.sent).toEqual([]);
  });

  test("a template REJECTED by a status webhook is refused", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await create(h);
    h.fake.setTemplateStatus("order_shipped", "en_US", "REJECTED");
    const changed = await h.t.mutation(internal.whatsapp.templates.applyStatusUpdate, {
      businessAccountId: "WABA_1",
      name: "order_shipped",
      language: "en_US",
      status: "REJECTED",
      reason: "INVALID_FORMAT",
    });
    expect(changed).toBe(1);
    const threadId = await h.thread();
    await expectCode(
      h.admin.action(api.outbound.sends.sendTemplate, {
        ...env,
        threadId,
        name: "order_shipped",
        language: "en_US",
        parameters: { body: ["Ana", "A-9"] },
      }),
      "TEMPLATE_NOT_APPROVED",
    );
    const [stored] = await h.admin.query(api.whatsapp.templates.list, {
      ...env,
      connectionId: h.connectionId,
    });
    expect([stored!.status, stored!.statusReason]).toEqual(["REJECTED", "INVALID_FORMAT"]);
    expect(h.fake.sent).toEqual([]);
  });

  test("missing parameters are refused with the names of what is missing", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await create(h);
    const threadId = await h.thread();
    const error = await expectCode(
      h.admin.action(api.outbound.sends.sendTemplate, {
        ...env,
        threadId,
        name: "order_shipped",
        language: "en_US",
        parameters: { body: ["Ana"] },
      }),
      "TEMPLATE_PARAMETERS_INVALID",
    );
    expect(error.data.message).toContain("expected 2 parameter(s), got 1");
    expect(h.fake.sent).toEqual([]);
    expect(await h.t.run((ctx) => ctx.db.query("messages").collect())).toEqual([]);
  });

  test("a template unknown locally is fetched from the provider, then sent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await create(h);
    await h.t.run(async (ctx) => {
      for (const row of await ctx.db.query("templates").collect()) {
        await ctx.db.delete("templates", row._id);
      }
    });
    const threadId = await h.thread();
    const id = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-9"] },
    });
    await h.waitForState(id, "sent");
    expect((await h.message(id)).content).toBe(
      "[Template: order_shipped]\nHi Ana, order A-9 shipped.",
    );
  });

  test("sync picks up a status changed at the provider, and delete removes it on both sides", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    const templateId = await create(h);
    h.fake.setTemplateStatus("order_shipped", "en_US", "PAUSED");
    expect(
      await h.admin.action(api.whatsapp.templates.sync, { ...env, connectionId: h.connectionId }),
    ).toBe(1);
    expect((await h.admin.query(api.whatsapp.templates.get, { ...env, templateId })).status).toBe(
      "PAUSED",
    );
    await h.admin.action(api.whatsapp.templates.remove, { ...env, templateId });
    expect(h.fake.templates).toEqual([]);
    expect(
      await h.admin.query(api.whatsapp.templates.list, { ...env, connectionId: h.connectionId }),
    ).toEqual([]);
  });

  test("a template PENDING here but approved at the provider since is looked up and sent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false, templateReview: "PENDING" } });
    await create(h);
    h.fake.setTemplateStatus("order_shipped", "en_US", "APPROVED");
    const threadId = await h.thread();
    const id = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-9"] },
    });
    await h.waitForState(id, "sent");
    expect(h.fake.templateLists.map((l) => l.name)).toEqual(["order_shipped"]);
    const [stored] = await h.admin.query(api.whatsapp.templates.list, {
      ...env,
      connectionId: h.connectionId,
    });
    expect(stored!.status).toBe("APPROVED");
  });

  test("a send held for quality assessment is not reported as sent, and its drop is explained", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await create(h);
    h.fake.holdTemplateSends(true);
    const threadId = await h.thread();
    const id = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-9"] },
    });
    await h.waitForState(id, "sent");
    const held = await h.message(id);
    expect([held.channelData.status, held.channelData.messageStatus]).toEqual([
      "queued",
      "held_for_quality_assessment",
    ]);
    expect(held.channelData.statusTimestamps.sentAt).toBeUndefined();
    await h.fake.dropHeld();
    const dropped = await h.waitForStatus(id, "failed");
    expect(dropped.channelData.messageStatus).toBe("held_for_quality_assessment");
    expect(dropped.channelData.error).toMatchObject({ code: 132015, title: "Template is paused" });
    expect(dropped.channelData.error!.details).toContain("quality rating dropped");
  });

  test("an accepted template send records the provider's message status and is sent", async () => {
    h = await startHarness({ provider: { statusDelaysMs: false } });
    await create(h);
    const threadId = await h.thread();
    const id = await h.admin.action(api.outbound.sends.sendTemplate, {
      ...env,
      threadId,
      name: "order_shipped",
      language: "en_US",
      parameters: { body: ["Ana", "A-9"] },
    });
    const sent = await h.waitForStatus(id, "sent");
    expect(sent.channelData.messageStatus).toBe("accepted");
  });
});
