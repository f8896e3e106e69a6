/**
 * Webhook delivery of the fake provider: signed Kapso v2 status webhooks (sent, delivered,
 * read, or failed) posted in order to the URL registered for the number, after the configured
 * delays. Tests may deliver them in-process instead (`deliverWebhook`).
 */
import { createHmac, randomUUID } from "node:crypto";
import { later, type ProviderState } from "./state";
import type { SentRequest } from "./types";

type Stage = { status: string; errors?: unknown[] };

/** Posts one signed webhook for a number; records the answer's status (0 when unreachable). */
export async function postWebhook(
  state: ProviderState,
  phoneNumberId: string,
  event: string,
  payload: unknown,
) {
  const hook = state.webhooks.get(phoneNumberId);
  const secret = state.options.webhookSecretFor?.(phoneNumberId) ?? hook?.secret;
  if (!hook || secret === undefined) return;
  const body = JSON.stringify(payload);
  const headers = {
    "content-type": "application/json",
    "x-webhook-event": event,
    "x-webhook-signature": createHmac("sha256", secret).update(body).digest("hex"),
    "x-webhook-payload-version": "v2",
    "x-idempotency-key": randomUUID(),
  };
  let status: number;
  try {
    const deliver = state.options.deliverWebhook;
    status = deliver
      ? (await deliver({ url: hook.url, headers, body })).status
      : (await fetch(hook.url, { method: "POST", headers, body })).status;
  } catch {
    status = 0;
  }
  state.webhooksDelivered.push({ event, status, body });
}

/** The Kapso v2 payload of an outbound message's status, with every stage so far. */
export function statusPayload(phoneNumberId: string, message: SentRequest, stages: Stage[]) {
  const body = message.body;
  const type = String(body.type);
  const ts = String(Math.floor(Date.now() / 1000));
  const to = String(body.to ?? body.recipient ?? "");
  return {
    message: {
      id: message.wamid,
      timestamp: ts,
      type,
      ...(body[type] !== undefined ? { [type]: body[type] } : {}),
      to,
      kapso: {
        direction: "outbound",
        status: stages[stages.length - 1]!.status,
        processing_status: "completed",
        origin: "cloud_api",
        has_media: ["image", "video", "audio", "document"].includes(type),
        statuses: stages.map((s) => ({
          id: message.wamid,
          status: s.status,
          timestamp: ts,
          recipient_id: to.replace(/^\+/, ""),
          ...(body.biz_opaque_callback_data !== undefined
            ? { biz_opaque_callback_data: body.biz_opaque_callback_data }
            : {}),
          ...(s.errors ? { errors: s.errors } : {}),
        })),
      },
    },
    conversation: {
      id: `conv_${to}`,
      phone_number: to,
      status: "active",
      phone_number_id: phoneNumberId,
    },
    is_new_conversation: false,
    phone_number_id: phoneNumberId,
  };
}

/** The stages of one accepted message: sent → delivered → read, or sent → failed. */
function statusSteps(
  delays: { sent: number; delivered: number; read: number },
  asyncFailure?: { code: number; title: string },
): [number, Stage][] {
  if (asyncFailure) {
    const { code, title } = asyncFailure;
    return [
      [delays.sent, { status: "sent" }],
      [delays.delivered, { status: "failed", errors: [{ code, title, message: title }] }],
    ];
  }
  return [
    [delays.sent, { status: "sent" }],
    [delays.delivered, { status: "delivered" }],
    [delays.read, { status: "read" }],
  ];
}

/** Schedules the status webhooks of an accepted message (none when delays are off). */
export function scheduleStatuses(
  state: ProviderState,
  phoneNumberId: string,
  message: SentRequest,
  asyncFailure?: { code: number; title: string },
) {
  if (state.delays === false) return;
  const stages: Stage[] = [];
  // Posted in order, one after the other: each waits for the previous delivery.
  let chain = Promise.resolve();
  for (const [ms, stage] of statusSteps(state.delays, asyncFailure)) {
    later(state, ms, async () => {
      chain = chain.then(async () => {
        stages.push(stage);
        const payload = statusPayload(phoneNumberId, message, [...stages]);
        await postWebhook(state, phoneNumberId, `whatsapp.message.${stage.status}`, payload);
      });
      await chain;
    });
  }
}
