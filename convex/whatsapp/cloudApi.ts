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

/**
 * Meta codes that do not say whether the message went out ("something went wrong", unknown
 * and service errors): the send may have been accepted, so it is reconciled, never resent.
 */
const AMBIGUOUS_CODES = new Set([131000, 131001, 131002]);
/** Gateway answers (bad gateway, gateway timeout): the request may have reached the provider. */
const AMBIGUOUS_STATUSES = new Set([502, 504]);
/** Meta codes worth retrying: throughput, pair and spam rate limits, outages, maintenance. */
const TRANSIENT_CODES = new Set([
  1, 2, 4, 80007, 130429, 131016, 131048, 131056, 131057, 133004, 133005,
]);
/** Throttling codes: back off longer than for a plain outage. */
const THROTTLING_CODES = new Set([4, 80007, 130429, 131048, 131056]);
/** Connection errors where the request certainly never reached the provider. */
const NOT_SENT_CAUSES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/**
 * Classifies a failed provider call:
 * - permanent: the provider answered and refused (131026 undeliverable, 131047 outside the
 *   window, template and parameter errors, auth, 4xx) → `failed`, never retried;
 * - transient: the provider answered 429, a 5xx other than a gateway's, or a throttling/outage
 *   code, or the connection was refused before anything was sent → retried with backoff;
 * - ambiguous: the request left but no answer says what became of it (timeout, reset, a
 *   gateway's 502/504, Meta's 131000–131002) → the provider may have accepted it, so it is
 *   reconciled before any resend.
 */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof GraphApiError) {
    const code = typeof error.code === "number" ? error.code : undefined;
    const httpStatus = error.httpStatus;
    const message = error.details ? `${error.message} (${error.details})` : error.message;
    const base = { message, code, httpStatus };
    if (AMBIGUOUS_STATUSES.has(httpStatus) || (code !== undefined && AMBIGUOUS_CODES.has(code))) {
      return { kind: "ambiguous", ...base };
    }
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

type SendBase = { phoneNumberId: string; to: string; bizOpaqueCallbackData: string };
type MediaContent = Extract<OutboundContent, { kind: "media" }>;

/** A media message: an uploaded file's id when there is one, else the link. */
async function sendMedia(
  client: WhatsAppClient,
  base: SendBase,
  c: MediaContent,
  mediaId: string | undefined,
): Promise<SendMessageResponse> {
  const source = mediaId ? { id: mediaId } : { link: c.url };
  // Voice and audio messages take no caption.
  const media = {
    ...source,
    ...(c.caption && c.mediaType !== "audio" ? { caption: c.caption } : {}),
  };
  switch (c.mediaType) {
    case "image":
      return await client.messages.sendImage({ ...base, image: media });
    case "video":
      return await client.messages.sendVideo({ ...base, video: media });
    case "audio":
      return await client.messages.sendAudio({ ...base, audio: source });
    default:
      return await client.messages.sendDocument({
        ...base,
        document: { ...media, ...(c.filename ? { filename: c.filename } : {}) },
      });
  }
}

/** A template message: the payload built and validated when the send was queued, as it is. */
async function sendTemplatePayload(
  client: WhatsAppClient,
  input: SendInput,
  address: { recipient: string } | { to: string },
): Promise<SendMessageResponse> {
  if (input.templatePayload === undefined) throw new Error("Template payload missing.");
  return await client.messages.sendRaw({
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
}

/** One outbound kind mapped to the official client's send call. */
async function sendByKind(
  client: WhatsAppClient,
  input: SendInput,
  address: { recipient: string } | { to: string },
): Promise<SendMessageResponse> {
  const base = {
    phoneNumberId: input.phoneNumberId,
    ...address,
    bizOpaqueCallbackData: input.bizOpaqueCallbackData,
  } as SendBase;
  const c = input.content;
  const header =
    "header" in c && c.header ? { header: { type: "text" as const, text: c.header } } : {};
  const footer = "footer" in c && c.footer ? { footerText: c.footer } : {};
  switch (c.kind) {
    case "text":
      return await client.messages.sendText({
        ...base,
        body: c.text,
        ...(c.previewUrl ? { previewUrl: true } : {}),
      });
    case "media":
      return await sendMedia(client, base, c, input.mediaId);
    case "buttons":
      return await client.messages.sendInteractiveButtons({
        ...base,
        bodyText: c.body,
        ...footer,
        ...header,
        buttons: c.buttons,
      });
    case "list":
      return await client.messages.sendInteractiveList({
        ...base,
        bodyText: c.body,
        buttonText: c.buttonText,
        ...footer,
        ...header,
        sections: c.sections,
      });
    case "template":
      return await sendTemplatePayload(client, input, address);
    case "reaction":
      return await client.messages.sendReaction({
        ...base,
        reaction: { messageId: c.messageId, emoji: c.emoji },
      });
  }
}

/**
 * What the provider answered to an accepted send: its message id and, when given, Meta's
 * `message_status` (`accepted`, or `held_for_quality_assessment` for a paced template).
 */
export type SentMessage = { providerMessageId: string; messageStatus?: string };

/** Sends one message through the official client. */
export async function sendMessage(client: WhatsAppClient, input: SendInput): Promise<SentMessage> {
  // A phone number goes in `to`; a business-scoped user id (no phone known) in `recipient`.
  const address = isBusinessScopedUserId(input.to) ? { recipient: input.to } : { to: input.to };
  const response = await sendByKind(client, input, address);
  const id = response.messages?.[0]?.id;
  if (typeof id !== "string" || id === "") {
    throw new Error("The provider accepted the message without returning its id.");
  }
  const status: unknown = response.messages[0]?.messageStatus;
  return typeof status === "string" && status.length > 0
    ? { providerMessageId: id, messageStatus: status.slice(0, 64) }
    : { providerMessageId: id };
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

/** Pages of history one lookup reads at most; a longer history fails the lookup (no resend). */
export const MAX_HISTORY_PAGES = 50;

type HistoryLookup = {
  phoneNumberId: string;
  to: string;
  content: OutboundContent;
  since: number;
  bizOpaqueCallbackData: string;
  isClaimed: (providerMessageId: string) => Promise<boolean>;
};
type HistoryMessage = Awaited<ReturnType<WhatsAppClient["messages"]["query"]>>["data"][number];

/** Whether a history item may be the send: our callback data, else recipient, kind and time. */
function matches(m: HistoryMessage, input: HistoryLookup): boolean {
  const opaque = (m as Record<string, unknown>)["bizOpaqueCallbackData"];
  if (typeof opaque === "string") return opaque === input.bizOpaqueCallbackData;
  if (digits(m.to) !== digits(input.to) || m.type !== cloudApiType(input.content)) return false;
  if (Number(m.timestamp) * 1000 < input.since - 5_000) return false;
  if (input.content.kind === "text") return m.text?.body === input.content.text;
  if (input.content.kind === "template") return m.template?.name === input.content.name;
  return true;
}

/**
 * Looks for a message we may have sent in Kapso's message history (Kapso proxy only), reading
 * every page since the call: first by our callback data, else by recipient, type, text or
 * template name, and time. Returns the provider message id, or null when the whole history has
 * no such message; throws when it cannot be read in full (never "not found" on a partial read).
 */
export async function findSentMessage(
  client: WhatsAppClient,
  input: HistoryLookup,
): Promise<string | null> {
  let after: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const listed = await client.messages.query({
      phoneNumberId: input.phoneNumberId,
      direction: "outbound",
      since: new Date(input.since - 5_000).toISOString(),
      limit: 100,
      ...(after !== undefined ? { after } : {}),
    });
    const items = listed.data ?? [];
    for (const candidate of items.filter((m) => matches(m, input))) {
      if (!(await input.isClaimed(candidate.id))) return candidate.id;
    }
    // Follows the cursor while it moves on (a missing `paging.next` alone is not trusted).
    const next = listed.paging?.cursors?.after ?? undefined;
    if (!next || next === after || items.length === 0) return null;
    after = next;
  }
  throw new Error(
    `The provider's history has more than ${MAX_HISTORY_PAGES} pages since the send.`,
  );
}

/** The template fields a sync reads (`quality_score` only comes back when asked for). */
const TEMPLATE_FIELDS =
  "id,name,language,status,category,components,parameter_format,previous_category,quality_score,rejected_reason";

/** One page of a WABA's template list, keys camel-cased by the client. */
export type TemplatePage = {
  data?: Record<string, unknown>[];
  paging?: { cursors?: { after?: string | null }; next?: string | null };
};

/**
 * One page of a WABA's templates (Meta's list, or Kapso's proxy of it), after `after`, or the
 * templates named `name`. Asks for the quality score too; a provider that refuses `fields` is
 * asked again without it.
 */
export async function listTemplatePage(
  client: WhatsAppClient,
  input: { businessAccountId: string; limit: number; after?: string; name?: string },
): Promise<TemplatePage> {
  const path = `${input.businessAccountId}/message_templates`;
  const query: Record<string, unknown> = { limit: input.limit };
  if (input.after !== undefined) query.after = input.after;
  if (input.name !== undefined) query.name = input.name;
  try {
    return await client.request<TemplatePage>("GET", path, {
      query: { ...query, fields: TEMPLATE_FIELDS },
      responseType: "json",
    });
  } catch (error) {
    if (!(error instanceof GraphApiError) || error.httpStatus !== 400) throw error;
    return await client.request<TemplatePage>("GET", path, { query, responseType: "json" });
  }
}
