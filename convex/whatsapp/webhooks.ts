/**
 * The webhook HTTP actions (routed in http.ts): read the raw body once, find the connections
 * it claims to be for, verify the HMAC over the exact bytes with their secrets, and hand a
 * verified delivery to `deliveries.ingest` (in chunks of `CHUNK_ITEMS` items when large); the
 * answer goes out after it committed. Deliveries that cannot be verified (no or bad signature,
 * unknown number, unreadable body) all get the same 401, or 429 past the route's limit, and
 * leave only counters (rejections.ts). Also: Meta's GET handshake.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { httpAction, internalQuery, type ActionCtx } from "../_generated/server";
import { kapsoProjectWebhookSecret } from "../lib/config";
import { vProvider, type DeliverySource } from "../lib/validators";
import { verificationSecrets } from "./connectionFields";
import { findConnectedByPhoneNumberId } from "./connectionStore";
import { parseDelivery, planChunks } from "./deliveryItems";
import type { IngestArgs } from "./inbound";
import { kapsoIdentifiers } from "./kapsoPayloads";
import { metaIdentifiers } from "./metaPayloads";
import { parseJsonObject, type Json, type ParsedDelivery } from "./payloads";
import type { RejectionReason } from "./rejections";
import { sha256Hex, verifySignature, type SignatureScheme } from "./signatures";

/** Larger bodies cannot be verified and are refused (Meta sends at most 3 MB). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Headers kept on the delivery record (signatures are HMACs, not secrets; kept for replays). */
const RECORDED_HEADERS = [
  "content-type",
  "user-agent",
  "x-webhook-event",
  "x-webhook-batch",
  "x-batch-size",
  "x-idempotency-key",
  "x-webhook-payload-version",
  "x-webhook-signature",
  "x-hub-signature-256",
];

/** How a delivery was answered: accepted (200), unverified (401) or throttled (429). */
export type DeliveryOutcome =
  | { status: 200; verdict: "accepted" }
  | { status: 401; verdict: "unverified" }
  | { status: 429; verdict: "throttled"; retryAfterMs: number };

function recordedHeaders(get: (name: string) => string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = get(name);
    if (value !== null) out[name] = value.slice(0, 512);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lookups the HTTP actions need before they can verify a signature.

/**
 * Connections a delivery may be for, with the SECRETS that verify it: active webhook secrets
 * for provider numbers, the app secret for Meta-direct numbers. Internal only.
 */
export const webhookCandidates = internalQuery({
  args: {
    phoneNumberIds: v.array(v.string()),
    businessAccountIds: v.array(v.string()),
    now: v.number(),
  },
  returns: v.array(
    v.object({
      connectionId: v.id("whatsappConnections"),
      provider: vProvider,
      secrets: v.array(v.string()),
    }),
  ),
  handler: async (ctx, { phoneNumberIds, businessAccountIds, now }) => {
    const found = new Map<Id<"whatsappConnections">, Doc<"whatsappConnections">>();
    for (const pnid of phoneNumberIds.slice(0, 20)) {
      const c = await findConnectedByPhoneNumberId(ctx, pnid);
      if (c !== null) found.set(c._id, c);
    }
    for (const waba of businessAccountIds.slice(0, 20)) {
      const rows = await ctx.db
        .query("whatsappConnections")
        .withIndex("by_businessAccountId", (q) => q.eq("businessAccountId", waba))
        .take(20);
      for (const c of rows) if (c.status === "connected") found.set(c._id, c);
    }
    return [...found.values()].map((c) => ({
      connectionId: c._id,
      provider: c.provider,
      secrets: verificationSecrets(c, now),
    }));
  },
});

/** Meta's GET handshake: does some Meta-direct number use this verify token? */
export const metaVerifyTokenKnown = internalQuery({
  args: { verifyToken: v.string() },
  returns: v.boolean(),
  handler: async (ctx, { verifyToken }) => {
    if (verifyToken === "") return false;
    const row = await ctx.db
      .query("whatsappConnections")
      .withIndex("by_verifyToken", (q) => q.eq("metaCredentials.verifyToken", verifyToken))
      .first();
    return row !== null && row.provider === "meta";
  },
});

// ---------------------------------------------------------------------------------------------
// Verification.

type Verification =
  | { verified: true; connectionIds: Id<"whatsappConnections">[]; json: Json | null }
  | { verified: false; reason: RejectionReason; connectionIds: Id<"whatsappConnections">[] };

export type Candidate = {
  connectionId: Id<"whatsappConnections">;
  provider: string;
  secrets: string[];
};
/** Finds the connections (and their secrets) a delivery names: `webhookCandidates`. */
export type CandidateLookup = (claimed: {
  phoneNumberIds: string[];
  wabaIds: string[];
}) => Promise<Candidate[]>;

/** Verifies with a made-up secret, so an unknown number costs the time a known one does. */
const NO_SECRET = "no connection has this secret";

async function verify(
  lookup: CandidateLookup,
  source: DeliverySource,
  bytes: Uint8Array,
  body: string | null,
  signature: string | null,
): Promise<Verification> {
  const refused = (reason: RejectionReason, connectionIds: Id<"whatsappConnections">[] = []) =>
    ({ verified: false, reason, connectionIds }) as const;
  if (signature === null || signature === "") return refused("missing_signature");
  const scheme: SignatureScheme = source === "meta" ? "meta" : "kapso";
  if (source === "kapso_project") {
    const secret = kapsoProjectWebhookSecret();
    const { check } = await verifySignature(scheme, bytes, signature, [secret || NO_SECRET]);
    return check === "valid" && secret
      ? { verified: true, connectionIds: [], json: body === null ? null : parseJsonObject(body) }
      : refused("bad_signature");
  }
  const json = body === null ? null : parseJsonObject(body);
  if (json === null) return refused("malformed");
  const claimed = source === "meta" ? metaIdentifiers(json) : kapsoIdentifiers(json);
  const candidates = (await lookup(claimed)).filter(
    (c) => c.provider === (source === "meta" ? "meta" : "kapso"),
  );
  if (candidates.length === 0) {
    await verifySignature(scheme, bytes, signature, [NO_SECRET]);
    return refused("unknown_connection");
  }
  const verified: Id<"whatsappConnections">[] = [];
  for (const candidate of candidates) {
    const { check } = await verifySignature(scheme, bytes, signature, candidate.secrets);
    if (check === "valid") verified.push(candidate.connectionId);
  }
  if (verified.length > 0) return { verified: true, connectionIds: verified, json };
  return refused(
    "bad_signature",
    candidates.map((c) => c.connectionId),
  );
}

/** Counts a refusal within the route's allowance (401), or answers 429 past it. */
async function refuse(
  ctx: ActionCtx,
  source: DeliverySource,
  refusal: Extract<Verification, { verified: false }>,
  bytes: Uint8Array,
  now: number,
): Promise<DeliveryOutcome> {
  const throttled = (retryAfterMs: number) =>
    ({ status: 429, verdict: "throttled", retryAfterMs }) as const;
  const allowance = await ctx.runQuery(internal.whatsapp.rejections.checkAllowance, { source });
  if (!allowance.ok) return throttled(allowance.retryAfterMs);
  const recorded = await ctx.runMutation(internal.whatsapp.rejections.recordRejection, {
    source,
    reason: refusal.reason,
    connectionIds: refusal.connectionIds,
    bodySha256: await sha256Hex(bytes),
    at: now,
  });
  return recorded.ok ? { status: 401, verdict: "unverified" } : throttled(recorded.retryAfterMs);
}

// ---------------------------------------------------------------------------------------------
// Ingest of a verified delivery, in chunks that each fit one transaction.

type Ingest = Omit<IngestArgs, "parsed" | "append" | "deliveryId">;
type ChunkState = {
  deliveryId?: Id<"webhookDeliveries">;
  failures: { index: number; error: string }[];
};

/**
 * Ingests `indexes` (all items when undefined) in one transaction; when that fails, each half
 * on its own, down to single items, which are recorded as failed: a poison item or a chunk over
 * a limit never fails the whole delivery, so it is answered 200 and not retried for days.
 */
async function ingestChunk(
  ctx: ActionCtx,
  args: Ingest,
  parsed: ParsedDelivery,
  indexes: number[] | undefined,
  all: number[],
  state: ChunkState,
): Promise<void> {
  try {
    const result = await ctx.runMutation(internal.whatsapp.deliveries.ingest, {
      ...args,
      // The items parsed here, so the mutation does not parse the body again.
      parsed: {
        ...(parsed.eventType !== undefined ? { eventType: parsed.eventType } : {}),
        items: indexes === undefined ? parsed.items : indexes.map((i) => parsed.items[i]!),
      },
      ...(state.deliveryId !== undefined ? { deliveryId: state.deliveryId, append: true } : {}),
    });
    state.deliveryId ??= result.deliveryId;
  } catch (error) {
    const items = indexes ?? all;
    if (items.length <= 1) {
      const message = error instanceof Error ? error.message : String(error);
      state.failures.push({ index: items[0] ?? 0, error: message.slice(0, 300) });
      return;
    }
    const half = Math.ceil(items.length / 2);
    await ingestChunk(ctx, args, parsed, items.slice(0, half), all, state);
    await ingestChunk(ctx, args, parsed, items.slice(half), all, state);
  }
}

async function ingestVerified(ctx: ActionCtx, args: Ingest, parsed: ParsedDelivery) {
  const all = parsed.items.map((_, i) => i);
  const chunks = planChunks(parsed.items);
  const state: ChunkState = { failures: [] };
  if (chunks.length <= 1) await ingestChunk(ctx, args, parsed, undefined, all, state);
  else for (const chunk of chunks) await ingestChunk(ctx, args, parsed, chunk, all, state);
  if (state.failures.length > 0) {
    await ctx.runMutation(internal.whatsapp.deliveries.recordFailedItems, {
      deliveryId: state.deliveryId,
      source: args.source,
      receivedAt: args.receivedAt,
      body: args.body,
      headers: args.headers,
      failures: state.failures.slice(0, 50),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTP routes.

/**
 * The CPU path of a delivery, free of the database (the bench runs it as is): the body decoded
 * once and parsed once, the signature checked against the candidates `lookup` finds, and a
 * verified body normalised into items. No digest and no copy of the body on the way.
 */
export async function readDelivery(
  source: DeliverySource,
  bytes: Uint8Array,
  get: (name: string) => string | null,
  lookup: CandidateLookup,
  receivedAt: number,
) {
  const body = bytes.byteLength > MAX_BODY_BYTES ? null : new TextDecoder().decode(bytes);
  const signature = get(source === "meta" ? "x-hub-signature-256" : "x-webhook-signature");
  const verification = await verify(lookup, source, bytes, body, signature);
  const headers = recordedHeaders(get);
  const parsed: ParsedDelivery =
    verification.verified && verification.json !== null
      ? parseDelivery(source, verification.json, headers, receivedAt)
      : { items: [] };
  return { body, headers, verification, parsed };
}

/** Verifies one delivery and ingests it, or counts its refusal. */
export async function handleDelivery(
  ctx: ActionCtx,
  source: DeliverySource,
  bytes: Uint8Array,
  get: (name: string) => string | null,
  receivedAt: number,
): Promise<DeliveryOutcome> {
  const lookup: CandidateLookup = (claimed) =>
    ctx.runQuery(internal.whatsapp.webhooks.webhookCandidates, {
      phoneNumberIds: claimed.phoneNumberIds,
      businessAccountIds: claimed.wabaIds,
      now: receivedAt,
    });
  const read = await readDelivery(source, bytes, get, lookup, receivedAt);
  const { verification } = read;
  if (!verification.verified) return await refuse(ctx, source, verification, bytes, receivedAt);
  await ingestVerified(
    ctx,
    {
      source,
      receivedAt,
      body: read.body ?? "",
      headers: read.headers,
      verdict: "accepted",
      verifiedConnectionIds: verification.connectionIds,
      ...(source === "kapso_project" ? { projectVerified: true } : {}),
    },
    read.parsed,
  );
  return { status: 200, verdict: "accepted" };
}

function webhookRoute(source: DeliverySource) {
  return httpAction(async (ctx, request) => {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const outcome = await handleDelivery(
      ctx,
      source,
      bytes,
      (n) => request.headers.get(n),
      Date.now(),
    );
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (outcome.status === 429) {
      headers["Retry-After"] = String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
    }
    return new Response(JSON.stringify({ verdict: outcome.verdict }), {
      status: outcome.status,
      headers,
    });
  });
}

/** `POST /webhook/kapso/messages`: message events of provider numbers (v1, v2, batched). */
export const kapsoMessages = webhookRoute("kapso_messages");
/** `POST /webhook/kapso/project`: project events (a number connected, deleted, …). */
export const kapsoProject = webhookRoute("kapso_project");
/** `POST /webhook/meta`: Cloud API webhooks of numbers connected to Meta directly. */
export const metaEvents = webhookRoute("meta");

/** `GET /webhook/meta`: the subscription handshake; echoes `hub.challenge` for a known token. */
export const metaHandshake = httpAction(async (ctx, request) => {
  const params = new URL(request.url).searchParams;
  const token = params.get("hub.verify_token") ?? "";
  const challenge = params.get("hub.challenge") ?? "";
  const known =
    params.get("hub.mode") === "subscribe" &&
    (await ctx.runQuery(internal.whatsapp.webhooks.metaVerifyTokenKnown, { verifyToken: token }));
  return known
    ? new Response(challenge, { status: 200, headers: { "Content-Type": "text/plain" } })
    : new Response("Forbidden", { status: 403 });
});
