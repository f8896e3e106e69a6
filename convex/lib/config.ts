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

export type LlmConfig = {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
};

function positiveNumber(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed >= 0
    ? parsed
    : fallback;
}

/** The OpenAI-compatible model server (any base URL: OpenAI, a proxy, or the stand-in model). */
export function llmConfig(): LlmConfig {
  return {
    baseUrl: (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1").replace(/\/+$/, ""),
    apiKey: env.OPENAI_API_KEY || "stand-in",
    timeoutMs: positiveNumber(env.OPENAI_TIMEOUT_MS, 30_000),
    maxAttempts: Math.max(1, Math.floor(positiveNumber(env.OPENAI_MAX_ATTEMPTS, 3))),
    retryBaseMs: positiveNumber(env.OPENAI_RETRY_BASE_MS, 500),
  };
}

/** Upper bound, in characters, of the prompt an agent turn sends (system + history). */
export function promptBudgetChars(): number {
  return positiveNumber(env.AGENT_PROMPT_BUDGET_CHARS, 24_000);
}

/** Outbound sending knobs. Defaults follow Meta's documented limits. */
export type OutboundConfig = {
  /** How long one provider call may take before the send counts as ambiguous. */
  sendTimeoutMs: number;
  /** First retry delay; doubles per attempt (with jitter), capped by `retryMaxDelayMs`. */
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Attempts (first send included) before a transient failure becomes `failed`. */
  maxAttempts: number;
  /** Wait before checking whether an ambiguous send reached the provider. */
  reconcileDelayMs: number;
  /** Meta's pair limit: sends to one customer per minute, with a burst allowance. */
  pairPerMinute: number;
  pairBurst: number;
  /** A call claimed later than this before the end of its one-second slot takes a new slot. */
  slotMarginMs: number;
};

function numberVar(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const parsed = Number(raw);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

export function outboundConfig(): OutboundConfig {
  return {
    sendTimeoutMs: numberVar("OUTBOUND_SEND_TIMEOUT_MS", 15_000),
    retryBaseMs: numberVar("OUTBOUND_RETRY_BASE_MS", 1_000),
    retryMaxDelayMs: numberVar("OUTBOUND_RETRY_MAX_DELAY_MS", 5 * 60_000),
    maxAttempts: numberVar("OUTBOUND_MAX_ATTEMPTS", 6),
    reconcileDelayMs: numberVar("OUTBOUND_RECONCILE_DELAY_MS", 30_000),
    pairPerMinute: numberVar("OUTBOUND_PAIR_PER_MINUTE", 10),
    pairBurst: numberVar("OUTBOUND_PAIR_BURST", 45),
    slotMarginMs: Math.min(900, numberVar("OUTBOUND_SLOT_MARGIN_MS", 300)),
  };
}

/**
 * How long work may stay in progress (a send `sending`/`scheduled`/`unconfirmed` past its due
 * time, an agent turn `running`) before the watchdog (ops/watchdog.ts) moves it on. Longer than
 * Convex's 10-minute action limit, so the action that owned it is surely gone.
 */
export function watchdogStaleMs(): number {
  return numberVar("WATCHDOG_STALE_MS", 15 * 60_000);
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

/** Graph API host for Meta-direct numbers; the offline runtime points it at the fake provider. */
export function metaGraphBaseUrl(): string | undefined {
  const url = env.META_GRAPH_BASE_URL;
  return url === undefined || url.trim() === "" ? undefined : url.replace(/\/+$/, "");
}

/**
 * Per-tenant (organization + environment) fairness limits of agent turns, so one busy
 * tenant cannot starve the others. A turn over a limit is delayed (rescheduled), never dropped.
 */
export type TenantLimits = {
  /** Agent turns a tenant may start per minute (token bucket refill rate). */
  turnsPerMinute: number;
  /** Turns a tenant may start at once before the rate applies (bucket capacity). */
  turnBurst: number;
  /** Model tokens (in + out) a tenant may spend per minute; a turn waits while the budget is spent. */
  modelTokensPerMinute: number;
};

export function tenantLimits(): TenantLimits {
  return {
    turnsPerMinute: numberVar("TENANT_TURNS_PER_MINUTE", 120),
    turnBurst: Math.max(1, Math.floor(numberVar("TENANT_TURN_BURST", 20))),
    modelTokensPerMinute: numberVar("TENANT_MODEL_TOKENS_PER_MINUTE", 400_000),
  };
}

/** Tables whose old rows the retention crons delete (messages are never deleted). */
export type RetainedTable =
  | "webhookDeliveries"
  | "agentRuns"
  | "hookDeliveries"
  | "notifications"
  | "handoffEvents"
  | "outboundSends"
  | "mediaFiles"
  | "deliveryReplayJobs";

/** Days each table keeps a row by default, and the variable that overrides it. */
export const RETENTION_DEFAULTS: Record<RetainedTable, { days: number; variable: string }> = {
  webhookDeliveries: { days: 30, variable: "RETENTION_WEBHOOK_DELIVERIES_DAYS" },
  agentRuns: { days: 90, variable: "RETENTION_AGENT_RUNS_DAYS" },
  hookDeliveries: { days: 30, variable: "RETENTION_HOOK_DELIVERIES_DAYS" },
  notifications: { days: 90, variable: "RETENTION_NOTIFICATIONS_DAYS" },
  handoffEvents: { days: 365, variable: "RETENTION_HANDOFF_EVENTS_DAYS" },
  outboundSends: { days: 30, variable: "RETENTION_OUTBOUND_SENDS_DAYS" },
  /** Stored copies of inbound media (the messages keep their metadata and transcripts). */
  mediaFiles: { days: 30, variable: "MEDIA_RETENTION_DAYS" },
  /** Finished bulk replays of failed deliveries (a running one is never deleted). */
  deliveryReplayJobs: { days: 30, variable: "RETENTION_DELIVERY_REPLAY_JOBS_DAYS" },
};

/** Days rows of `table` are kept; null when set to 0 (kept forever). Bad values: the default. */
export function retentionDays(table: RetainedTable): number | null {
  const { days, variable } = RETENTION_DEFAULTS[table];
  const raw = env[variable];
  if (raw === undefined || raw.trim() === "") return days;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < 0) return days;
  return parsed === 0 ? null : parsed;
}

/** How message templates are synced from the provider (whatsapp/templateSync.ts). */
export type TemplateSyncConfig = {
  /** Between two syncs of a Kapso number (it gets no template webhooks). */
  kapsoIntervalMs: number;
  /** Between two syncs of a Meta-direct number (webhooks keep it current; the sync catches misses). */
  metaIntervalMs: number;
  /** Numbers one cron run starts syncing, at most. */
  connectionsPerRun: number;
  /** List pages one scheduled or hinted sync reads, and templates per page (max 100). */
  pagesPerRun: number;
  pageSize: number;
  /** How long a sync asked for by a webhook or a send waits (events come in bursts). */
  hintDelayMs: number;
};

export function templateSyncConfig(): TemplateSyncConfig {
  return {
    kapsoIntervalMs: numberVar("TEMPLATE_SYNC_INTERVAL_MS", 30 * 60_000),
    metaIntervalMs: numberVar("TEMPLATE_SYNC_META_INTERVAL_MS", 6 * 60 * 60_000),
    connectionsPerRun: numberVar("TEMPLATE_SYNC_CONNECTIONS_PER_RUN", 25),
    pagesPerRun: numberVar("TEMPLATE_SYNC_PAGES_PER_RUN", 10),
    pageSize: Math.min(100, numberVar("TEMPLATE_SYNC_PAGE_SIZE", 100)),
    hintDelayMs: numberVar("TEMPLATE_SYNC_HINT_DELAY_MS", 5_000),
  };
}

/** Inbound media: stored copies, voice-note transcription and how long a turn waits for it. */
export type MediaConfig = {
  /**
   * Largest file we download and keep (bytes); larger media keeps its metadata only. Stored
   * copies are kept `MEDIA_RETENTION_DAYS` (see RETENTION_DEFAULTS).
   */
  maxBytes: number;
  /** How long an agent turn waits for a voice note's transcript before a placeholder. */
  transcriptWaitMs: number;
  /** The transcription model; "off" stores voice notes without transcribing them. */
  transcriptionModel: string;
  /** OpenAI-compatible server for `/audio/transcriptions` (defaults to the model server's). */
  transcriptionBaseUrl: string;
  transcriptionApiKey: string;
  timeoutMs: number;
};

export function mediaConfig(): MediaConfig {
  const llm = llmConfig();
  return {
    maxBytes: numberVar("MEDIA_MAX_BYTES", 16 * 1024 * 1024),
    transcriptWaitMs: positiveNumber(env.VOICE_TRANSCRIPT_WAIT_MS, 6_000),
    transcriptionModel: env.TRANSCRIPTION_MODEL?.trim() || "gpt-4o-mini-transcribe",
    transcriptionBaseUrl: (env.TRANSCRIPTION_BASE_URL?.trim() || llm.baseUrl).replace(/\/+$/, ""),
    transcriptionApiKey: env.TRANSCRIPTION_API_KEY || llm.apiKey,
    timeoutMs: numberVar("MEDIA_TIMEOUT_MS", 30_000),
  };
}
