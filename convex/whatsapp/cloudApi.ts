"use node";
/**
 * The Cloud API adapter on the official `@kapso/whatsapp-cloud-api` client: one client per
 * connection (Kapso's Meta-compatible proxy, or Meta's Graph API directly), the mapping of our
 * outbound kinds to the client's send calls, the classification of failures into transient,
 * permanent and ambiguous, and the Kapso message-history lookup that settles ambiguous sends.
 * Only `convex/whatsapp/provider.ts` may use this module (the provider boundary).
 */
import {
  GraphApiError,
  WhatsAppClient,
  isBusinessScopedUserId,
  type SendMessageResponse,
} from "@kapso/whatsapp-cloud-api";
import type { OutboundContent } from "../lib/validators";

/** How to reach the provider for one connection. Secret: never leaves the Node actions. */
export type ProviderTarget =
  | { provider: "kapso"; baseUrl: string; apiKey: string; phoneNumberId: string }
  | {
      provider: "meta";
      accessToken: string;
      graphVersion: string;
      phoneNumberId: string;
      /** Tests and the offline runtime point Meta-direct numbers at the fake provider. */
      graphBaseUrl?: string;
    };

/** A fetch that gives up after `timeoutMs` (the send then counts as ambiguous). */
function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

export function clientFor(target: ProviderTarget, timeoutMs: number): WhatsAppClient {
  if (target.provider === "kapso") {
    if (target.apiKey === "") throw new Error("KAPSO_API_KEY is not set on this deployment.");
    return new WhatsAppClient({
      baseUrl: `${target.baseUrl}/meta/whatsapp`,
      kapsoApiKey: target.apiKey,
      fetch: timedFetch(timeoutMs),
    });
  }
  return new WhatsAppClient({
    accessToken: target.accessToken,
    graphVersion: target.graphVersion,
    ...(target.graphBaseUrl ? { baseUrl: target.graphBaseUrl } : {}),
    fetch: timedFetch(timeoutMs),
  });
}

export type FailureKind = "transient" | "permanent" | "ambiguous";
export type ClassifiedFailure = {
  kind: FailureKind;
  message: string;
  code?: number;
  httpStatus?: number;
  /** The provider asked us to wait this long (Retry-After or throttling). */
  retryAfterMs?: number;
};

/** Meta codes worth retrying: throughput, pair and spam rate limits, outages, maintenance. */
const TRANSIENT_CODES = new Set([
  1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 131057, 133004, 133005,
]);
/** Throttling codes: back off longer than for a plain outage. */
const THROTTLING_CODES = new Set([4, 80007, 130429, 131048, 131056]);
/** Connection errors where the request certainly never reached the provider. */
const NOT_SENT_CAUSES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/**
 * Classifies a failed provider call:
 * - permanent: the provider answered and refused (131026 undeliverable, 131047 outside the
 *   window, template and parameter errors, auth, 4xx) → `failed`, never retried;
 * - transient: the provider answered 5xx/429 or a throttling/outage code, or the connection was
 *   refused before anything was sent → retried with backoff;
 * - ambiguous: the request left but no answer came back (timeout, reset) → the provider may have
 *   accepted it, so it is reconciled before any resend.
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof GraphApiError) {
    const code = typeof error.code === "number" ? error.code : undefined;
    const httpStatus = error.httpStatus;
    const message = error.details ? `${error.message} (${error.details})` : error.message;
    const base = { message, code, httpStatus };
    if (code !== undefined && TRANSIENT_CODES.has(code)) {
      return {
        kind: "transient",
        ...base,
        retryAfterMs: error.retry.retryAfterMs ?? (THROTTLING_CODES.has(code) ? 6_000 : undefined),
      };
    }
    if (httpStatus >= 500 || httpStatus === 429) {
      return { kind: "transient", ...base, retryAfterMs: error.retry.retryAfterMs };
    }
    return { kind: "permanent", ...base };
  }
  const err = error as { name?: string; message?: string; cause?: { code?: string } };
  const message = err?.message ?? String(error);
  if (err?.name === "TimeoutError" || err?.name === "AbortError") {
    return { kind: "ambiguous", message: `No answer from the provider: ${message}` };
  }
  if (err?.name === "TypeError" && /fetch failed/i.test(message)) {
    const cause = err.cause?.code ?? "";
    return NOT_SENT_CAUSES.has(cause)
      ? { kind: "transient", message: `Provider unreachable (${cause}).` }
      : { kind: "ambiguous", message: `Connection lost during the send (${cause || message}).` };
  }
  if (err?.name === "ZodError")
    return { kind: "permanent", message: `Invalid message: ${message}` };
  return { kind: "permanent", message };
}

export type SendInput = {
  phoneNumberId: string;
  to: string;
  content: OutboundContent;
  /** Cloud API `template` object (name, language, components), for template sends. */
  templatePayload?: { name: string; language: { code: string }; components?: unknown[] };
  /** Provider media id of an uploaded file (media sends from storage). */
  mediaId?: string;
  /** Echoed on status webhooks: our message id, to reconcile ambiguous sends. */
  bizOpaqueCallbackData: string;
};

/** Sends one message through the official client; returns the provider message id. */
export async function sendMessage(client: WhatsAppClient, input: SendInput): Promise<string> {
  // A phone number goes in `to`; a business-scoped user id (no phone known) in `recipient`.
  const address = isBusinessScopedUserId(input.to) ? { recipient: input.to } : { to: input.to };
  const base = {
    phoneNumberId: input.phoneNumberId,
    ...address,
    bizOpaqueCallbackData: input.bizOpaqueCallbackData,
  } as { phoneNumberId: string; to: string; bizOpaqueCallbackData: string };
  const c = input.content;
  let response: SendMessageResponse;
  switch (c.kind) {
    case "text":
      response = await client.messages.sendText({
        ...base,
        body: c.text,
        ...(c.previewUrl ? { previewUrl: true } : {}),
      });
      break;
    case "media": {
      const media = {
        ...(input.mediaId ? { id: input.mediaId } : { link: c.url }),
        ...(c.caption && c.mediaType !== "audio" ? { caption: c.caption } : {}),
      };
      if (c.mediaType === "image")
        response = await client.messages.sendImage({ ...base, image: media });
      else if (c.mediaType === "video")
        response = await client.messages.sendVideo({ ...base, video: media });
      else if (c.mediaType === "audio") {
        response = await client.messages.sendAudio({
          ...base,
          audio: input.mediaId ? { id: input.mediaId } : { link: c.url },
        });
      } else {
        response = await client.messages.sendDocument({
          ...base,
          document: { ...media, ...(c.filename ? { filename: c.filename } : {}) },
        });
      }
      break;
    }
    case "buttons":
      response = await client.messages.sendInteractiveButtons({
        ...base,
        bodyText: c.body,
        ...(c.footer ? { footerText: c.footer } : {}),
        ...(c.header ? { header: { type: "text", text: c.header } } : {}),
        buttons: c.buttons,
      });
      break;
    case "list":
      response = await client.messages.sendInteractiveList({
        ...base,
        bodyText: c.body,
        buttonText: c.buttonText,
        ...(c.footer ? { footerText: c.footer } : {}),
        ...(c.header ? { header: { type: "text", text: c.header } } : {}),
        sections: c.sections,
      });
      break;
    case "template":
      if (input.templatePayload === undefined) throw new Error("Template payload missing.");
      response = await client.messages.sendRaw({
        phoneNumberId: input.phoneNumberId,
        payload: {
          messagingProduct: "whatsapp",
          recipientType: "individual",
          ...address,
          type: "template",
          bizOpaqueCallbackData: input.bizOpaqueCallbackData,
          // Keys of the template object are Cloud API snake_case already; the client leaves
          // snake_case keys alone when it converts the payload.
          template: input.templatePayload,
        },
      });
      break;
    case "reaction":
      response = await client.messages.sendReaction({
        ...base,
        reaction: { messageId: c.messageId, emoji: c.emoji },
      });
      break;
  }
  const id = response.messages?.[0]?.id;
  if (typeof id !== "string" || id === "") {
    throw new Error("The provider accepted the message without returning its id.");
  }
  return id;
}

/** The Cloud API `type` of a message kind (for history lookups and the message row). */
export function cloudApiType(content: OutboundContent): string {
  switch (content.kind) {
    case "media":
      return content.mediaType;
    case "buttons":
    case "list":
      return "interactive";
    default:
      return content.kind;
  }
}

const digits = (value: string | undefined) => (value ?? "").replace(/\D/g, "");

/**
 * Looks for a message we may have sent in Kapso's message history (Kapso proxy only): first by
 * our callback data, else by recipient, type, text or template name, and time. Returns the
 * provider message id, or null when the provider has no such message (safe to resend).
 */
export async function findSentMessage(
  client: WhatsAppClient,
  input: {
    phoneNumberId: string;
    to: string;
    content: OutboundContent;
    since: number;
    bizOpaqueCallbackData: string;
    isClaimed: (providerMessageId: string) => Promise<boolean>;
  },
): Promise<string | null> {
  const page = await client.messages.query({
    phoneNumberId: input.phoneNumberId,
    direction: "outbound",
    since: new Date(input.since - 5_000).toISOString(),
    limit: 100,
  });
  const candidates = (page.data ?? []).filter((m) => {
    const opaque = (m as Record<string, unknown>)["bizOpaqueCallbackData"];
    if (typeof opaque === "string") return opaque === input.bizOpaqueCallbackData;
    if (digits(m.to) !== digits(input.to) || m.type !== cloudApiType(input.content)) return false;
    if (Number(m.timestamp) * 1000 < input.since - 5_000) return false;
    if (input.content.kind === "text") return m.text?.body === input.content.text;
    if (input.content.kind === "template") return m.template?.name === input.content.name;
    return true;
  });
  for (const candidate of candidates) {
    if (!(await input.isClaimed(candidate.id))) return candidate.id;
  }
  return null;
}
