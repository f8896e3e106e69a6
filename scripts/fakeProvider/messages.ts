/**
 * The fake provider's message routes (Meta-compatible `/{version}/{phoneNumberId}/...`):
 * sending (with injected failures: errors, gateway errors after acceptance, timeouts, late
 * arrivals, and template checks), mark-as-read, paged message history and media upload.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, json, readBody } from "./http";
import { newWamid, nextId, takeFailure, type ProviderState } from "./state";
import type { FailureRule, SentRequest } from "./types";
import { scheduleStatuses } from "./webhooks";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why Meta would refuse this send before accepting it, as a Graph error; null if it would not. */
function refusal(
  state: ProviderState,
  body: Record<string, unknown>,
): [status: number, code: number, title: string] | null {
  if (
    body.messaging_product !== "whatsapp" ||
    (!body.to && !body.recipient) ||
    typeof body.type !== "string"
  ) {
    return [400, 100, "Invalid parameter"];
  }
  if (body.type !== "template") return null;
  const t = body.template as { name?: string; language?: { code?: string } } | undefined;
  const stored = state.templates.find(
    (x) => x.name === t?.name && x.language === t?.language?.code,
  );
  if (!stored) return [404, 132001, "Template name does not exist in the translation"];
  if (stored.status === "PAUSED") return [400, 132015, "Template is paused"];
  if (stored.status !== "APPROVED") return [400, 132001, "Template not approved"];
  return null;
}

/** Records a send as accepted and schedules its status webhooks. */
function accept(
  state: ProviderState,
  phoneNumberId: string,
  request: SentRequest,
  failure?: Extract<FailureRule, { kind: "asyncFailure" }>,
) {
  request.outcome = "accepted";
  request.wamid = newWamid(state);
  state.accepted.push(request);
  scheduleStatuses(state, phoneNumberId, request, failure);
}

/** Records a template send as accepted but held for quality assessment (no status webhooks). */
function holdForQuality(state: ProviderState, phoneNumberId: string, request: SentRequest) {
  request.outcome = "accepted";
  request.wamid = newWamid(state);
  state.accepted.push(request);
  state.held.push({ phoneNumberId, request });
}

/** A failed answer: Meta's Graph error, or a gateway's bare page for a 502/504 without a code. */
function answerError(res: ServerResponse, rule: Extract<FailureRule, { kind: "error" }>) {
  if (rule.code === undefined && (rule.status === 502 || rule.status === 504)) {
    res.writeHead(rule.status, { "Content-Type": "text/html" });
    res.end(`<html><body>${rule.status} Gateway error</body></html>`);
    return;
  }
  const code = rule.code ?? (rule.status >= 500 ? 131016 : 100);
  graphError(res, rule.status, code, rule.title ?? "Injected failure");
}

/** Holds a send until the next history query of its number has been answered, then accepts it. */
function holdUntilLookup(
  state: ProviderState,
  res: ServerResponse,
  phoneNumberId: string,
  request: SentRequest,
) {
  request.outcome = "timeout";
  state.lateArrivals.push({
    phoneNumberId,
    accept: () => {
      accept(state, phoneNumberId, request);
      if (!res.writableEnded) json(res, 200, { messages: [{ id: request.wamid }] });
    },
  });
}

/** `POST /{id}/messages`: a send (recorded, maybe failed on purpose) or a mark-as-read. */
export async function handleSend(
  state: ProviderState,
  res: ServerResponse,
  phoneNumberId: string,
  body: Record<string, unknown>,
  arrivedAt: number,
) {
  if (body.status === "read") {
    state.reads.push(body);
    return json(res, 200, { success: true });
  }
  const request: SentRequest = { at: arrivedAt, phoneNumberId, body, outcome: "rejected" };
  state.sent.push(request);
  const refused = refusal(state, body);
  if (refused) return graphError(res, ...refused);
  const rule = takeFailure(state, phoneNumberId, body);
  if (rule?.kind === "lateArrival") return holdUntilLookup(state, res, phoneNumberId, request);
  if (rule?.kind === "error") {
    if (rule.afterAccept) accept(state, phoneNumberId, request);
    return answerError(res, rule);
  }
  if (rule?.kind === "timeout" && !rule.afterAccept) {
    request.outcome = "timeout";
    await sleep(rule.ms);
    return graphError(res, 504, 131000, "Timed out");
  }
  // A template send held for quality assessment gets no status webhook until it is dropped.
  const held = body.type === "template" && state.holdTemplates;
  if (held) holdForQuality(state, phoneNumberId, request);
  else accept(state, phoneNumberId, request, rule?.kind === "asyncFailure" ? rule : undefined);
  if (rule?.kind === "timeout") await sleep(rule.ms);
  const to = String(body.to ?? body.recipient);
  const messageStatus = held ? "held_for_quality_assessment" : "accepted";
  return json(res, 200, {
    messaging_product: "whatsapp",
    contacts: [{ input: to, wa_id: to.replace(/\D/g, "") }],
    messages: [
      { id: request.wamid, ...(body.type === "template" ? { message_status: messageStatus } : {}) },
    ],
  });
}

/** One accepted send as Kapso's history lists it. */
function historyItem(state: ProviderState, m: SentRequest) {
  const type = String(m.body.type);
  const withCallbackData = state.options.historyIncludesCallbackData !== false;
  return {
    id: m.wamid,
    type,
    timestamp: String(Math.floor(m.at / 1000)),
    to: String(m.body.to ?? ""),
    [type]: m.body[type],
    ...(withCallbackData && m.body.biz_opaque_callback_data !== undefined
      ? { biz_opaque_callback_data: m.body.biz_opaque_callback_data }
      : {}),
    kapso: { direction: "outbound", status: "sent" },
  };
}

/**
 * `GET /{id}/messages?since=&limit=&after=`: Kapso's history of accepted outbound messages, in
 * the order they were accepted, one page at a time (`paging.cursors.after` and `paging.next`
 * while more remain). Held sends of the number are accepted once the answer is out.
 */
export function handleHistory(
  state: ProviderState,
  res: ServerResponse,
  phoneNumberId: string,
  query: URLSearchParams,
) {
  const since = query.get("since") ? Date.parse(query.get("since")!) : 0;
  const all = state.accepted.filter((m) => m.phoneNumberId === phoneNumberId && m.at >= since);
  const limit = Math.max(1, Number(query.get("limit")) || 100);
  const size = Math.min(limit, state.options.historyPageSize ?? 100);
  const offset = Number(query.get("after") ?? 0) || 0;
  const page = all.slice(offset, offset + size).map((m) => historyItem(state, m));
  const more = offset + size < all.length;
  const after = String(offset + size);
  json(res, 200, {
    data: page,
    paging: more
      ? { cursors: { after }, next: `${state.url}/${phoneNumberId}/messages?after=${after}` }
      : { cursors: {} },
  });
  const held = state.lateArrivals.filter((l) => l.phoneNumberId === phoneNumberId);
  state.lateArrivals = state.lateArrivals.filter((l) => l.phoneNumberId !== phoneNumberId);
  for (const l of held) l.accept();
}

/** `POST /{id}/media`: records the upload's size and answers a media id. */
export async function handleMedia(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  phoneNumberId: string,
) {
  const bytes = (await readBody(req)).length;
  const id = nextId(state, "media");
  state.uploads.push({ phoneNumberId, id, bytes });
  return json(res, 200, { id });
}
