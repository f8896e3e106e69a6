/**
 * Voice notes through the signed webhooks, with time under control: a provider transcript is
 * the message's text at once, or merged when a redelivery brings it late; without one the note
 * waits for its transcription, and the agent turn waits for it within VOICE_TRANSCRIPT_WAIT_MS —
 * started again the moment the words arrive, or going on with an explicit placeholder at the
 * deadline, the words added to the message afterwards without a second reply.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { VOICE_FAILED } from "../convex/media/transcripts";
import { VOICE_PENDING } from "../convex/whatsapp/messageContent";
import type { StandInModel } from "../scripts/standInModel";
import { repliesOf, runsOf, useStandInModel } from "./fixtures/agents";
import { customerSpeaks, numberWithAgent, type Number } from "./fixtures/metaInbound";
import {
  allRows,
  connectKapsoNumber,
  giveAgent,
  kapsoMessage,
  kapsoRequest,
  post,
} from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const CUSTOMER = "15557771234";
const WAIT_MS = 4_000;

let t: TestConvex;
let model: StandInModel;
let a: Awaited<ReturnType<typeof provisionTenant>>;
let meta: Number;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  vi.stubEnv("VOICE_TRANSCRIPT_WAIT_MS", String(WAIT_MS));
  model = useStandInModel();
  t = newTest();
  a = await provisionTenant(t, "org_a");
  meta = await numberWithAgent(a.admin, {
    phoneNumberId: "PNID_VOICE",
    label: "Support line",
    phoneNumber: "+15550002222",
    agent: { name: "Support", slug: "support", systemPrompt: "You are the support agent." },
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/** A Meta-direct voice note (no transcript: Meta never sends one), through the signed webhook. */
async function metaVoiceNote(id: string) {
  const message = await customerSpeaks(t, meta, { from: CUSTOMER, name: "Rosa" }, id);
  const thread = await t.run((ctx) => ctx.db.get("threads", message.threadId));
  return { message, thread: thread! };
}

async function messageOf(id: Id<"messages">) {
  return (await t.run((ctx) => ctx.db.get("messages", id)))!;
}

/** Turn jobs scheduled for a thread, with when they are due. */
async function turnJobs(threadId: Id<"threads">) {
  const jobs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return jobs
    .filter((j) => j.name.includes("agents/turn") && j.state.kind === "pending")
    .filter((j) => (j.args[0] as { threadId: string }).threadId === threadId);
}

test("a voice note without a transcript is stored pending, its download scheduled", async () => {
  const { message } = await metaVoiceNote("wamid.V1");
  expect(message.content).toBe(VOICE_PENDING);
  expect(message.channelData.transcript).toMatchObject({ status: "pending" });
  const jobs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  expect(jobs.filter((j) => j.name.includes("media/ingest"))).toHaveLength(1);
});

test("the turn waits for a pending transcript and runs as soon as it arrives", async () => {
  const { message, thread } = await metaVoiceNote("wamid.V2");
  await t.action(internal.agents.turn.run, { threadId: thread._id, generation: 1 });
  expect(await runsOf(t, thread._id)).toHaveLength(0);
  expect(model.requests).toHaveLength(0);
  const waiting = await turnJobs(thread._id);
  expect(waiting.map((j) => j.scheduledTime - Date.now())).toContain(WAIT_MS);

  vi.setSystemTime(Date.now() + 1_500);
  await t.mutation(internal.media.store.recordTranscript, {
    messageId: message._id,
    text: "Where is my order ORD-7?",
  });
  const kicked = (await turnJobs(thread._id)).filter((j) => j.scheduledTime <= Date.now());
  expect(kicked).toHaveLength(1);
  await t.action(internal.agents.turn.run, { threadId: thread._id, generation: 1 });
  const [reply] = await repliesOf(t, thread._id);
  expect(reply!.content).toContain("Where is my order ORD-7?");
  expect((await messageOf(message._id)).channelData.transcript).toMatchObject({
    status: "completed",
    source: "transcription",
    text: "Where is my order ORD-7?",
  });
});

test("past the wait the turn goes on with the placeholder, and the words are added later", async () => {
  const { message, thread } = await metaVoiceNote("wamid.V3");
  await t.action(internal.agents.turn.run, { threadId: thread._id, generation: 1 });
  vi.setSystemTime(Date.now() + WAIT_MS);
  await t.action(internal.agents.turn.run, { threadId: thread._id, generation: 1 });
  const userTurns = model.requests[0]!.messages.filter((m) => m.role === "user");
  expect(userTurns.map((m) => m.content)).toEqual([VOICE_PENDING]);
  expect(await repliesOf(t, thread._id)).toHaveLength(1);

  await t.mutation(internal.media.store.recordTranscript, {
    messageId: message._id,
    text: "Never mind, it arrived",
  });
  expect((await messageOf(message._id)).content).toBe("Never mind, it arrived");
  // The turn started again by the late words finds its generation answered: no second reply.
  await t.action(internal.agents.turn.run, { threadId: thread._id, generation: 1 });
  expect(await repliesOf(t, thread._id)).toHaveLength(1);
  expect(model.requests).toHaveLength(1);
});

test("a failed transcription tells the agent the voice note could not be transcribed", async () => {
  const { message } = await metaVoiceNote("wamid.V4");
  await t.mutation(internal.media.store.recordTranscript, {
    messageId: message._id,
    error: "HTTP 400: Unsupported file format",
  });
  const stored = await messageOf(message._id);
  expect(stored.content).toBe(VOICE_FAILED);
  expect(stored.channelData.transcript).toMatchObject({
    status: "failed",
    error: "HTTP 400: Unsupported file format",
  });
});

test("a Kapso transcript that arrives with a redelivery is merged, not dropped", async () => {
  const kapso = await connectKapsoNumber(t, a.admin, "PNID_KAPSO_VOICE");
  await giveAgent(t, a.admin, kapso.connectionId);
  const voice = (transcript?: string) =>
    kapsoMessage("PNID_KAPSO_VOICE", {
      id: "wamid.KV1",
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: "audio",
      audio: { id: "5647382910" },
      kapso: {
        direction: "inbound",
        has_media: true,
        media_data: { filename: "voice.ogg", content_type: "audio/ogg", byte_size: 51200 },
        ...(transcript ? { transcript: { text: transcript } } : {}),
      },
    });
  const deliver = async (body: object) =>
    await post(
      t,
      await kapsoRequest(body, { secret: kapso.secret, event: "whatsapp.message.received" }),
    );
  expect((await deliver(voice())).status).toBe(200);
  const [first] = await allRows(t, "messages");
  expect(first!.content).toBe(VOICE_PENDING);

  expect((await deliver(voice("Hello, I need help with my order"))).status).toBe(200);
  const rows = await allRows(t, "messages");
  expect(rows).toHaveLength(1);
  expect(rows[0]!.content).toBe("Hello, I need help with my order");
  expect(rows[0]!.channelData.transcript).toMatchObject({
    status: "completed",
    source: "provider",
    text: "Hello, I need help with my order",
  });
});

test("a Kapso delivery that carries its transcript is complete at once, with nothing to wait for", async () => {
  const kapso = await connectKapsoNumber(t, a.admin, "PNID_KAPSO_T");
  await giveAgent(t, a.admin, kapso.connectionId);
  const body = kapsoMessage("PNID_KAPSO_T", {
    id: "wamid.KT1",
    timestamp: String(Math.floor(Date.now() / 1000)),
    type: "audio",
    audio: { id: "77" },
    kapso: {
      direction: "inbound",
      content: "[Audio attached] (voice.ogg)\nTranscript: Can I change my delivery address?",
    },
  });
  await post(
    t,
    await kapsoRequest(body, { secret: kapso.secret, event: "whatsapp.message.received" }),
  );
  const [message] = await allRows(t, "messages");
  expect(message!.content).toBe("Can I change my delivery address?");
  expect(message!.channelData.transcript).toMatchObject({
    status: "completed",
    source: "provider",
  });
  await t.action(internal.agents.turn.run, { threadId: message!.threadId, generation: 1 });
  expect((await repliesOf(t, message!.threadId))[0]!.content).toContain(
    "Can I change my delivery address?",
  );
});
