"use node";
/**
 * Kapso Platform API calls (customers, setup links, webhook registration). Only
 * `convex/whatsapp/provider.ts` may use this module: it is the provider boundary. Each call takes the
 * config explicitly so tests and the offline runtime can point it at the fake provider.
 */
import type { KapsoConfig } from "../lib/config";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

async function platformRequest<T>(
  config: KapsoConfig,
  method: string,
  path: string,
  body: unknown,
): Promise<T> {
  if (config.apiKey === "") {
    throw new ProviderError("KAPSO_API_KEY is not set on this deployment.", 0, "");
  }
  const response = await fetch(`${config.baseUrl}/platform/v1${path}`, {
    method,
    headers: { "Content-Type": "application/json", "X-API-Key": config.apiKey },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new ProviderError(
      `Kapso ${method} ${path} failed with HTTP ${response.status}: ${text.slice(0, 300)}`,
      response.status,
      text,
    );
  }
  const parsed = (text === "" ? {} : JSON.parse(text)) as { data?: T } & T;
  return (parsed.data ?? parsed) as T;
}

export async function createCustomer(
  config: KapsoConfig,
  args: { name: string; externalCustomerId: string },
): Promise<{ id: string }> {
  const customer = await platformRequest<{ id?: string }>(config, "POST", "/customers", {
    customer: { name: args.name, external_customer_id: args.externalCustomerId },
  });
  if (typeof customer.id !== "string") {
    throw new ProviderError("Kapso answered the customer creation without an id.", 200, "");
  }
  return { id: customer.id };
}

export async function createSetupLink(
  config: KapsoConfig,
  customerId: string,
  args: { successRedirectUrl: string; failureRedirectUrl: string },
): Promise<{ id?: string; url: string }> {
  const link = await platformRequest<{ id?: string; url?: string }>(
    config,
    "POST",
    `/customers/${encodeURIComponent(customerId)}/setup_links`,
    {
      setup_link: {
        success_redirect_url: args.successRedirectUrl,
        failure_redirect_url: args.failureRedirectUrl,
        allowed_connection_types: ["coexistence", "dedicated"],
      },
    },
  );
  if (typeof link.url !== "string") {
    throw new ProviderError("Kapso answered the setup link request without a url.", 200, "");
  }
  return { id: link.id, url: link.url };
}

export const MESSAGE_WEBHOOK_EVENTS = [
  "whatsapp.message.received",
  "whatsapp.message.sent",
  "whatsapp.message.delivered",
  "whatsapp.message.read",
  "whatsapp.message.failed",
];

export async function registerMessageWebhook(
  config: KapsoConfig,
  phoneNumberId: string,
  args: { url: string; secret: string },
): Promise<{ id: string }> {
  const webhook = await platformRequest<{ id?: string }>(
    config,
    "POST",
    `/whatsapp/phone_numbers/${encodeURIComponent(phoneNumberId)}/webhooks`,
    {
      whatsapp_webhook: {
        url: args.url,
        secret_key: args.secret,
        events: MESSAGE_WEBHOOK_EVENTS,
        active: true,
        payload_version: "v2",
      },
    },
  );
  if (typeof webhook.id !== "string") {
    throw new ProviderError("Kapso answered the webhook registration without an id.", 200, "");
  }
  return { id: webhook.id };
}

/** Replaces the signing secret of a registered message webhook (secret rotation). */
export async function updateWebhookSecret(
  config: KapsoConfig,
  webhookId: string,
  secret: string,
): Promise<void> {
  await platformRequest(config, "PATCH", `/whatsapp/webhooks/${encodeURIComponent(webhookId)}`, {
    whatsapp_webhook: { secret_key: secret },
  });
}
