/**
 * Voice notes and images end to end: a signed webhook → ingest → the media downloaded through
 * the number's own provider (the fake provider on loopback: Meta's Graph API with the number's
 * token, or Kapso's proxy and its token-bearing download URL) → stored → a voice note
 * transcribed by the stand-in model's `/audio/transcriptions` → the agent's reply, which uses
 * the spoken words. An agent that sees images looks at a stored photo with `media.view`.
 * Real timers (real HTTP): the coalescing window is short, the transcript wait generous.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { spokenOgg, startFakeProvider, type FakeProvider } from "../scripts/fakeProvider";
import { STAND_IN_TRANSCRIPT_LABEL, type StandInModel } from "../scripts/standInModel";
import { repliesOf, useStandInModel } from "./fixtures/agents";
import {
  allRows,
  connectKapsoNumber,
  connectMetaNumber,
  giveAgent,
  kapsoMessage,
  kapsoRequest,
  metaRequest,
  metaVoiceNoteDelivery,
  post,
} from "./fixtures/webhooks";
import { newTest, provisionTenant, type TestConvex } from "./setup";

const realFetch = globalThis.fetch;
const CUSTOMER = "15551230000";
const env = { environment: "development" as const };
let t: TestConvex;
let provider: FakeProvider;
let model: StandInModel;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];

beforeEach(async () => {
  provider = await startFakeProvider({ statusDelaysMs: false });
  vi.stubEnv("KAPSO_API_BASE_URL", provider.url);
  vi.stubEnv("KAPSO_API_KEY", "fake-key");
  vi.stubEnv("META_GRAPH_BASE_URL", provider.url);
  vi.stubEnv("ROUTING_COALESCE_MS", "150");
  vi.stubEnv("VOICE_TRANSCRIPT_WAIT_MS", "10000");
  model = useStandInModel((request) => realFetch(request));
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_voice"));
});

afterEach(async () => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  await provider.close();
});

// The deadline is a safety net for a stalled machine, not what decides the test.
async function until(check: () => Promise<boolean> | boolean, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function firstReply() {
  await until(async () => (await allRows(t, "messages")).some((m) => m.role === "assistant"));
  const [thread] = await allRows(t, "threads");
  return (await repliesOf(t, thread!._id))[0]!.content;
}

const now = () => String(Math.floor(Date.now() / 1000));

test("a Meta-direct voice note gets a reply that uses its transcribed words", async () => {
  const connectionId = await connectMetaNumber(admin, "PNID_META_V", "meta-secret");
  await giveAgent(t, admin, connectionId);
  provider.addMedia("MEDIA_V1", {
    bytes: spokenOgg("My parcel ORD-31 arrived damaged"),
    mimeType: "audio/ogg; codecs=opus",
  });
  const body = metaVoiceNoteDelivery("PNID_META_V", {
    id: "wamid.MV1",
    from: CUSTOMER,
    name: "Rosa",
    mediaId: "MEDIA_V1",
    timestamp: now(),
  });
  expect((await post(t, await metaRequest(body, { secret: "meta-secret" }))).status).toBe(200);

  expect(await firstReply()).toContain("My parcel ORD-31 arrived damaged");
  // Downloaded with the number's own token, uploaded for transcription as `.ogg`.
  expect(provider.mediaDownloads.map((d) => [d.kind, d.credential])).toEqual([
    ["metadata", "token"],
    ["bytes", "token"],
  ]);
  expect(model.transcriptions).toEqual([
    expect.objectContaining({ filename: "voice.ogg", type: "audio/ogg" }),
  ]);
  const voice = (await allRows(t, "messages")).find((m) => m.role === "user")!;
  expect(voice.content).toBe(`${STAND_IN_TRANSCRIPT_LABEL} My parcel ORD-31 arrived damaged`);
  expect(voice.channelData.transcript).toMatchObject({ status: "completed" });
  expect(voice.channelData.media?.storageId).toBeDefined();
  expect(await t.run((ctx) => ctx.db.query("mediaFiles").collect())).toHaveLength(1);
}, 240_000);

test("a Kapso voice note without a transcript is fetched through the proxy and answered", async () => {
  const { connectionId, secret } = await connectKapsoNumber(t, admin, "PNID_KAPSO_V");
  await giveAgent(t, admin, connectionId);
  provider.addMedia("5647382910", {
    bytes: spokenOgg("Can I pay on delivery?"),
    mimeType: "audio/ogg",
  });
  const body = kapsoMessage(
    "PNID_KAPSO_V",
    {
      id: "wamid.KV2",
      timestamp: now(),
      type: "audio",
      audio: { id: "5647382910" },
      kapso: {
        direction: "inbound",
        has_media: true,
        media_data: { filename: "voice.ogg", content_type: "audio/ogg", byte_size: 40 },
      },
    },
    CUSTOMER,
  );
  const request = await kapsoRequest(body, { secret, event: "whatsapp.message.received" });
  expect((await post(t, request)).status).toBe(200);

  expect(await firstReply()).toContain("Can I pay on delivery?");
  // The metadata with the platform key; the bytes from Kapso's download URL, no key sent.
  expect(provider.mediaDownloads.map((d) => [d.kind, d.credential])).toEqual([
    ["metadata", "fake-key"],
    ["bytes", undefined],
  ]);
}, 240_000);

test("an agent that sees images looks at the customer's photo with media.view", async () => {
  const { connectionId, secret } = await connectKapsoNumber(t, admin, "PNID_KAPSO_I");
  const agentId = await giveAgent(t, admin, connectionId);
  await admin.mutation(api.agents.definitions.update, { ...env, agentId, vision: true });
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  provider.addMedia("IMG_1", { bytes: png, mimeType: "image/png" });
  model.script({ toolCalls: [{ name: "media_view", arguments: {} }] });
  const body = kapsoMessage(
    "PNID_KAPSO_I",
    {
      id: "wamid.KI1",
      timestamp: now(),
      type: "image",
      image: { id: "IMG_1", caption: "Is this scratch covered?" },
      kapso: { direction: "inbound", has_media: true },
    },
    CUSTOMER,
  );
  // The scheduled turn is held off; it runs here once the photo is stored.
  vi.stubEnv("ROUTING_COALESCE_MS", "600000");
  const request = await kapsoRequest(body, { secret, event: "whatsapp.message.received" });
  expect((await post(t, request)).status).toBe(200);
  await until(async () =>
    (await allRows(t, "messages")).some((m) => m.channelData.media?.storageId !== undefined),
  );
  const [thread] = await allRows(t, "threads");
  await t.action(internal.agents.turn.run, { threadId: thread!._id, generation: 1 });

  expect(await firstReply()).toBe("I looked at the 1 image(s) you sent.");
  const [first, second] = model.requests;
  const described = first!.messages.filter((m) => m.role === "user").map((m) => m.content);
  expect(described[0]).toMatch(
    /^\[Image\] Is this scratch covered\? \(image\/png, 11 B, media_view id: /,
  );
  const shown = second!.messages.at(-1)!.content as { type: string; image_url?: { url: string } }[];
  expect(shown[1]!.image_url!.url).toBe(
    `data:image/png;base64,${Buffer.from(png).toString("base64")}`,
  );
}, 240_000);
