/**
 * The fake provider's memory: what it received, the webhooks registered per number, failures
 * still to inject, and the timers of status webhooks waiting to be posted.
 */
import type { MediaStore } from "./media";
import type {
  FailureRule,
  FakeProvider,
  FakeProviderOptions,
  FakeTemplate,
  SentRequest,
} from "./types";

export type Delays = { sent: number; delivered: number; read: number };
export type PendingFailure = FailureRule & { left: number };

export type ProviderState = {
  options: FakeProviderOptions;
  /** The server's own URL (setup links point at it); set once it listens. */
  url: string;
  delays: Delays | false;
  failures: PendingFailure[];
  /** Phone number id → the webhook registered for it. */
  webhooks: Map<string, { url: string; secret: string }>;
  /** Registered webhook id → phone number id (for secret rotation). */
  webhookIds: Map<string, string>;
  sent: SentRequest[];
  accepted: SentRequest[];
  reads: Record<string, unknown>[];
  uploads: FakeProvider["uploads"];
  templates: FakeTemplate[];
  templateLists: FakeProvider["templateLists"];
  templateListFailures: { status: number; code: number }[];
  /** Template sends are held for quality assessment while on; the held ones, until dropped. */
  holdTemplates: boolean;
  held: { phoneNumberId: string; request: SentRequest }[];
  webhooksDelivered: FakeProvider["webhooksDelivered"];
  timers: Set<NodeJS.Timeout>;
  /** Held sends (`lateArrival`), accepted after the next history query of their number. */
  lateArrivals: { phoneNumberId: string; accept: () => void }[];
  /** Inbound media tests registered (media id → bytes), and the downloads of it. */
  media: MediaStore;
  mediaDownloads: FakeProvider["mediaDownloads"];
  /** Status webhooks scheduled and not yet posted. */
  inflight: number;
  counter: number;
};

export function createState(options: FakeProviderOptions): ProviderState {
  const state: ProviderState = {
    options,
    url: "",
    delays:
      options.statusDelaysMs === false
        ? false
        : { sent: 20, delivered: 40, read: 60, ...options.statusDelaysMs },
    failures: (options.failures ?? []).map(pending),
    webhooks: new Map(),
    webhookIds: new Map(),
    sent: [],
    accepted: [],
    reads: [],
    uploads: [],
    templates: [],
    templateLists: [],
    templateListFailures: [],
    holdTemplates: false,
    held: [],
    webhooksDelivered: [],
    timers: new Set(),
    lateArrivals: [],
    media: new Map(),
    mediaDownloads: [],
    inflight: 0,
    counter: 0,
  };
  if (options.phoneNumberId && options.webhookUrl && options.webhookSecret) {
    state.webhooks.set(options.phoneNumberId, {
      url: options.webhookUrl,
      secret: options.webhookSecret,
    });
  }
  return state;
}

export const pending = (rule: FailureRule): PendingFailure => ({ ...rule, left: rule.times ?? 1 });

/** A fresh id with a prefix (`tpl_3`, `media_4`, …), unique within this provider. */
export function nextId(state: ProviderState, prefix: string): string {
  return `${prefix}_${++state.counter}`;
}

export function newWamid(state: ProviderState): string {
  return `wamid.FAKE${Date.now().toString(36)}${(++state.counter).toString(36).toUpperCase()}`;
}

/** The first failure rule matching this send, with one use taken from it. */
export function takeFailure(
  state: ProviderState,
  phoneNumberId: string,
  body: Record<string, unknown>,
): PendingFailure | undefined {
  const rule = state.failures.find(
    (f) =>
      f.left > 0 &&
      (f.match?.type === undefined || f.match.type === body.type) &&
      (f.match?.to === undefined || f.match.to === body.to) &&
      (f.match?.phoneNumberId === undefined || f.match.phoneNumberId === phoneNumberId),
  );
  if (rule) rule.left--;
  return rule;
}

/** Runs `run` after `ms`, counted as in flight until it settles (see `idle()`). */
export function later(state: ProviderState, ms: number, run: () => Promise<void>) {
  state.inflight++;
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    void run().finally(() => state.inflight--);
  }, ms);
  state.timers.add(timer);
}
