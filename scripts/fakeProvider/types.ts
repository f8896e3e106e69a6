/**
 * The fake provider's public shapes: its options (failure injection, webhook delivery, review
 * outcome of templates) and what tests read back (requests received, webhooks posted).
 */
export type WebhookRequest = { url: string; headers: Record<string, string>; body: string };

export type FailureRule = {
  /** Only sends matching all given fields (type is the Cloud API message type). */
  match?: { type?: string; to?: string; phoneNumberId?: string };
  /** How many matching sends it affects (default 1). */
  times?: number;
} & (
  | {
      kind: "error";
      status: number;
      /** Meta's error code; a 502/504 without one answers like a gateway (no Graph body). */
      code?: number;
      title?: string;
      /** Accept the message first, then answer the error (the answer was lost on the way). */
      afterAccept?: boolean;
    }
  | { kind: "timeout"; afterAccept: boolean; ms: number }
  /**
   * The request reaches the provider late: it is held (no answer, so the client times out)
   * and accepted only right after the next history query of its number has been answered.
   */
  | { kind: "lateArrival" }
  | { kind: "asyncFailure"; code: number; title: string }
);

export type SentRequest = {
  at: number;
  phoneNumberId: string;
  body: Record<string, unknown>;
  outcome: "accepted" | "rejected" | "timeout";
  wamid?: string;
};

export type FakeTemplate = {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: string;
  parameter_format: string;
  components: unknown[];
  status: string;
  quality_score?: { score: string; date: number };
  previous_category?: string;
};

/** A changed template at the provider (what tests trigger before a sync or a webhook). */
export type TemplateChange = {
  status?: string;
  quality?: string;
  category?: string;
};

export type FakeProviderOptions = {
  port?: number;
  /** Delays of the status webhooks after acceptance; `false` posts none. */
  statusDelaysMs?: { sent?: number; delivered?: number; read?: number } | false;
  /** Overrides the secret registered for a number. */
  webhookSecretFor?: (phoneNumberId: string) => string | undefined;
  /** Delivers a webhook instead of POSTing it (tests route it into convex-test's `t.fetch`). */
  deliverWebhook?: (request: WebhookRequest) => Promise<{ status: number }>;
  failures?: FailureRule[];
  /** Review outcome of created templates (default APPROVED, like Kapso's sandbox). */
  templateReview?: "APPROVED" | "PENDING" | "REJECTED";
  /** Items per page of the message history (at most the `limit` asked for; default 100). */
  historyPageSize?: number;
  /** Template list paging: Meta's (`next` while more remain, the default) or cursors only. */
  templatePaging?: "meta" | "cursorsOnly";
  /** Whether message history items carry `biz_opaque_callback_data` (default true). */
  historyIncludesCallbackData?: boolean;
  /**
   * Numbers the Graph API knows (`GET /{version}/{phone-number-id}`), each readable with its
   * own access token only. Absent: any phone number id answers.
   */
  metaNumbers?: {
    phoneNumberId: string;
    displayPhoneNumber: string;
    businessAccountId: string;
    accessToken: string;
    verifiedName?: string;
  }[];
  /** A webhook registered from the start (the local runtime's demo number). */
  webhookUrl?: string;
  webhookSecret?: string;
  phoneNumberId?: string;
  phoneNumber?: string;
};

export type FakeProvider = {
  url: string;
  close(): Promise<void>;
  /** Every send request received (accepted or not), in arrival order. */
  sent: SentRequest[];
  /** Messages the customer actually received (accepted sends). */
  accepted: SentRequest[];
  /** Mark-as-read calls. */
  reads: Record<string, unknown>[];
  uploads: { phoneNumberId: string; id: string; bytes: number }[];
  templates: FakeTemplate[];
  webhooksDelivered: { event: string; status: number; body: string }[];
  inject(rule: FailureRule): void;
  setTemplateStatus(name: string, language: string, status: string): void;
  /** Changes a template's status, quality rating or category (as Meta would after review). */
  changeTemplate(name: string, language: string, change: TemplateChange): void;
  /** Adds a template created elsewhere (WhatsApp Manager), already reviewed. */
  addTemplate(template: Omit<FakeTemplate, "id">): FakeTemplate;
  /** Template list requests received, in order (for paging and backoff checks). */
  templateLists: { wabaId: string; limit: number; after?: string; name?: string }[];
  /** The next `times` template list requests fail with this HTTP status (and Graph code). */
  failTemplateLists(times: number, status?: number, code?: number): void;
  /**
   * Template sends answered `held_for_quality_assessment` (no status webhook follows) while on;
   * `dropHeld` then reports each held message `failed` (132015: the template was paused).
   */
  holdTemplateSends(on: boolean): void;
  dropHeld(): Promise<void>;
  /** Send arrivals per whole second (epoch seconds → count), optionally for one number. */
  arrivalsPerSecond(phoneNumberId?: string): Map<number, number>;
  /** Resolves once no status webhook is waiting to be posted. */
  idle(): Promise<void>;
  /** Registers an inbound media id with its bytes (see `spokenOgg` for voice notes). */
  addMedia(id: string, media: { bytes: Uint8Array; mimeType: string }): void;
  /** Media metadata reads and byte downloads, with the credential each carried. */
  mediaDownloads: { id: string; kind: "metadata" | "bytes"; credential?: string }[];
};
