/**
 * Accumulates the conversation analytics of one range, thread by thread: messages per day by
 * who wrote them, the delivery funnel of outbound messages, first-reply waits (AI and human
 * apart), and handoffs over the threads the AI was answering. Pure: analytics.ts feeds it rows.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { HandoffReason, ThreadOwner } from "../lib/validators";
import {
  dayKey,
  firstReplyWaits,
  latency,
  median,
  NEEDS_PERSON,
  type TimelineItem,
  type Wait,
} from "./analyticsMath";
import type { AnalyticsRange } from "./validators";

export type Ownership = { initialOwner: ThreadOwner; events: Doc<"handoffEvents">[] };

class Counter<K> {
  private readonly map = new Map<K, number>();
  add(key: K, n = 1) {
    this.map.set(key, (this.map.get(key) ?? 0) + n);
  }
  get(key: K) {
    return this.map.get(key) ?? 0;
  }
  entries() {
    return [...this.map.entries()];
  }
}

const SENT = ["sent", "delivered", "read", "played"];
const DELIVERED = ["delivered", "read", "played"];
const READ = ["read", "played"];

/** Stage reached by an outbound message: its status, or a stage timestamp (a failure may follow). */
function reached(m: Doc<"messages">, stage: "sent" | "delivered" | "read") {
  const { status, statusTimestamps: s } = m.channelData;
  if (stage === "read") return READ.includes(status) || s.readAt !== undefined;
  const delivered =
    DELIVERED.includes(status) || s.deliveredAt !== undefined || s.readAt !== undefined;
  if (stage === "delivered") return delivered;
  return delivered || SENT.includes(status) || s.sentAt !== undefined;
}

/** Sent → delivered → read of outbound messages, each a share of all of them; failures by code. */
export function deliveryFunnel(outbound: Doc<"messages">[]) {
  const of = outbound.length;
  const byCode = new Map<number, { code: number; title: string; count: number }>();
  for (const m of outbound) {
    if (m.channelData.status !== "failed") continue;
    const code = m.channelData.error?.code ?? 0;
    const entry = byCode.get(code) ?? {
      code,
      title: m.channelData.error?.title ?? "Unknown error",
      count: 0,
    };
    entry.count += 1;
    byCode.set(code, entry);
  }
  const share = (test: (m: Doc<"messages">) => boolean) => ({
    count: outbound.filter(test).length,
    of,
  });
  return {
    outbound: of,
    sent: share((m) => reached(m, "sent")),
    delivered: share((m) => reached(m, "delivered")),
    read: share((m) => reached(m, "read")),
    failed: share((m) => m.channelData.status === "failed"),
    pending: share((m) => m.channelData.status === "queued"),
    failedByCode: [...byCode.values()].sort((a, b) => b.count - a.count || a.code - b.code),
  };
}

export class ConversationTally {
  private readonly perDay = {
    inbound: new Counter<string>(),
    outboundAi: new Counter<string>(),
    outboundHuman: new Counter<string>(),
    conversations: new Counter<string>(),
    aiConversations: new Counter<string>(),
    handoffs: new Counter<string>(),
  };
  private readonly numbers = new Map<
    Id<"whatsappConnections">,
    { inbound: number; outbound: number; conversations: number }
  >();
  private readonly reasons = new Counter<HandoffReason>();
  private readonly outbound: Doc<"messages">[] = [];
  private readonly waits: Wait[] = [];
  private readonly totals = { inbound: 0, outboundAi: 0, outboundHuman: 0, conversations: 0 };
  private aiThreads = 0;
  private handedOff = 0;
  private escalated = 0;

  constructor(private readonly range: AnalyticsRange) {}

  private day(at: number) {
    return dayKey(at, this.range.utcOffsetMinutes);
  }

  /** One thread's messages and ownership changes inside the range. */
  addThread(thread: Doc<"threads">, messages: Doc<"messages">[], ownership: Ownership) {
    const n = this.numbers.get(thread.connectionId) ?? {
      inbound: 0,
      outbound: 0,
      conversations: 0,
    };
    const customerDays = new Set<string>();
    for (const m of messages) {
      const day = this.day(m.createdAt);
      if (m.role === "user") {
        this.perDay.inbound.add(day);
        customerDays.add(day);
        this.totals.inbound += 1;
        n.inbound += 1;
      } else if (m.role === "assistant" || m.role === "human") {
        const ai = m.role === "assistant";
        (ai ? this.perDay.outboundAi : this.perDay.outboundHuman).add(day);
        this.totals[ai ? "outboundAi" : "outboundHuman"] += 1;
        if (m.channelData.direction === "outbound") this.outbound.push(m);
        n.outbound += 1;
      }
    }
    for (const day of customerDays) this.perDay.conversations.add(day);
    if (customerDays.size > 0) {
      this.totals.conversations += 1;
      n.conversations += 1;
    }
    this.numbers.set(thread.connectionId, n);
    this.addOwnership(messages, ownership);
  }

  private addOwnership(messages: Doc<"messages">[], ownership: Ownership) {
    const items: TimelineItem[] = [
      ...messages.map((m) => ({ kind: "message" as const, at: m.createdAt, role: m.role })),
      ...ownership.events.map((e) => ({
        kind: "handoff" as const,
        at: e.at,
        to: e.to,
        reason: e.reason,
      })),
    ];
    const timeline = firstReplyWaits(items, ownership.initialOwner);
    this.waits.push(...timeline.waits);
    for (const day of new Set(timeline.aiOwnedCustomerMessages.map((at) => this.day(at)))) {
      this.perDay.aiConversations.add(day);
    }
    const toHuman = ownership.events.filter((e) => e.to === "human");
    for (const e of toHuman) {
      this.perDay.handoffs.add(this.day(e.at));
      this.reasons.add(e.reason);
    }
    // The AI was answering this thread: a customer wrote while it owned it, or it handed it on.
    if (timeline.aiOwnedCustomerMessages.length > 0 || toHuman.length > 0) this.aiThreads += 1;
    if (toHuman.length > 0) this.handedOff += 1;
    if (toHuman.some((e) => NEEDS_PERSON.includes(e.reason))) this.escalated += 1;
  }

  private replies(by: ThreadOwner, waits: Wait[]) {
    return waits.filter((w) => w.by === by && w.replyMs !== undefined).map((w) => w.replyMs!);
  }

  private unanswered(by: ThreadOwner) {
    return this.waits.filter((w) => w.by === by && w.replyMs === undefined).length;
  }

  private daily() {
    return this.range.days.map((day) => {
      const started = this.waits.filter((w) => this.day(w.startedAt) === day);
      const ai = this.replies("ai", started);
      const human = this.replies("human", started);
      return {
        day,
        inbound: this.perDay.inbound.get(day),
        outboundAi: this.perDay.outboundAi.get(day),
        outboundHuman: this.perDay.outboundHuman.get(day),
        conversations: this.perDay.conversations.get(day),
        aiConversations: this.perDay.aiConversations.get(day),
        handoffs: this.perDay.handoffs.get(day),
        aiFirstReply: { answered: ai.length, medianMs: median(ai) },
        humanFirstReply: { answered: human.length, medianMs: median(human) },
      };
    });
  }

  result() {
    return {
      daily: this.daily(),
      totals: this.totals,
      funnel: deliveryFunnel(this.outbound),
      firstReply: {
        ai: latency(this.replies("ai", this.waits), this.unanswered("ai")),
        human: latency(this.replies("human", this.waits), this.unanswered("human")),
      },
      handoff: {
        rate: { count: this.handedOff, of: this.aiThreads },
        escalationRate: { count: this.escalated, of: this.aiThreads },
        byReason: this.reasons
          .entries()
          .map(([reason, count]) => ({ reason, count }))
          .sort((a, b) => b.count - a.count),
      },
      byNumber: [...this.numbers.entries()].map(([connectionId, n]) => ({ connectionId, ...n })),
    };
  }
}
