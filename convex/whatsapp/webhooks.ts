/**
 * The webhook HTTP actions (routed in http.ts): read the raw body once, find the connections
 * it claims to be for, verify the HMAC over the exact bytes with their secrets, and hand the
 * delivery to the one `inbound.ingest` mutation; the answer goes out after it committed.
 * Bad or missing signatures → 401 with only a delivery record; everything else → 200 with
 * the outcome recorded. Also: Meta's GET handshake.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { httpAction, type ActionCtx } from "../_generated/server";
import { kapsoProjectWebhookSecret } from "../lib/config";
import { sha256Hex, verifySignature, type SignatureScheme } from "./signatures";
import type { DeliverySource, DeliveryVerdict } from "../lib/validators";
import { kapsoPhoneNumberIds, metaIdentifiers, parseJsonObject } from "./payloads";

/** Larger bodies are recorded as malformed without being parsed (Meta sends at most 3 MB). */
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

export type DeliveryOutcome = { status: number; verdict: DeliveryVerdict };

function recordedHeaders(get: (name: string) => string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = get(name);
    if (value !== null) out[name] = value.slice(0, 512);
  }
  return out;
}

/**
 * Verifies and ingests one delivery. Shared by the HTTP actions and the replay of deliveries
 * that were never verified (unknown number at the time, or a secret fixed since).
 */
export async function handleDelivery(
  ctx: ActionCtx,
  source: DeliverySource,
  bytes: Uint8Array,
  get: (name: string) => string | null,
  options: { receivedAt: number; deliveryId?: Id<"webhookDeliveries"> },
): Promise<DeliveryOutcome> {
  const tooLarge = bytes.byteLength > MAX_BODY_BYTES;
  const body = tooLarge ? "" : new TextDecoder().decode(bytes);
  const headers = recordedHeaders(get);
  const base = {
    source,
    receivedAt: options.receivedAt,
    body,
    bodySha256: await sha256Hex(bytes),
    headers,
    ...(options.deliveryId ? { deliveryId: options.deliveryId } : {}),
  };
  const record = async (
    verdict: DeliveryVerdict,
    verifiedConnectionIds: Id<"whatsappConnections">[] = [],
    projectVerified = false,
  ): Promise<DeliveryOutcome> => {
    const result = await ctx.runMutation(internal.whatsapp.inbound.ingest, {
      ...base,
      verdict,
      verifiedConnectionIds,
      ...(projectVerified ? { projectVerified } : {}),
    });
    const rejected = result.verdict === "missing_signature" || result.verdict === "bad_signature";
    return { status: rejected ? 401 : 200, verdict: result.verdict };
  };

  const scheme: SignatureScheme = source === "meta" ? "meta" : "kapso";
  const signature = get(scheme === "meta" ? "x-hub-signature-256" : "x-webhook-signature");
  if (signature === null || signature === "") return await record("missing_signature");

  if (source === "kapso_project") {
    const secret = kapsoProjectWebhookSecret();
    const { check } = secret
      ? await verifySignature("kapso", bytes, signature, [secret])
      : { check: "invalid" as const };
    return check === "valid" ? await record("accepted", [], true) : await record("bad_signature");
  }

  const json = tooLarge ? null : parseJsonObject(body);
  if (json === null) return await record("malformed");
  const claimed =
    source === "meta"
      ? metaIdentifiers(json)
      : { phoneNumberIds: kapsoPhoneNumberIds(json), wabaIds: [] };
  type Candidate = { connectionId: Id<"whatsappConnections">; provider: string; secrets: string[] };
  const candidates: Candidate[] = (
    await ctx.runQuery(internal.whatsapp.inbound.webhookCandidates, {
      phoneNumberIds: claimed.phoneNumberIds,
      businessAccountIds: claimed.wabaIds,
      now: options.receivedAt,
    })
  ).filter((c) => c.provider === (source === "meta" ? "meta" : "kapso"));
  if (candidates.length === 0) return await record("unknown_connection");
  const verified: Id<"whatsappConnections">[] = [];
  for (const candidate of candidates) {
    const { check } = await verifySignature(scheme, bytes, signature, candidate.secrets);
    if (check === "valid") verified.push(candidate.connectionId);
  }
  return verified.length > 0 ? await record("accepted", verified) : await record("bad_signature");
}

function webhookRoute(source: DeliverySource) {
  return httpAction(async (ctx, request) => {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const outcome = await handleDelivery(ctx, source, bytes, (n) => request.headers.get(n), {
      receivedAt: Date.now(),
    });
    return new Response(JSON.stringify({ verdict: outcome.verdict }), {
      status: outcome.status,
      headers: { "Content-Type": "application/json" },
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
    (await ctx.runQuery(internal.whatsapp.inbound.metaVerifyTokenKnown, { verifyToken: token }));
  return known
    ? new Response(challenge, { status: 200, headers: { "Content-Type": "text/plain" } })
    : new Response("Forbidden", { status: 403 });
});
