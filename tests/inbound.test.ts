/**
 * Inbound ingest through the signed HTTP actions: every message type rendered and stored with
 * its media, contacts and threads keyed by number and customer (phone or BSUID), the 24-hour
 * window field, routing jobs, dead letters that stay listable and replayable, echoes, template
 * statuses, batches and multi-entry Meta payloads, and tenant isolation.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { ROUTING_COALESCE_MS } from "../convex/agents/turn";
import { parseDelivery } from "../convex/whatsapp/deliveryItems";
import { newTest, provisionTenant, type TestConvex } from "./setup";
import {
  allRows,
  connectKapsoNumber,
  connectMetaNumber,
  giveAgent,
  kapsoBatch,
  kapsoMessage,
  kapsoRequest,
  kapsoText,
  metaEnvelope,
  metaRequest,
  metaStatus,
  metaText,
  metaValue,
  post,
  routingJobs,
  isRoutingJob,
} from "./fixtures/webhooks";

const env = { environment: "development" as const };
const received = { event: "whatsapp.message.received" };
const PNID = "123456789012345";
const NOW = new Date("2025-10-28T14:30:00Z");

let t: TestConvex;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];
let kapso: { connectionId: Id<"whatsappConnections">; secret: string };

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_a"));
  kapso = await connectKapsoNumber(t, admin, PNID);
});

afterEach(() => {
  vi.useRealTimers();
});

async function sendKapso(body: object, options: { event?: string; batch?: boolean } = received) {
  return await post(t, await kapsoRequest(body, { secret: kapso.secret, ...options }));
}

describe("messages", () => {
  test("a text creates contact, thread and message with the WhatsApp timestamp", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    const res = await sendKapso(
      kapsoText({ id: "wamid.1", phoneNumberId: PNID, from: "15551234567", timestamp: 1730092800 }),
    );
    expect(res.status).toBe(200);
    const [contact] = await allRows(t, "contacts");
    expect(contact).toMatchObject({ phoneNumber: "+15551234567", name: "John Doe" });
    expect(contact!.poolKey).toBe(`connection:${kapso.connectionId}`);
    const [thread] = await allRows(t, "threads");
    expect(thread!.externalId).toBe(`whatsapp:${kapso.connectionId}:+15551234567`);
    expect(thread!.channelParams).toEqual({
      phoneNumber: "+15551234567",
      contactName: "John Doe",
      lastInboundAt: 1730092800_000,
    });
    const [message] = await allRows(t, "messages");
    expect(message).toMatchObject({ role: "user", content: "Hello", createdAt: 1730092800_000 });
    expect(message!.channelData).toMatchObject({
      direction: "inbound",
      status: "received",
      providerMessageId: "wamid.1",
      whatsappTimestamp: 1730092800_000,
    });
  });

  test("lastInboundAt only moves forward when an older message arrives late", async () => {
    await sendKapso(
      kapsoText({
        id: "wamid.new",
        phoneNumberId: PNID,
        from: "15551234567",
        timestamp: 1730092900,
      }),
    );
    await sendKapso(
      kapsoText({
        id: "wamid.old",
        phoneNumberId: PNID,
        from: "15551234567",
        timestamp: 1730000000,
      }),
    );
    const threads = await allRows(t, "threads");
    expect(threads).toHaveLength(1);
    expect(threads[0]!.channelParams.lastInboundAt).toBe(1730092900_000);
    expect(await allRows(t, "messages")).toHaveLength(2);
  });

  test("each new message schedules one routing job for the thread's next generation", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    await sendKapso(kapsoText({ id: "wamid.a", phoneNumberId: PNID, from: "15551234567" }));
    await sendKapso(kapsoText({ id: "wamid.b", phoneNumberId: PNID, from: "15551234567" }));
    await sendKapso(kapsoText({ id: "wamid.a", phoneNumberId: PNID, from: "15551234567" }));
    const jobs = await routingJobs(t);
    expect(jobs.map((j) => j.generation)).toEqual([1, 2]);
    const scheduled = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).filter((j) => isRoutingJob(j)),
    );
    expect(scheduled[0]!.scheduledTime).toBe(NOW.getTime() + ROUTING_COALESCE_MS);
    expect((await allRows(t, "threads"))[0]!.generation).toBe(2);
  });

  test("a number with neither agent, router nor default stores the message and records no_handler", async () => {
    await sendKapso(kapsoText({ id: "wamid.nh", phoneNumberId: PNID, from: "15551234567" }));
    expect(await allRows(t, "messages")).toHaveLength(1);
    expect(await routingJobs(t)).toHaveLength(0);
    const failed = await admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true });
    expect(failed.map((d) => d.deadLetter?.reason)).toEqual(["no_handler"]);
  });

  test("the environment's default agent counts as a handler", async () => {
    const agentId = await admin.mutation(api.agents.definitions.create, {
      ...env,
      name: "Default",
      slug: "default",
      systemPrompt: "Hi",
    });
    await admin.mutation(api.whatsapp.connections.setDefaultAgent, { ...env, agentId });
    await sendKapso(kapsoText({ id: "wamid.d", phoneNumberId: PNID, from: "15551234567" }));
    expect(await routingJobs(t)).toHaveLength(1);
  });

  test("a customer without a phone number is keyed by BSUID", async () => {
    const bsuid = "user.9373795779eb6441c8adb2eaee5b848e7dd174ddd302d7db62142f4722d574b6";
    await connectMetaNumber(admin, "106540352242922", "app_secret");
    const body = metaEnvelope([
      {
        changes: [
          {
            value: metaValue("106540352242922", {
              contacts: [{ profile: { name: "Sheena" }, wa_id: "", user_id: bsuid }],
              messages: [{ ...metaText("wamid.BSUID1", "", "hi"), from_user_id: bsuid }],
            }),
          },
        ],
      },
    ]);
    expect((await post(t, await metaRequest(body, { secret: "app_secret" }))).status).toBe(200);
    const [thread] = await allRows(t, "threads");
    expect(thread!.externalId).toMatch(new RegExp(`:bsuid:${bsuid}$`));
    expect(thread!.channelParams).toMatchObject({ bsuid, contactName: "Sheena" });
    expect(thread!.channelParams.phoneNumber).toBeUndefined();
  });

  test("numbers of one memory pool share the contact but keep separate threads", async () => {
    const second = await connectKapsoNumber(t, admin, "222333444");
    const poolId = await t.run(async (ctx) =>
      ctx.db.insert("memoryPools", {
        organizationId: (await ctx.db.query("organizations").first())!._id,
        environment: "development",
        name: "Acme",
        createdAt: 0,
      }),
    );
    for (const connectionId of [kapso.connectionId, second.connectionId]) {
      await admin.mutation(api.whatsapp.connections.update, {
        ...env,
        connectionId,
        memoryPoolId: poolId,
      });
    }
    await sendKapso(kapsoText({ id: "wamid.p1", phoneNumberId: PNID, from: "15551234567" }));
    await post(
      t,
      await kapsoRequest(
        kapsoText({ id: "wamid.p2", phoneNumberId: "222333444", from: "15551234567" }),
        { secret: second.secret, ...received },
      ),
    );
    expect(await allRows(t, "contacts")).toHaveLength(1);
    expect((await allRows(t, "contacts"))[0]!.poolKey).toBe(`pool:${poolId}`);
    expect(await allRows(t, "threads")).toHaveLength(2);
  });
});

describe("every inbound type", () => {
  const cases: [
    string,
    Record<string, unknown>,
    (m: { content: string; channelData: Record<string, unknown> }) => void,
  ][] = [
    [
      "image with caption and media metadata",
      {
        id: "wamid.IMG",
        timestamp: "1749416383",
        type: "image",
        image: { caption: "Look", mime_type: "image/jpeg", sha256: "abc", id: "1003383421387256" },
      },
      (m) => {
        expect(m.content).toBe("[Image] Look");
        expect(m.channelData.media).toMatchObject({
          providerMediaId: "1003383421387256",
          mimeType: "image/jpeg",
          caption: "Look",
        });
      },
    ],
    [
      "voice note with a provider transcript",
      {
        id: "wamid.AUD1",
        timestamp: "1730093100",
        type: "audio",
        audio: { id: "5647382910" },
        kapso: {
          direction: "inbound",
          transcript: { text: "Hello, I need help with my order" },
          media_url: "https://api.kapso.ai/media/def",
          media_data: {
            url: "https://api.kapso.ai/media/def",
            filename: "voice.ogg",
            content_type: "audio/ogg",
            byte_size: 51200,
          },
        },
      },
      (m) => {
        expect(m.content).toBe("Hello, I need help with my order");
        expect(m.channelData.media).toMatchObject({
          url: "https://api.kapso.ai/media/def",
          mimeType: "audio/ogg",
          size: 51200,
        });
      },
    ],
    [
      "voice note without transcript",
      {
        id: "wamid.AUD2",
        timestamp: "1749416383",
        type: "audio",
        audio: { id: "1", mime_type: "audio/ogg; codecs=opus", voice: true },
      },
      (m) => expect(m.content).toBe("[Voice message: transcription pending]"),
    ],
    [
      "video",
      {
        id: "wamid.VID",
        timestamp: "1749416383",
        type: "video",
        video: { caption: "Clip", mime_type: "video/mp4", id: "2" },
      },
      (m) => expect(m.content).toBe("[Video] Clip"),
    ],
    [
      "document",
      {
        id: "wamid.DOC",
        timestamp: "1749416383",
        type: "document",
        document: {
          caption: "Invoice",
          filename: "invoice.pdf",
          mime_type: "application/pdf",
          id: "3",
        },
      },
      (m) => {
        expect(m.content).toBe("[Document: invoice.pdf] Invoice");
        expect(m.channelData.media).toMatchObject({ filename: "invoice.pdf" });
      },
    ],
    [
      "sticker",
      {
        id: "wamid.STK",
        timestamp: "1749416383",
        type: "sticker",
        sticker: { mime_type: "image/webp", id: "4", animated: false },
      },
      (m) => expect(m.content).toBe("[Sticker]"),
    ],
    [
      "location",
      {
        id: "wamid.LOC",
        timestamp: "1749416383",
        type: "location",
        location: {
          address: "1 Hacker Way",
          latitude: 37.48,
          longitude: -122.14,
          name: "Philz Coffee",
        },
      },
      (m) => {
        expect(m.content).toBe("[Location: Philz Coffee, 1 Hacker Way (37.48, -122.14)]");
        expect(m.channelData.payload).toMatchObject({ latitude: 37.48, longitude: -122.14 });
      },
    ],
    [
      "contacts",
      {
        id: "wamid.CON",
        timestamp: "1749416383",
        type: "contacts",
        contacts: [
          {
            name: { formatted_name: "Barbara J. Johnson" },
            phones: [{ phone: "+1 (650) 555-1234", wa_id: "16505551234" }],
          },
        ],
      },
      (m) => expect(m.content).toBe("[Shared contact: Barbara J. Johnson +1 (650) 555-1234]"),
    ],
    [
      "interactive button reply",
      {
        id: "wamid.BTN",
        timestamp: "1712595443",
        type: "interactive",
        context: { from: "15550783881", id: "wamid.OUTBTN" },
        interactive: {
          type: "button_reply",
          button_reply: { id: "change-button", title: "Change" },
        },
      },
      (m) => {
        expect(m.content).toBe("Change");
        expect(m.channelData.payload).toEqual({
          kind: "button_reply",
          id: "change-button",
          title: "Change",
        });
        expect(m.channelData.contextMessageId).toBe("wamid.OUTBTN");
      },
    ],
    [
      "interactive list reply",
      {
        id: "wamid.LIST",
        timestamp: "1712595443",
        type: "interactive",
        interactive: {
          type: "list_reply",
          list_reply: {
            id: "priority_express",
            title: "Priority Mail Express",
            description: "Next Day",
          },
        },
      },
      (m) =>
        expect(m.channelData.payload).toMatchObject({ kind: "list_reply", id: "priority_express" }),
    ],
    [
      "template quick-reply button",
      {
        id: "wamid.QR",
        timestamp: "1749416383",
        type: "button",
        button: { payload: "Unsubscribe", text: "Unsubscribe" },
      },
      (m) => expect(m.content).toBe("Unsubscribe"),
    ],
    [
      "reaction",
      {
        id: "wamid.REACT",
        timestamp: "1749416383",
        type: "reaction",
        reaction: { message_id: "wamid.OUT1", emoji: "👍" },
      },
      (m) => {
        expect(m.content).toBe("[Reacted 👍 to a message]");
        expect(m.channelData.contextMessageId).toBe("wamid.OUT1");
      },
    ],
    [
      "order",
      {
        id: "wamid.ORDER",
        timestamp: "1749416383",
        type: "order",
        order: {
          catalog_id: "1",
          text: "Before 5pm",
          product_items: [
            { product_retailer_id: "di9ozbzfi4", quantity: 2, item_price: 30, currency: "USD" },
          ],
        },
      },
      (m) => expect(m.content).toBe("[Order: 2 × di9ozbzfi4] Before 5pm"),
    ],
    [
      "system notice",
      {
        id: "wamid.SYS",
        timestamp: "1749416383",
        type: "system",
        system: { body: "User changed number", wa_id: "16505559999", type: "user_changed_number" },
      },
      (m) => expect(m.content).toBe("User changed number"),
    ],
    [
      "unsupported",
      {
        id: "wamid.UNS",
        timestamp: "1749416383",
        type: "unsupported",
        unsupported: { type: "poll" },
        errors: [{ code: 131051, title: "Message type unknown" }],
      },
      (m) => {
        expect(m.content).toBe("[Unsupported message: poll]");
        expect(m.channelData.payload).toMatchObject({ errorCode: 131051 });
      },
    ],
  ];

  test.each(cases)("%s is stored with a readable rendering", async (_name, message, check) => {
    const res = await sendKapso(kapsoMessage(PNID, message));
    expect(res.status).toBe(200);
    const [stored] = await allRows(t, "messages");
    expect(stored, "stored").toBeDefined();
    check(stored as never);
  });

  test("reactions and system notices do not start an agent turn; texts do", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    await sendKapso(kapsoMessage(PNID, cases[11]![1]));
    await sendKapso(kapsoMessage(PNID, cases[13]![1]));
    expect(await routingJobs(t)).toHaveLength(0);
    await sendKapso(kapsoText({ id: "wamid.T", phoneNumberId: PNID, from: "15551234567" }));
    expect(await routingJobs(t)).toHaveLength(1);
  });
});

describe("echoes", () => {
  async function outboundRow(providerMessageId?: string) {
    return await t.run(async (ctx) => {
      const thread = (await ctx.db.query("threads").first())!;
      return await ctx.db.insert("messages", {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: kapso.connectionId,
        role: "assistant",
        content: "On my way",
        channelData: {
          channel: "whatsapp",
          direction: "outbound",
          type: "text",
          status: "queued",
          statusTimestamps: { queuedAt: 1 },
          ...(providerMessageId ? { providerMessageId } : {}),
        },
        createdAt: 1,
      });
    });
  }

  const sentEcho = (origin: string) => ({
    message: {
      id: "wamid.OUT1",
      timestamp: "1730092860",
      type: "text",
      to: "15551234567",
      text: { body: "On my way" },
      kapso: {
        direction: "outbound",
        status: "sent",
        origin,
        statuses: [
          {
            id: "wamid.OUT1",
            status: "sent",
            timestamp: "1730092860",
            recipient_id: "15551234567",
          },
        ],
      },
    },
    conversation: { id: "conv_1", phone_number: "+15551234567", phone_number_id: PNID },
    phone_number_id: PNID,
  });

  test("a cloud_api echo of our own send updates the outbound row and creates nothing", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    await sendKapso(kapsoText({ id: "wamid.in", phoneNumberId: PNID, from: "15551234567" }));
    const id = await outboundRow("wamid.OUT1");
    await sendKapso(sentEcho("cloud_api"), { event: "whatsapp.message.sent" });
    const messages = await allRows(t, "messages");
    expect(messages).toHaveLength(2);
    const row = messages.find((m) => m._id === id)!;
    expect(row.channelData.status).toBe("sent");
    expect(row.channelData.statusTimestamps.sentAt).toBe(1730092860_000);
    expect(await routingJobs(t)).toHaveLength(1);
  });

  test("a business_app echo is stored as a human message and hands the thread to a human", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    await sendKapso(kapsoText({ id: "wamid.in", phoneNumberId: PNID, from: "15551234567" }));
    await sendKapso(sentEcho("business_app"), { event: "whatsapp.message.sent" });
    const human = (await allRows(t, "messages")).find((m) => m.role === "human")!;
    expect(human.content).toBe("On my way");
    expect(human.channelData).toMatchObject({ direction: "outbound", origin: "business_app" });
    const [thread] = await allRows(t, "threads");
    expect(thread!.owner).toBe("human");
    expect(thread!.ownerChangedAt).toBe(NOW.getTime());
    const history = await t.run((ctx) => ctx.db.query("handoffEvents").collect());
    expect(history.map((h) => [h.to, h.reason])).toEqual([["human", "business_app_reply"]]);
    // The customer writes again: stored, but no agent turn while a human owns the thread.
    await sendKapso(kapsoText({ id: "wamid.in2", phoneNumberId: PNID, from: "15551234567" }));
    expect(await routingJobs(t)).toHaveLength(1);
  });

  test("a status that arrives before the send returned is applied when the row gets its id", async () => {
    await sendKapso(kapsoText({ id: "wamid.in", phoneNumberId: PNID, from: "15551234567" }));
    await sendKapso(
      {
        message: {
          id: "wamid.EARLY",
          timestamp: "1730092870",
          type: "text",
          kapso: {
            direction: "outbound",
            status: "delivered",
            statuses: [{ id: "wamid.EARLY", status: "delivered", timestamp: "1730092870" }],
          },
        },
        phone_number_id: PNID,
      },
      { event: "whatsapp.message.delivered" },
    );
    expect(await t.run((ctx) => ctx.db.query("pendingStatuses").collect())).toHaveLength(1);
    const id = await outboundRow("wamid.EARLY");
    await t.run(async (ctx) => {
      const { applyPendingStatuses } = await import("../convex/whatsapp/statuses");
      await applyPendingStatuses(ctx, (await ctx.db.get("messages", id))!);
    });
    const row = await t.run((ctx) => ctx.db.get("messages", id));
    expect(row!.channelData.status).toBe("delivered");
    expect(row!.channelData.statusTimestamps.deliveredAt).toBe(1730092870_000);
    expect(await t.run((ctx) => ctx.db.query("pendingStatuses").collect())).toHaveLength(0);
  });

  test("a status carrying our row id as biz_opaque_callback_data reconciles a row without wamid", async () => {
    const metaId = await connectMetaNumber(admin, "106540352242922", "app_secret");
    await post(
      t,
      await metaRequest(
        metaEnvelope([
          {
            changes: [
              {
                value: metaValue("106540352242922", {
                  messages: [metaText("wamid.in", "16505551234", "hi")],
                }),
              },
            ],
          },
        ]),
        { secret: "app_secret" },
      ),
    );
    const rowId = await t.run(async (ctx) => {
      const thread = (await ctx.db.query("threads").first())!;
      return await ctx.db.insert("messages", {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: metaId,
        role: "assistant",
        content: "x",
        channelData: {
          channel: "whatsapp",
          direction: "outbound",
          type: "text",
          status: "queued",
          statusTimestamps: {},
        },
        createdAt: 1,
      });
    });
    const statusBody = metaEnvelope([
      {
        changes: [
          {
            value: metaValue("106540352242922", {
              statuses: [
                metaStatus("wamid.LOST", "sent", 1750263773, { biz_opaque_callback_data: rowId }),
              ],
            }),
          },
        ],
      },
    ]);
    await post(t, await metaRequest(statusBody, { secret: "app_secret" }));
    const row = await t.run((ctx) => ctx.db.get("messages", rowId));
    expect(row!.channelData).toMatchObject({ providerMessageId: "wamid.LOST", status: "sent" });
  });
});

describe("batches and multi-entry payloads", () => {
  test("a batched Kapso delivery stores every message, once", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    const items = Array.from({ length: 5 }, (_, i) =>
      kapsoText({
        id: `wamid.b${i}`,
        phoneNumberId: PNID,
        from: "15551234567",
        text: `m${i}`,
        timestamp: 1730092801 + i,
      }),
    );
    const res = await sendKapso(kapsoBatch(items), { batch: true });
    expect(res.status).toBe(200);
    await sendKapso(kapsoBatch(items), { batch: true });
    const messages = await allRows(t, "messages");
    expect(messages.map((m) => m.content).sort()).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    // One customer, one thread: routed once, for the generation of the batch's last message.
    expect(await routingJobs(t)).toEqual([{ threadId: messages[0]!.threadId, generation: 5 }]);
    const deliveries = await admin.query(api.whatsapp.deliveries.list, env);
    expect(deliveries.map((d) => [d.counts.messages, d.counts.duplicates])).toEqual([
      [0, 5],
      [5, 0],
    ]);
  });

  test("a bad item in a batch is dead-lettered and its valid siblings are stored", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    const items: object[] = [
      kapsoText({ id: "wamid.ok1", phoneNumberId: PNID, from: "15551234567" }),
      { message: { type: "text" }, phone_number_id: PNID },
      kapsoText({ id: "wamid.ok2", phoneNumberId: PNID, from: "15551234567" }),
    ];
    await sendKapso(kapsoBatch(items), { batch: true });
    expect(await allRows(t, "messages")).toHaveLength(2);
    const [delivery] = await admin.query(api.whatsapp.deliveries.list, {
      ...env,
      failedOnly: true,
    });
    expect(delivery!.deadLetter?.reason).toBe("invalid_message");
  });

  test("a Meta payload of 3 entries × 2 changes with messages and statuses is stored in full", async () => {
    const metaConnections = [
      await connectMetaNumber(admin, "PN1", "app_secret"),
      await connectMetaNumber(admin, "PN2", "app_secret"),
    ];
    // Outbound rows the statuses refer to.
    await post(
      t,
      await metaRequest(
        metaEnvelope([
          {
            changes: [
              {
                value: metaValue("PN1", {
                  messages: [metaText("wamid.seed1", "14155550000", "seed")],
                }),
              },
            ],
          },
        ]),
        { secret: "app_secret" },
      ),
    );
    const outboundIds = await t.run(async (ctx) => {
      const thread = (await ctx.db.query("threads").first())!;
      const ids: string[] = [];
      for (let e = 0; e < 3; e++) {
        for (let c = 0; c < 2; c++) {
          const wamid = `wamid.out.${e}.${c}`;
          await ctx.db.insert("messages", {
            organizationId: thread.organizationId,
            environment: thread.environment,
            threadId: thread._id,
            connectionId: metaConnections[c]!,
            role: "assistant",
            content: "x",
            channelData: {
              channel: "whatsapp",
              direction: "outbound",
              type: "text",
              providerMessageId: wamid,
              status: "queued",
              statusTimestamps: {},
            },
            createdAt: 1,
          });
          ids.push(wamid);
        }
      }
      return ids;
    });
    const entries = [0, 1, 2].map((e) => ({
      changes: [0, 1].map((c) => ({
        value: metaValue(`PN${c + 1}`, {
          contacts: [{ profile: { name: `Customer ${e}${c}` }, wa_id: `1650555${e}${c}00` }],
          messages: [0, 1, 2].map((k) =>
            metaText(
              `wamid.in.${e}.${c}.${k}`,
              `1650555${e}${c}00`,
              `hello ${e}${c}${k}`,
              1749416383 + k,
            ),
          ),
          statuses: [
            metaStatus(`wamid.out.${e}.${c}`, "sent", 1750263773),
            metaStatus(`wamid.out.${e}.${c}`, "delivered", 1750263775),
          ],
        }),
      })),
    }));
    const res = await post(t, await metaRequest(metaEnvelope(entries), { secret: "app_secret" }));
    expect(res.status).toBe(200);
    const messages = await allRows(t, "messages");
    const inbound = messages.filter((m) =>
      m.channelData.providerMessageId?.startsWith("wamid.in."),
    );
    expect(inbound).toHaveLength(18);
    const outbound = messages.filter((m) => outboundIds.includes(m.channelData.providerMessageId!));
    expect(outbound.map((m) => m.channelData.status)).toEqual(Array(6).fill("delivered"));
    expect(outbound.every((m) => m.channelData.statusTimestamps.sentAt === 1750263773_000)).toBe(
      true,
    );
    // 6 customers on 2 numbers, plus the seed customer.
    expect(await allRows(t, "threads")).toHaveLength(7);
    const threads = await allRows(t, "threads");
    expect(
      threads.find((th) => th.externalId.endsWith("+16505551100"))!.channelParams.contactName,
    ).toBe("Customer 11");
  });
});

describe("the ingest transaction", () => {
  test("acts on the items the HTTP action parsed, without parsing the body again", async () => {
    await giveAgent(t, admin, kapso.connectionId);
    const headers = { "x-webhook-event": "whatsapp.message.received" };
    const body = kapsoText({ id: "wamid.parsed", phoneNumberId: PNID, from: "15551234567" });
    const parsed = parseDelivery("kapso_messages", body, headers, Date.now());
    const result = await t.mutation(internal.whatsapp.deliveries.ingest, {
      source: "kapso_messages",
      receivedAt: Date.now(),
      // Not JSON: a second parse would record the delivery as malformed.
      body: "{ parsed once, in the HTTP action",
      headers,
      verdict: "accepted",
      verifiedConnectionIds: [kapso.connectionId],
      parsed,
    });
    expect(result).toMatchObject({ verdict: "accepted", messages: 1 });
    const [message] = await allRows(t, "messages");
    expect(message).toMatchObject({ content: "Hello" });
    expect(message!.channelData.providerMessageId).toBe("wamid.parsed");
  });
});

describe("dead letters, listing and replay", () => {
  test("an unknown event is answered 200 and recorded; an unparseable body is refused", async () => {
    const unknownEvent = await sendKapso(
      kapsoText({ id: "wamid.e", phoneNumberId: PNID, from: "1" }),
      { event: "whatsapp.something.new" },
    );
    expect(unknownEvent.status).toBe(200);
    const garbage = await post(
      t,
      await kapsoRequest("{not json", { secret: kapso.secret, ...received }),
    );
    expect(garbage.status).toBe(401);
    const all = await allRows(t, "webhookDeliveries");
    expect(all.map((d) => [d.verdict, d.deadLetter?.reason ?? null])).toEqual([
      ["accepted", "unknown_event"],
    ]);
    expect(all.every((d) => d.failed === true)).toBe(true);
    expect(await allRows(t, "messages")).toHaveLength(0);
  });

  test("the operators' failed list finds a dead letter under many good deliveries", async () => {
    await sendKapso(kapsoText({ id: "wamid.lost", phoneNumberId: PNID, from: "15551234567" }), {
      event: "whatsapp.something.new",
    });
    await giveAgent(t, admin, kapso.connectionId);
    for (let i = 0; i < 30; i++) {
      await sendKapso(kapsoText({ id: `wamid.ok${i}`, phoneNumberId: PNID, from: "15551234567" }));
    }
    const failed = await t.query(internal.whatsapp.deliveries.listInternal, {
      failedOnly: true,
      limit: 5,
    });
    expect(failed.map((d) => d.deadLetter?.reason)).toEqual(["unknown_event"]);
  });

  test("a no_handler delivery replayed after an agent is assigned is routed and resolved", async () => {
    await sendKapso(kapsoText({ id: "wamid.r", phoneNumberId: PNID, from: "15551234567" }));
    const [failed] = await admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true });
    expect(failed!.replayable).toBe(true);
    await giveAgent(t, admin, kapso.connectionId);
    const replayed = await admin.mutation(api.whatsapp.deliveries.replay, {
      ...env,
      deliveryId: failed!._id,
    });
    expect(replayed).toMatchObject({ failed: false, replays: 1 });
    expect(
      await admin.query(api.whatsapp.deliveries.list, { ...env, failedOnly: true }),
    ).toHaveLength(0);
    // The message was already stored: the replay deduplicates it and does not store it twice.
    expect(await allRows(t, "messages")).toHaveLength(1);
  });
});

describe("template status webhooks", () => {
  test("update the stored template by provider id, else by account, name and language", async () => {
    const metaId = await connectMetaNumber(admin, "PN_T", "app_secret", "development", "WABA_T");
    const templateId = await t.run(async (ctx) => {
      const c = (await ctx.db.get("whatsappConnections", metaId))!;
      return await ctx.db.insert("templates", {
        organizationId: c.organizationId,
        environment: c.environment,
        connectionId: metaId,
        businessAccountId: "WABA_T",
        name: "order_confirmation",
        language: "en_US",
        category: "UTILITY",
        parameterFormat: "named",
        status: "PENDING",
        components: [],
        updatedAt: 0,
      });
    });
    const body = metaEnvelope([
      {
        id: "WABA_T",
        changes: [
          {
            field: "message_template_status_update",
            value: {
              event: "REJECTED",
              message_template_id: 1252715608684590,
              message_template_name: "order_confirmation",
              message_template_language: "en_US",
              reason: "INVALID_FORMAT",
            },
          },
        ],
      },
    ]);
    expect((await post(t, await metaRequest(body, { secret: "app_secret" }))).status).toBe(200);
    const template = await t.run((ctx) => ctx.db.get("templates", templateId));
    expect(template).toMatchObject({
      status: "REJECTED",
      statusReason: "INVALID_FORMAT",
      providerTemplateId: "1252715608684590",
    });
  });
});

describe("tenant isolation", () => {
  test("two organizations with the same customer never share contacts, threads or messages", async () => {
    const b = await provisionTenant(t, "org_b");
    const other = await connectKapsoNumber(t, b.admin, "888777666");
    const prodA = await admin.mutation(api.whatsapp.connections.enable, {
      environment: "production",
    });
    expect(prodA).toBeDefined();
    const prod = await connectKapsoNumber(t, admin, "555444333", "production");
    const customer = "15551234567";
    await sendKapso(kapsoText({ id: "wamid.same", phoneNumberId: PNID, from: customer }));
    await post(
      t,
      await kapsoRequest(
        kapsoText({ id: "wamid.same", phoneNumberId: "888777666", from: customer }),
        { secret: other.secret, ...received },
      ),
    );
    await post(
      t,
      await kapsoRequest(
        kapsoText({ id: "wamid.same", phoneNumberId: "555444333", from: customer }),
        { secret: prod.secret, ...received },
      ),
    );
    const messages = await allRows(t, "messages");
    const threads = await allRows(t, "threads");
    const contacts = await allRows(t, "contacts");
    expect(messages).toHaveLength(3);
    expect(threads).toHaveLength(3);
    expect(contacts).toHaveLength(3);
    for (const m of messages) {
      const thread = threads.find((th) => th._id === m.threadId)!;
      const contact = contacts.find((c) => c._id === thread.contactId)!;
      expect([thread.organizationId, thread.environment]).toEqual([
        m.organizationId,
        m.environment,
      ]);
      expect([contact.organizationId, contact.environment]).toEqual([
        m.organizationId,
        m.environment,
      ]);
      expect(thread.connectionId).toBe(m.connectionId);
    }
    expect(new Set(messages.map((m) => `${m.organizationId}:${m.environment}`)).size).toBe(3);
    // Each tenant's delivery log shows only its own delivery.
    const listA = await admin.query(api.whatsapp.deliveries.list, env);
    const listB = await b.admin.query(api.whatsapp.deliveries.list, env);
    const listProd = await admin.query(api.whatsapp.deliveries.list, { environment: "production" });
    expect([listA.length, listB.length, listProd.length]).toEqual([1, 1, 1]);
    expect(listA[0]!.connectionId).toBe(kapso.connectionId);
    expect(listB[0]!.connectionId).toBe(other.connectionId);
    expect(listProd[0]!.connectionId).toBe(prod.connectionId);
  });
});
