/**
 * The inbox list reads everything it shows from the thread itself: the newest message's preview
 * (who, a short text or a label for media and templates, when) and the team's unread count,
 * kept when a message is stored (and when a voice note's words arrive later, while it is still the
 * newest message); opening the conversation (`markSeen`) resets the count for the
 * whole team. Threads stored before these fields existed still show their newest message.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Doc, Id } from "../convex/_generated/dataModel";
import { insertMessage } from "../convex/inbox/messages";
import { PREVIEW_LENGTH, lastMessageOf } from "../convex/inbox/threadPreview";
import { enqueueOutbound } from "../convex/outbound/sends";
import { expectCode } from "./fixtures/errors";
import { customerSpeaks as speaks, customerWrites, type Number } from "./fixtures/metaInbound";
import { allRows, connectKapsoNumber, kapsoMessage, kapsoRequest, post } from "./fixtures/webhooks";
import { SECRETS, seedWorld, type World } from "./fixtures/world";
import { newTest, type TestConvex } from "./setup";

const env = { environment: "development" as const };
const CUSTOMER = "15558880000";
let t: TestConvex;
let world: World;
let number: Number;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
  t = newTest();
  world = await seedWorld(t);
  number = {
    connectionId: world.ids.metaConnectionId,
    phoneNumberId: "PNID_A_META",
    appSecret: SECRETS.appSecret,
  };
});

afterEach(() => vi.useRealTimers());

async function listed(threadId: string) {
  const inbox = await world.orgA.member.query(api.inbox.threads.list, {
    ...env,
    paginationOpts: { numItems: 20, cursor: null },
  });
  return inbox.page.find((th) => th._id === threadId)!;
}

async function aiReplies(thread: Pick<Doc<"threads">, "_id">, text: string) {
  await t.run((ctx) =>
    enqueueOutbound(ctx, {
      threadId: thread._id,
      role: "assistant",
      content: { kind: "text", text },
    }),
  );
}

async function markSeen(thread: Doc<"threads">) {
  await world.orgA.member.mutation(api.inbox.threads.markSeen, { ...env, threadId: thread._id });
}

describe("the thread's preview and unread count", () => {
  test("a customer message becomes the preview and counts as unread", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Where   is\nmy parcel?");
    expect((await listed(thread._id)).lastMessage).toEqual({
      direction: "inbound",
      role: "user",
      preview: "Where is my parcel?",
      at: Date.now(),
    });
    await customerWrites(t, number, CUSTOMER, "Hello?");
    expect((await listed(thread._id)).unreadCount).toBe(2);
  });

  test("a reply moves the preview but adds nothing unread", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Where is my parcel?");
    vi.advanceTimersByTime(5_000);
    await aiReplies(thread, "It left the warehouse this morning.");
    const row = await listed(thread._id);
    expect(row.lastMessage).toMatchObject({
      direction: "outbound",
      role: "assistant",
      preview: "It left the warehouse this morning.",
      at: Date.now(),
    });
    expect(row.unreadCount).toBe(1);
  });

  test("a customer message delivered late counts as unread but leaves the newer preview", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Hi");
    vi.advanceTimersByTime(60_000);
    await aiReplies(thread, "Hello! How can I help?");
    await t.run(async (ctx) => {
      await insertMessage(ctx, {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId: thread.connectionId,
        role: "user",
        content: "written before the reply",
        channelData: {
          channel: "whatsapp",
          direction: "inbound",
          type: "text",
          status: "received",
          statusTimestamps: {},
        },
        createdAt: Date.now() - 30_000,
      });
    });
    const row = await listed(thread._id);
    expect(row.lastMessage?.preview).toBe("Hello! How can I help?");
    expect(row.unreadCount).toBe(2);
  });
});

describe("a voice note's preview", () => {
  /** The customer records a voice note now; returns the message. */
  const customerSpeaks = (id: string) => speaks(t, number, { from: CUSTOMER, name: "Anish" }, id);

  async function transcribed(messageId: Id<"messages">, text: string) {
    await t.mutation(internal.media.store.recordTranscript, { messageId, text });
  }

  test("a transcript that arrives later fills in the newest message's preview", async () => {
    const note = await customerSpeaks("wamid.VP1");
    expect((await listed(note.threadId)).lastMessage?.preview).toBe("Voice message");
    vi.advanceTimersByTime(3_000);
    await transcribed(note._id, "Where is\nmy parcel?");
    expect((await listed(note.threadId)).lastMessage).toEqual({
      direction: "inbound",
      role: "user",
      preview: "Voice message: Where is my parcel?",
      at: note.createdAt,
    });
  });

  test("the transcript of an older voice note leaves a newer message's preview alone", async () => {
    const note = await customerSpeaks("wamid.VP2");
    vi.advanceTimersByTime(5_000);
    await aiReplies({ _id: note.threadId }, "Let me check.");
    await transcribed(note._id, "Where is my parcel?");
    expect((await listed(note.threadId)).lastMessage?.preview).toBe("Let me check.");
  });

  test("a message written in the same second after the voice note keeps the preview", async () => {
    const note = await customerSpeaks("wamid.VP3");
    await customerWrites(t, number, CUSTOMER, "Hello?");
    await transcribed(note._id, "Where is my parcel?");
    const row = await listed(note.threadId);
    expect(row.lastMessage).toMatchObject({ preview: "Hello?", at: note.createdAt });
  });

  test("a voice note that arrives with its transcript previews its words at once", async () => {
    const kapso = await connectKapsoNumber(t, world.orgA.admin, "PNID_KAPSO_PREVIEW");
    const body = kapsoMessage("PNID_KAPSO_PREVIEW", {
      id: "wamid.KVP1",
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: "audio",
      audio: { id: "5647382910", voice: true },
      kapso: {
        direction: "inbound",
        has_media: true,
        content: "[Audio attached] (voice.ogg)\nTranscript: Hello, I need help with my order",
        transcript: { text: "Hello, I need help with my order" },
      },
    });
    const event = "whatsapp.message.received";
    expect((await post(t, await kapsoRequest(body, { secret: kapso.secret, event }))).status).toBe(
      200,
    );
    const [thread] = (await allRows(t, "threads")).filter(
      (th) => th.connectionId === kapso.connectionId,
    );
    expect((await listed(thread!._id)).lastMessage?.preview).toBe(
      "Voice message: Hello, I need help with my order",
    );
  });
});

describe("what a preview says", () => {
  const base = {
    role: "user" as const,
    createdAt: 1,
    channelData: {
      channel: "whatsapp" as const,
      direction: "inbound" as const,
      type: "text",
      status: "received" as const,
      statusTimestamps: {},
    },
  };

  test("long text is cut to the preview length with an ellipsis", () => {
    const preview = lastMessageOf({ ...base, content: "ab ".repeat(100) }).preview;
    expect(Array.from(preview)).toHaveLength(PREVIEW_LENGTH);
    expect(preview.endsWith("…")).toBe(true);
  });

  test("a voice note's transcript is one line, cut like any text", () => {
    const text = "word\n".repeat(100);
    const channelData = {
      ...base.channelData,
      type: "audio",
      payload: { voice: true },
      transcript: { status: "completed" as const, text, requestedAt: 1 },
    };
    const preview = lastMessageOf({ ...base, content: text, channelData }).preview;
    expect(preview.startsWith("Voice message: word word")).toBe(true);
    expect(Array.from(preview)).toHaveLength(PREVIEW_LENGTH);
    expect(preview.endsWith("…")).toBe(true);
  });

  test("a cut never splits an emoji", () => {
    const preview = lastMessageOf({ ...base, content: "😀".repeat(200) }).preview;
    expect(preview).toBe(`${"😀".repeat(PREVIEW_LENGTH - 1)}…`);
  });

  test("media, voice notes and templates are named, with a caption when there is one", () => {
    const of = (type: string, extra: object, content = "") =>
      lastMessageOf({ ...base, content, channelData: { ...base.channelData, type, ...extra } })
        .preview;
    expect(of("image", { media: {} }, "[Image]")).toBe("Image");
    expect(of("image", { media: { caption: "the dent" } }, "[Image] the dent")).toBe(
      "Image: the dent",
    );
    expect(of("document", { media: { filename: "invoice.pdf" } })).toBe("Document: invoice.pdf");
    expect(of("audio", { payload: { voice: true } }, "my words")).toBe("Voice message");
    expect(of("audio", { payload: { voice: false } })).toBe("Audio");
    expect(of("audio", { payload: { voice: true, transcribed: true } }, " my words ")).toBe(
      "Voice message: my words",
    );
    expect(of("template", { templateName: "order_update" }, "[Template: order_update] Hi")).toBe(
      "Template: order_update",
    );
    expect(of("location", {}, "[Location: Main St (1, 2)]")).toBe("[Location: Main St (1, 2)]");
  });
});

describe("markSeen", () => {
  test("opening the conversation resets the count for the whole team and records who", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Hello?");
    await markSeen(thread);
    const row = await world.orgA.admin.query(api.inbox.threads.get, {
      ...env,
      threadId: thread._id,
    });
    expect(row).toMatchObject({
      unreadCount: 0,
      lastSeenAt: Date.now(),
      lastSeenBy: "user_2_org_a",
    });
    await customerWrites(t, number, CUSTOMER, "Still there?");
    expect((await listed(thread._id)).unreadCount).toBe(1);
  });

  test("opening it again with nothing new writes nothing", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Hello?");
    await markSeen(thread);
    const seenAt = Date.now();
    vi.advanceTimersByTime(60_000);
    await markSeen(thread);
    expect((await listed(thread._id)).lastSeenAt).toBe(seenAt);
  });

  test("another organization cannot mark a thread seen", async () => {
    const thread = await customerWrites(t, number, CUSTOMER, "Hello?");
    await expectCode(
      world.orgB.admin.mutation(api.inbox.threads.markSeen, { ...env, threadId: thread._id }),
      "NOT_FOUND",
    );
    await expectCode(
      world.orgA.admin.mutation(api.inbox.threads.markSeen, {
        environment: "production",
        threadId: thread._id,
      }),
      "NOT_FOUND",
    );
    expect((await listed(thread._id)).unreadCount).toBe(1);
  });
});

test("a thread stored before previews existed is listed with its newest message", async () => {
  const row = await listed(world.ids.threadId);
  expect(row.lastMessage).toEqual({
    direction: "inbound",
    role: "user",
    preview: "Where is my order?",
    at: 0,
  });
  expect(row.unreadCount).toBeUndefined();
});
