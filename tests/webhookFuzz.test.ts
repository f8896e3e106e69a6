/**
 * Fuzzing the webhook endpoints: 5,200 generated requests — malformed and
 * near-valid Kapso and Meta bodies (fields replaced by arbitrary JSON, truncated, random text),
 * signed, unsigned or with broken signature headers and odd event headers — through the real
 * HTTP actions. Never a 5xx; every verified request leaves exactly one delivery record, every
 * refused one a count (or a 429 past the route's limit); stored rows always add up (no thread
 * or contact without its message, counts match rows).
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import type { Id } from "../convex/_generated/dataModel";
import { newTest, provisionTenant, type TestConvex } from "./setup";
import {
  allRows,
  connectKapsoNumber,
  connectMetaNumber,
  giveAgent,
  hmacHex,
  kapsoText,
  metaEnvelope,
  metaStatus,
  metaText,
  metaValue,
} from "./fixtures/webhooks";

const RUNS_PER_ENDPOINT = 2600;
const ANSWERS: Record<string, number> = { accepted: 200, unverified: 401, throttled: 429 };

let t: TestConvex;
let kapso: { connectionId: Id<"whatsappConnections">; secret: string };
let requests = 0;
const answered = { accepted: 0, unverified: 0, throttled: 0 };

beforeAll(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
  t = newTest();
  const { admin } = await provisionTenant(t, "org_fuzz");
  kapso = await connectKapsoNumber(t, admin, "PN_FUZZ");
  await giveAgent(t, admin, kapso.connectionId);
  await connectMetaNumber(admin, "PN_META_FUZZ", "meta_fuzz_secret");
});

afterAll(() => {
  vi.useRealTimers();
});

/** Replaces the value at a path (chosen by index among all paths) with `value`. */
function mutate(doc: unknown, pick: number, value: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i]));
    else if (node !== null && typeof node === "object") {
      for (const [k, child] of Object.entries(node)) walk(child, [...path, k]);
    }
  };
  walk(doc, []);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

const kapsoSeeds = [
  kapsoText({ id: "wamid.f1", phoneNumberId: "PN_FUZZ", from: "15551234567" }),
  {
    type: "whatsapp.message.received",
    batch: true,
    data: [
      kapsoText({ id: "wamid.f2", phoneNumberId: "PN_FUZZ", from: "15551234568" }),
      kapsoText({ id: "wamid.f3", phoneNumberId: "PN_FUZZ", from: "15551234569" }),
    ],
  },
  {
    message: {
      id: "wamid.f4",
      timestamp: "1730092860",
      type: "text",
      kapso: {
        direction: "outbound",
        origin: "business_app",
        statuses: [{ id: "wamid.f4", status: "sent", timestamp: "1730092860" }],
      },
    },
    phone_number_id: "PN_FUZZ",
  },
];

const metaSeeds = [
  metaEnvelope([
    {
      changes: [
        {
          value: metaValue("PN_META_FUZZ", {
            contacts: [{ profile: { name: "Ana" }, wa_id: "16505551234" }],
            messages: [metaText("wamid.m1", "16505551234", "hola")],
            statuses: [metaStatus("wamid.x", "delivered", 1750263775)],
          }),
        },
        {
          field: "message_template_status_update",
          value: { event: "APPROVED", message_template_id: 1, message_template_name: "a" },
        },
      ],
    },
  ]),
];

const arbHeaderEvent = fc.option(
  fc.oneof(
    fc.constantFrom(
      "whatsapp.message.received",
      "whatsapp.message.sent",
      "whatsapp.message.delivered",
      "whatsapp.message.failed",
      "whatsapp.conversation.ended",
    ),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
);

/** How the request is signed: correctly, not at all, or with a broken header. */
const arbSigning = fc.oneof(
  fc.constant({ kind: "valid" as const }),
  fc.constant({ kind: "missing" as const }),
  fc.constant({ kind: "upper" as const }),
  fc.record({ kind: fc.constant("garbage" as const), value: fc.string({ maxLength: 80 }) }),
  fc.constant({ kind: "wrong_secret" as const }),
);

const arbBody = (seeds: object[]) =>
  fc.oneof(
    // A seed with one value replaced by arbitrary JSON.
    fc
      .tuple(fc.constantFrom(...seeds), fc.nat(), fc.jsonValue({ maxDepth: 3 }))
      .map(([seed, pick, value]) => JSON.stringify(mutate(seed, pick, value))),
    // A seed with two replacements.
    fc
      .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 }))
      .map(([seed, a, b, value]) =>
        JSON.stringify(
          mutate(mutate(seed, a, value), b, fc.sample(fc.jsonValue(), { seed: b, numRuns: 1 })[0]),
        ),
      ),
    // Truncated JSON.
    fc.tuple(fc.constantFrom(...seeds), fc.nat()).map(([seed, cut]) => {
      const raw = JSON.stringify(seed);
      return raw.slice(0, cut % raw.length);
    }),
    // Any JSON at all, and any text at all.
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
    fc.string({ unit: "binary", maxLength: 200 }),
    // Deep nesting.
    fc.integer({ min: 50, max: 120 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  );

async function fire(
  path: string,
  scheme: "kapso" | "meta",
  secret: string,
  body: string,
  signing: { kind: string; value?: string },
  event: string | undefined,
  batch: boolean,
) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const header = scheme === "meta" ? "X-Hub-Signature-256" : "X-Webhook-Signature";
  const prefix = scheme === "meta" ? "sha256=" : "";
  if (signing.kind === "valid") headers[header] = prefix + (await hmacHex(secret, body));
  if (signing.kind === "upper")
    headers[header] = prefix + (await hmacHex(secret, body)).toUpperCase();
  if (signing.kind === "wrong_secret") headers[header] = prefix + (await hmacHex("nope", body));
  if (signing.kind === "garbage") headers[header] = signing.value!.replace(/[^\x20-\x7e]/g, "");
  if (event !== undefined) headers["X-Webhook-Event"] = event.replace(/[^\x20-\x7e]/g, "");
  if (batch) headers["X-Webhook-Batch"] = "true";
  requests += 1;
  const response = await t.fetch(path, { method: "POST", body, headers });
  expect(response.status, body.slice(0, 200)).toBeLessThan(500);
  const { verdict } = (await response.json()) as { verdict: keyof typeof answered };
  expect(ANSWERS[verdict]).toBe(response.status);
  answered[verdict] += 1;
  if (signing.kind !== "valid") expect(verdict).not.toBe("accepted");
}

test("malformed Kapso deliveries never cause a 5xx and always leave a verdict", async () => {
  await fc.assert(
    fc.asyncProperty(
      arbBody(kapsoSeeds),
      arbSigning,
      arbHeaderEvent,
      fc.boolean(),
      async (body, signing, event, batch) => {
        await fire("/webhook/kapso/messages", "kapso", kapso.secret, body, signing, event, batch);
      },
    ),
    { seed: 3, numRuns: RUNS_PER_ENDPOINT },
  );
}, 120_000);

test("malformed Meta deliveries never cause a 5xx and always leave a verdict", async () => {
  await fc.assert(
    fc.asyncProperty(arbBody(metaSeeds), arbSigning, async (body, signing) => {
      await fire("/webhook/meta", "meta", "meta_fuzz_secret", body, signing, undefined, false);
    }),
    { seed: 4, numRuns: RUNS_PER_ENDPOINT },
  );
}, 120_000);

test("after the fuzzing every request has one record and the stored rows add up", async () => {
  expect(requests).toBeGreaterThanOrEqual(5000);
  expect(answered.accepted + answered.unverified + answered.throttled).toBe(requests);
  expect(answered.accepted).toBeGreaterThan(0);
  const deliveries = await allRows(t, "webhookDeliveries");
  expect(deliveries).toHaveLength(answered.accepted);
  expect(deliveries.every((d) => d.verdict === "accepted" || d.verdict === "malformed")).toBe(true);
  const refusals = await t.run((ctx) => ctx.db.query("webhookRejections").collect());
  expect(refusals.reduce((sum, r) => sum + r.count, 0)).toBe(answered.unverified);
  const messages = await allRows(t, "messages");
  const threads = await allRows(t, "threads");
  const contacts = await allRows(t, "contacts");
  expect(deliveries.reduce((sum, d) => sum + d.counts.messages, 0)).toBe(messages.length);
  expect(messages.length).toBeGreaterThan(0);
  const threadsWithMessages = new Set(messages.map((m) => m.threadId));
  expect(threads.every((th) => threadsWithMessages.has(th._id))).toBe(true);
  const contactsWithThreads = new Set(threads.map((th) => th.contactId));
  expect(contacts.every((c) => contactsWithThreads.has(c._id))).toBe(true);
  // Refused deliveries stored nothing: their bodies are nowhere.
  expect(refusals.length).toBeLessThanOrEqual(12);
}, 120_000);
