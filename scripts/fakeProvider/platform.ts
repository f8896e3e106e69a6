/**
 * The fake provider's Kapso Platform routes (`/platform/v1/...`): customers, setup links,
 * registering a number's webhook and rotating its secret.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { json, readJson } from "./http";
import { nextId, type ProviderState } from "./state";

type Body = Record<string, Record<string, unknown>>;

/** `POST whatsapp/phone_numbers/{id}/webhooks`: the number's webhooks go to this URL. */
function registerWebhook(
  state: ProviderState,
  res: ServerResponse,
  phoneNumberId: string,
  body: Body,
) {
  const hook = body.whatsapp_webhook ?? {};
  const id = nextId(state, "wh");
  state.webhooks.set(phoneNumberId, { url: String(hook.url), secret: String(hook.secret_key) });
  state.webhookIds.set(id, phoneNumberId);
  return json(res, 201, { data: { id, url: hook.url } });
}

/** `PATCH whatsapp/webhooks/{id}`: a new signing secret for a registered webhook. */
function updateWebhook(state: ProviderState, res: ServerResponse, webhookId: string, body: Body) {
  const phoneNumberId = state.webhookIds.get(webhookId);
  const current = phoneNumberId === undefined ? undefined : state.webhooks.get(phoneNumberId);
  if (phoneNumberId === undefined || current === undefined) {
    return json(res, 404, { error: "No such webhook in the fake provider" });
  }
  const secret = body.whatsapp_webhook?.secret_key;
  if (typeof secret === "string") state.webhooks.set(phoneNumberId, { ...current, secret });
  return json(res, 200, { data: { id: webhookId } });
}

export async function handlePlatform(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  parts: string[],
) {
  const body: Body =
    req.method === "POST" || req.method === "PATCH" ? await readJson<Body>(req, "{}") : {};
  if (parts[0] === "customers" && parts.length === 1) {
    return json(res, 201, { data: { id: nextId(state, "cust"), ...body.customer } });
  }
  if (parts[0] === "customers" && parts[2] === "setup_links") {
    const id = nextId(state, "link");
    return json(res, 201, { data: { id, url: `${state.url}/setup/${id}` } });
  }
  if (parts[0] === "whatsapp" && parts[1] === "phone_numbers" && parts[3] === "webhooks") {
    return registerWebhook(state, res, parts[2]!, body);
  }
  if (parts[0] === "whatsapp" && parts[1] === "webhooks" && req.method === "PATCH") {
    return updateWebhook(state, res, parts[2] ?? "", body);
  }
  return json(res, 404, { error: "Not found in the fake provider" });
}
