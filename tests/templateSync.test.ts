/**
 * Templates that stay current without anyone pressing "sync": the cron syncs every connected
 * number (bounded per run, cursor paging bounded per sync, backoff after provider errors), a
 * template webhook forwarded by Kapso is applied and asks for a sync, quality and category
 * changes show in the template view, and no documented template payload is dead-lettered.
 * Everything runs against the fake provider and signed webhooks; waits have deadlines.
 */
import { afterEach, describe, expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { enqueueOutbound } from "../convex/outbound/sends";
import { nextCursor, SYNC_RULES, templateFromProvider } from "../convex/whatsapp/templateSync";
import type { FakeProviderOptions } from "../scripts/fakeProvider";
import { expectCode } from "./fixtures/errors";
import { kapsoRequest, metaEnvelope, post } from "./fixtures/webhooks";
import { env, startHarness, waitFor, type Harness } from "./outboundHarness";

let h: Harness | undefined;
afterEach(async () => {
  // Scheduled syncs of this world must not reach the next test's provider.
  h?.t.dispose();
  await h?.stop();
  h = undefined;
});

async function harness(provider: FakeProviderOptions = {}, vars: Record<string, string> = {}) {
  h = await startHarness({
    provider: { statusDelaysMs: false, ...provider },
    // Hinted syncs stay scheduled unless a test wants them to run.
    env: { TEMPLATE_SYNC_HINT_DELAY_MS: "3600000", ...vars },
  });
  return h;
}

const BODY = [
  {
    type: "BODY",
    text: "Hi {{1}}, order {{2}} shipped.",
    example: { body_text: [["Ana", "A-1"]] },
  },
];

async function createTemplate(harness: Harness, name = "order_shipped") {
  return await harness.admin.action(api.whatsapp.templates.create, {
    ...env,
    connectionId: harness.connectionId,
    name,
    language: "en_US",
    category: "UTILITY",
    components: BODY,
  });
}

function addAtProvider(harness: Harness, count: number) {
  for (let i = 0; i < count; i++) {
    harness.fake.addTemplate({
      wabaId: "WABA_1",
      name: `made_elsewhere_${i}`,
      language: "en_US",
      category: "UTILITY",
      parameter_format: "POSITIONAL",
      components: [{ type: "BODY", text: "Hello there" }],
      status: "APPROVED",
    });
  }
}

async function connection(harness: Harness) {
  return (await harness.t.run((ctx) => ctx.db.get("whatsappConnections", harness.connectionId)))!;
}

async function storedTemplates(harness: Harness) {
  return await harness.admin.query(api.whatsapp.templates.list, {
    ...env,
    connectionId: harness.connectionId,
  });
}

/** Runs the cron once and waits until the sync it started has reported back. */
async function cronSync(harness: Harness) {
  const before = (await connection(harness)).templateSync?.lastAttemptAt ?? 0;
  expect(await harness.t.mutation(internal.whatsapp.templateSync.runDue, {})).toBe(1);
  return await waitFor(async () => {
    const c = await connection(harness);
    const s = c.templateSync;
    return s && (s.lastAttemptAt ?? 0) > before && s.runningUntil === undefined ? c : undefined;
  }, "the scheduled sync");
}

function sendTemplateContent(harness: Harness, threadId: Id<"threads">) {
  return harness.t.run((ctx) =>
    enqueueOutbound(ctx, {
      threadId,
      role: "assistant",
      content: {
        kind: "template",
        name: "order_shipped",
        language: "en_US",
        parameters: { body: ["Ana", "A-9"] },
      },
    }),
  );
}

describe("the template cron", () => {
  test("a template approved at the provider becomes sendable without any manual step", async () => {
    await harness({ templateReview: "PENDING" });
    await createTemplate(h!);
    const threadId = await h!.thread();
    // An agent's send (no sync of its own) is refused while the template is PENDING here.
    await expectCode(sendTemplateContent(h!, threadId), "TEMPLATE_NOT_APPROVED");
    h!.fake.setTemplateStatus("order_shipped", "en_US", "APPROVED");
    await cronSync(h!);
    expect((await storedTemplates(h!)).map((t) => t.status)).toEqual(["APPROVED"]);
    const messageId = await sendTemplateContent(h!, threadId);
    await h!.waitForState(messageId, "sent");
    expect(h!.fake.accepted).toHaveLength(1);
  });

  test.each(["meta", "cursorsOnly"] as const)(
    "a sync follows the list's cursors to its end (%s paging)",
    async (templatePaging) => {
      await harness({ templatePaging }, { TEMPLATE_SYNC_PAGE_SIZE: "2" });
      addAtProvider(h!, 5);
      const c = await cronSync(h!);
      expect(h!.fake.templateLists.map((l) => l.after)).toEqual([
        undefined,
        "cursor_2",
        "cursor_4",
      ]);
      expect(await storedTemplates(h!)).toHaveLength(5);
      expect(c.templateSync).toMatchObject({ failures: 0, lastSyncedAt: expect.any(Number) });
      expect(c.templateSync!.cursor).toBeUndefined();
    },
  );

  test("a sync reads a bounded number of pages; the next runs resume, then remove templates deleted at the provider", async () => {
    await harness({}, { TEMPLATE_SYNC_PAGE_SIZE: "2", TEMPLATE_SYNC_PAGES_PER_RUN: "1" });
    addAtProvider(h!, 5);
    const deletedId = await createTemplate(h!, "deleted_at_provider");
    h!.fake.templates.splice(
      h!.fake.templates.findIndex((t) => t.name === "deleted_at_provider"),
      1,
    );
    const first = await cronSync(h!);
    expect(first.templateSync!.cursor).toBe("cursor_2");
    expect(first.templateSync!.lastSyncedAt).toBeUndefined();
    await cronSync(h!);
    const removedEarly = await h!.t.run((ctx) => ctx.db.get("templates", deletedId));
    expect(removedEarly).not.toBeNull();
    const last = await cronSync(h!);
    expect(h!.fake.templateLists.map((l) => l.after)).toEqual([undefined, "cursor_2", "cursor_4"]);
    expect(last.templateSync!.lastSyncedAt).toBeDefined();
    expect(await h!.t.run((ctx) => ctx.db.get("templates", deletedId))).toBeNull();
    expect(await storedTemplates(h!)).toHaveLength(5);
  });

  test("a provider error backs the number off; the cron skips it until the backoff ends", async () => {
    await harness();
    h!.fake.failTemplateLists(1, 500);
    const failed = await cronSync(h!);
    const state = failed.templateSync!;
    expect([state.failures, state.lastError]).toEqual([1, expect.stringContaining("131000")]);
    // The first backoff is between half and all of the base delay, counted from the failure.
    const dueAt = failed.templateSyncDueAt!;
    expect(dueAt).toBeGreaterThanOrEqual(state.lastAttemptAt! + SYNC_RULES.backoff.baseMs / 2);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + SYNC_RULES.backoff.baseMs);
    expect(await h!.t.mutation(internal.whatsapp.templateSync.runDue, {})).toBe(0);
    // The backoff is over: the next run syncs and clears the failures.
    await h!.t.run((ctx) =>
      ctx.db.patch("whatsappConnections", h!.connectionId, { templateSyncDueAt: 0 }),
    );
    const recovered = await cronSync(h!);
    expect([recovered.templateSync!.failures, recovered.templateSync!.lastError]).toEqual([
      0,
      undefined,
    ]);
  });

  test("one cron run starts at most the configured number of syncs", async () => {
    await harness({}, { TEMPLATE_SYNC_CONNECTIONS_PER_RUN: "2" });
    const connected = await connection(h!);
    const { _id: _ignored, _creationTime: _t, ...fields } = connected;
    for (const pnid of ["PNID_2", "PNID_3"]) {
      await h!.t.run((ctx) =>
        ctx.db.insert("whatsappConnections", { ...fields, providerPhoneNumberId: pnid }),
      );
    }
    expect(await h!.t.mutation(internal.whatsapp.templateSync.runDue, {})).toBe(2);
    expect(await h!.t.mutation(internal.whatsapp.templateSync.runDue, {})).toBe(1);
    expect(await h!.t.mutation(internal.whatsapp.templateSync.runDue, {})).toBe(0);
  });
});

// --- Template webhooks forwarded by Kapso (Meta's raw bodies on the number's webhook) ---------

async function forward(harness: Harness, changes: { field: string; value: object }[]) {
  const secret = (await connection(harness)).webhookSecrets.at(-1)!.secret;
  const body = metaEnvelope([{ id: "WABA_1", changes: changes as never }]);
  const response = await post(harness.t, await kapsoRequest(body, { secret }));
  expect(response.status).toBe(200);
  const deliveries = await harness.t.run((ctx) => ctx.db.query("webhookDeliveries").collect());
  return deliveries.at(-1)!;
}

async function hintedSyncs(harness: Harness) {
  return await harness.t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter(
      (job) =>
        job.name.includes("syncTemplates") &&
        (job.args[0] as { trigger?: string }).trigger === "hint",
    ),
  );
}

const ids = { message_template_name: "order_shipped", message_template_language: "en_US" };

describe("template webhooks", () => {
  test("a forwarded status event is applied at once and asks for a sync", async () => {
    await harness({ templateReview: "PENDING" });
    await createTemplate(h!);
    const delivery = await forward(h!, [
      {
        field: "message_template_status_update",
        value: { event: "APPROVED", message_template_id: 1689556908129832, reason: "NONE", ...ids },
      },
    ]);
    expect([delivery.verdict, delivery.deadLetter]).toEqual(["accepted", undefined]);
    const [stored] = await storedTemplates(h!);
    expect([stored!.status, stored!.statusReason]).toEqual(["APPROVED", undefined]);
    expect(await hintedSyncs(h!)).toHaveLength(1);
  });

  test("a hinted sync brings the provider's view, so a partial event cannot mislead", async () => {
    await harness({ templateReview: "PENDING" }, { TEMPLATE_SYNC_HINT_DELAY_MS: "1" });
    await createTemplate(h!);
    h!.fake.changeTemplate("order_shipped", "en_US", { status: "APPROVED", quality: "GREEN" });
    await forward(h!, [
      { field: "message_template_components_update", value: { message_template_id: 9, ...ids } },
    ]);
    const [synced] = await waitFor(async () => {
      const rows = await storedTemplates(h!);
      return rows[0]?.status === "APPROVED" ? rows : undefined;
    }, "the hinted sync");
    expect(synced!.quality).toMatchObject({ score: "GREEN" });
    expect(synced!.lastEvent).toMatchObject({ event: "EDITED" });
  });

  test("quality and category changes are applied and shown in the template view", async () => {
    await harness();
    const templateId = await createTemplate(h!);
    const view = () => h!.admin.query(api.whatsapp.templates.get, { ...env, templateId });
    await forward(h!, [
      {
        field: "message_template_quality_update",
        value: { previous_quality_score: "GREEN", new_quality_score: "YELLOW", ...ids },
      },
    ]);
    expect((await view()).quality).toMatchObject({ score: "YELLOW", previousScore: "GREEN" });
    await forward(h!, [
      {
        field: "template_category_update",
        value: {
          ...ids,
          new_category: "UTILITY",
          correct_category: "MARKETING",
          category_update_timestamp: 1746169200,
        },
      },
    ]);
    expect((await view()).categoryChange).toEqual({ to: "MARKETING", at: 1746169200000 });
    await forward(h!, [
      {
        field: "template_category_update",
        value: { ...ids, previous_category: "UTILITY", new_category: "MARKETING" },
      },
    ]);
    const changed = await view();
    expect([changed.category, changed.previousCategory, changed.categoryChange]).toEqual([
      "MARKETING",
      "UTILITY",
      undefined,
    ]);
  });

  const DOCUMENTED: [string, { field: string; value: Record<string, unknown> }][] = [
    [
      "a quality update under Meta's own example field name",
      {
        field: "message_template_status_update",
        value: { previous_quality_score: "GREEN", new_quality_score: "RED", ...ids },
      },
    ],
    [
      "a status event for a template not stored here",
      {
        field: "message_template_status_update",
        value: { event: "APPROVED", message_template_id: 1, message_template_name: "new_one" },
      },
    ],
    [
      "a deletion in WhatsApp Manager (reason null)",
      {
        field: "message_template_status_update",
        value: { event: "PENDING_DELETION", reason: null, ...ids },
      },
    ],
    [
      "a pause with other_info",
      {
        field: "message_template_status_update",
        value: {
          event: "PAUSED",
          reason: "NONE",
          other_info: { title: "FIRST_PAUSE", description: "Paused for 3 hours." },
          ...ids,
        },
      },
    ],
    [
      "a FLAGGED template",
      { field: "message_template_status_update", value: { event: "FLAGGED", ...ids } },
    ],
    [
      "a language written en-US",
      {
        field: "message_template_status_update",
        value: {
          event: "REJECTED",
          reason: "INVALID_FORMAT",
          message_template_name: "order_shipped",
          message_template_language: "en-US",
        },
      },
    ],
    [
      "an edit (components update)",
      {
        field: "message_template_components_update",
        value: { ...ids, message_template_element: "Thanks, {{1}}!", message_template_title: "Hi" },
      },
    ],
    [
      "a category update for an unknown category",
      { field: "template_category_update", value: { ...ids, new_category: "UNKNOWN" } },
    ],
  ];

  test.each(DOCUMENTED)("%s is handled, never dead-lettered", async (_label, change) => {
    await harness();
    await createTemplate(h!);
    const delivery = await forward(h!, [change]);
    expect([delivery.deadLetter, delivery.failed ?? false]).toEqual([undefined, false]);
  });

  test("quality, statuses and reasons land as the payloads say", async () => {
    await harness();
    const templateId = await createTemplate(h!);
    const view = () => h!.admin.query(api.whatsapp.templates.get, { ...env, templateId });
    await forward(h!, [DOCUMENTED[3]![1]]);
    expect([(await view()).status, (await view()).statusReason]).toEqual([
      "PAUSED",
      "FIRST_PAUSE: Paused for 3 hours.",
    ]);
    await forward(h!, [DOCUMENTED[4]![1]]);
    expect([(await view()).status, (await view()).lastEvent?.event]).toEqual(["PAUSED", "FLAGGED"]);
    await forward(h!, [DOCUMENTED[5]![1]]);
    expect([(await view()).status, (await view()).statusReason]).toEqual([
      "REJECTED",
      "INVALID_FORMAT",
    ]);
  });
});

describe("reading the provider's list", () => {
  test("a camel-cased list item is read with its quality score", () => {
    expect(
      templateFromProvider({
        id: "1",
        name: "welcome",
        language: "en_US",
        status: "approved",
        category: "MARKETING",
        parameterFormat: "NAMED",
        components: [{ type: "BODY", text: "Hi {{name}}" }],
        qualityScore: { score: "yellow", date: 1758754645 },
        previousCategory: "UTILITY",
      }),
    ).toEqual({
      providerTemplateId: "1",
      name: "welcome",
      language: "en_US",
      status: "APPROVED",
      category: "MARKETING",
      parameterFormat: "named",
      components: [{ type: "BODY", text: "Hi {{name}}" }],
      quality: { score: "YELLOW", at: 1758754645000 },
      previousCategory: "UTILITY",
    });
  });

  test("an item without a name or language is skipped", () => {
    expect(templateFromProvider({ id: "1", name: "x" })).toBeNull();
  });

  test.each([
    ["a next link", { cursors: { after: "B" }, next: "https://x" }, 1, "B"],
    ["no next link on the last page", { cursors: { after: "B" } }, 1, undefined],
    ["a null next link", { cursors: { after: "B" }, next: null }, 2, undefined],
    ["cursors only and a full page", { cursors: { after: "B" } }, 2, "B"],
    ["an empty page", { cursors: { after: "B" }, next: "https://x" }, 0, undefined],
  ] as const)("the next cursor with %s", (_label, paging, received, expected) => {
    const next = nextCursor(paging as never, "A", received, 2);
    expect(next).toBe(expected);
  });

  test("a cursor that does not move ends the list", () => {
    expect(nextCursor({ cursors: { after: "A" }, next: "https://x" }, "A", 2, 2)).toBeUndefined();
  });
});
