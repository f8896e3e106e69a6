/**
 * Stored media: a file over MEDIA_MAX_BYTES keeps its metadata and is never downloaded; a
 * download that keeps failing is retried a bounded number of times, then recorded on the
 * message (a voice note's transcript fails with it); stored copies are purged after their
 * retention while the message keeps what it said.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { internal } from "../convex/_generated/api";
import { MEDIA_MAX_ATTEMPTS } from "../convex/media/ingest";
import { VOICE_FAILED } from "../convex/media/transcripts";
import { useStandInModel } from "./fixtures/agents";
import { allRows, connectKapsoNumber, kapsoMessage, kapsoRequest, post } from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const DAY = 24 * 60 * 60 * 1000;
let t: TestConvex;
let kapso: Awaited<ReturnType<typeof connectKapsoNumber>>;
let providerCalls: string[];

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-05-14T10:00:00Z"));
  vi.stubEnv("KAPSO_API_BASE_URL", "https://kapso.test");
  vi.stubEnv("KAPSO_API_KEY", "fake-key");
  vi.stubEnv("MEDIA_MAX_BYTES", "1000");
  providerCalls = [];
  useStandInModel(async (request) => {
    providerCalls.push(request.url);
    return new Response("upstream unavailable", { status: 503 });
  });
  t = newTest();
  const { admin } = await provisionTenant(t, "org_media");
  // No agent: nothing but the media work runs here.
  kapso = await connectKapsoNumber(t, admin, "PNID_MEDIA");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function deliver(message: Record<string, unknown>) {
  const body = kapsoMessage("PNID_MEDIA", {
    timestamp: String(Math.floor(Date.now() / 1000)),
    ...message,
  });
  const request = await kapsoRequest(body, {
    secret: kapso.secret,
    event: "whatsapp.message.received",
  });
  expect((await post(t, request)).status).toBe(200);
  return (await allRows(t, "messages")).find(
    (m) => m.channelData.providerMessageId === message.id,
  )!;
}

async function mediaJobs() {
  const jobs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return jobs.filter((j) => j.name.includes("media/ingest"));
}

test("a file over the size limit keeps its metadata and is never downloaded", async () => {
  const message = await deliver({
    id: "wamid.BIG",
    type: "document",
    document: { id: "DOC_BIG", filename: "catalogue.pdf", mime_type: "application/pdf" },
    kapso: { direction: "inbound", media_data: { byte_size: 5_000_000 } },
  });
  expect(message.channelData.media).toMatchObject({
    filename: "catalogue.pdf",
    size: 5_000_000,
    fetchError: "The file is 5000000 bytes, over the 1000-byte limit.",
  });
  expect(await mediaJobs()).toHaveLength(0);
});

test("a download that keeps failing is retried, then recorded; the voice note's transcript fails", async () => {
  const message = await deliver({
    id: "wamid.VFAIL",
    type: "audio",
    audio: { id: "AUD_FAIL", mime_type: "audio/ogg; codecs=opus", voice: true },
    kapso: { direction: "inbound" },
  });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  expect(providerCalls.filter((url) => url.includes("AUD_FAIL"))).toHaveLength(MEDIA_MAX_ATTEMPTS);
  const stored = (await t.run((ctx) => ctx.db.get("messages", message._id)))!;
  expect(stored.content).toBe(VOICE_FAILED);
  expect(stored.channelData.transcript?.status).toBe("failed");
  expect(stored.channelData.media?.fetchError).toMatch(/^The download failed: /);
});

test("stored copies past their retention are purged; the message keeps its metadata", async () => {
  const message = await deliver({
    id: "wamid.IMG_OLD",
    type: "image",
    image: { id: "IMG_OLD", mime_type: "image/jpeg", caption: "receipt" },
    kapso: { direction: "inbound" },
  });
  const storageId = await t.run(async (ctx) => {
    const id = await ctx.storage.store(new Blob([new Uint8Array([1, 2, 3])]));
    const stored = (await ctx.db.get("messages", message._id))!;
    await ctx.db.patch("messages", message._id, {
      channelData: { ...stored.channelData, media: { ...stored.channelData.media, storageId: id } },
    });
    for (const [at, file] of [
      [Date.now() - 31 * DAY, id],
      [Date.now() - DAY, await ctx.storage.store(new Blob([new Uint8Array([4])]))],
    ] as const) {
      await ctx.db.insert("mediaFiles", {
        organizationId: stored.organizationId,
        environment: stored.environment,
        messageId: message._id,
        storageId: file,
        mimeType: "image/jpeg",
        size: 3,
        storedAt: at,
      });
    }
    return id;
  });
  await t.mutation(internal.ops.retention.purge, {
    table: "mediaFiles",
    cutoff: Date.now() - 30 * DAY,
    cursor: null,
  });
  const after = await t.run(async (ctx) => ({
    message: (await ctx.db.get("messages", message._id))!,
    file: await ctx.storage.get(storageId),
    rows: await ctx.db.query("mediaFiles").collect(),
  }));
  expect(after.file).toBeNull();
  expect(after.rows).toHaveLength(1);
  expect(after.message.channelData.media).toMatchObject({
    caption: "receipt",
    mimeType: "image/jpeg",
  });
  expect(after.message.channelData.media?.storageId).toBeUndefined();
});
