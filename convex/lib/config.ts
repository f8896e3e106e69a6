/**
 * Deployment configuration read from environment variables (set with `npx convex env set`,
 * or by the local runtime). Every variable is documented in `.env.example`.
 */
import { env } from "../_generated/server";

export type KapsoConfig = { baseUrl: string; apiKey: string };

/** The Kapso API: platform endpoints under `/platform/v1`, the Meta proxy under `/meta/whatsapp`. */
export function kapsoConfig(): KapsoConfig {
  return {
    baseUrl: (env.KAPSO_API_BASE_URL ?? "https://api.kapso.ai").replace(/\/+$/, ""),
    apiKey: env.KAPSO_API_KEY ?? "",
  };
}

/** Public base URL of this deployment's HTTP actions (where providers post webhooks). */
export function webhookBaseUrl(): string {
  const url = env.SWITCHBOARD_WEBHOOK_BASE_URL ?? env.CONVEX_SITE_URL ?? "";
  return url.replace(/\/+$/, "");
}

/** Where Kapso's setup link sends the admin back after connecting a number. */
export function dashboardUrl(): string {
  return (env.SWITCHBOARD_DASHBOARD_URL ?? "http://127.0.0.1:5173").replace(/\/+$/, "");
}

/**
 * Inbound webhooks: the project-level secret Kapso signs project webhooks
 * (`/webhook/kapso/project`) with. Empty means project webhooks are refused (401).
 */
export function kapsoProjectWebhookSecret(): string {
  return env.KAPSO_PROJECT_WEBHOOK_SECRET ?? "";
}

/** How long routing waits after an inbound message so a burst is answered once. */
export function routingCoalesceMs(fallback: number): number {
  const raw = env.ROUTING_COALESCE_MS;
  if (raw === undefined || raw.trim() === "") return fallback;
  const parsed = Number(raw);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}
