/**
 * Delivery statuses: for every one of the 24 orders of sent/delivered/read/failed,
 * delivered by status webhooks to one outbound message, the message ends in the documented final
 * state (`failed`, terminal, with its first error) with all four stage timestamps recorded; without
 * `failed` the highest stage wins and nothing is downgraded. Plus the merge rule as a property.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Id } from "../convex/_generated/dataModel";
import { internal } from "../convex/_generated/api";
import { mergeStatus, PENDING_STATUS_RETENTION_MS } from "../convex/whatsapp/statuses";
import type { ChannelData, StatusUpdate } from "../convex/lib/validators";
import { newTest, provisionTenant, type TestConvex } from "./setup";
import {
  connectMetaNumber,
  metaEnvelope,
  metaRequest,
  metaStatus,
  metaText,
  metaValue,
  post,
} from "./fixtures/webhooks";

type Stage = "sent" | "delivered" | "read" | "failed";
const STAGES: Stage[] = ["sent", "delivered", "read", "failed"];
const TIME: Record<Stage, number> = { sent: 1000, delivered: 1010, read: 1020, failed: 1030 };
const ERROR = { code: 131047, title: "Re-engagement message", message: "More than 24 hours" };

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const queued: ChannelData = {
  channel: "whatsapp",
  direction: "outbound",
  type: "text",
  providerMessageId: "wamid.X",
  status: "queued",
  statusTimestamps: { queuedAt: 1 },
};

function update(stage: Stage, extra: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    status: stage,
    timestamp: TIME[stage] * 1000,
    ...(stage === "failed" ? { error: ERROR } : {}),
    ...extra,
  };
}

describe("mergeStatus", () => {
  test("there are 24 orders and each ends failed with every stage timestamped", () => {
    const orders = permutations(STAGES);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const final = order.reduce((data, stage) => mergeStatus(data, update(stage)), queued);
      expect(final.status, order.join(">")).toBe("failed");
      expect(final.error).toEqual(ERROR);
      expect(final.statusTimestamps).toEqual({
        queuedAt: 1,
        sentAt: 1_000_000,
        deliveredAt: 1_010_000,
        readAt: 1_020_000,
        failedAt: 1_030_000,
      });
    }
  });

  test("without a failure, each of the 6 orders ends read and never moves backwards", () => {
    const rank = { queued: 0, sent: 1, delivered: 2, read: 3 } as Record<string, number>;
    for (const order of permutations<Stage>(["sent", "delivered", "read"])) {
      let data = queued;
      for (const stage of order) {
        const next = mergeStatus(data, update(stage));
        expect(rank[next.status]!).toBeGreaterThanOrEqual(rank[data.status]!);
        data = next;
      }
      expect(data.status, order.join(">")).toBe("read");
      expect(Object.keys(data.statusTimestamps).sort()).toEqual([
        "deliveredAt",
        "queuedAt",
        "readAt",
        "sentAt",
      ]);
    }
  });

  test("a second failure keeps the first error and the first failure time", () => {
    const first = mergeStatus(queued, update("failed"));
    const second = mergeStatus(first, {
      status: "failed",
      timestamp: 9_999_000,
      error: { code: 131026, title: "Undeliverable" },
    });
    expect(second.error).toEqual(ERROR);
    expect(second.statusTimestamps.failedAt).toBe(1_030_000);
  });

  test("played (voice) ranks above read", () => {
    const read = mergeStatus(queued, update("read"));
    expect(mergeStatus(read, { status: "played", timestamp: 5 }).status).toBe("played");
    expect(
      mergeStatus(mergeStatus(queued, { status: "played", timestamp: 5 }), update("read")).status,
    ).toBe("played");
  });

  test("the final state depends only on which reports arrived, not their order or repeats", () => {
    const report = fc.constantFrom<Stage | "played">(
      "sent",
      "delivered",
      "read",
      "played",
      "failed",
    );
    fc.assert(
      fc.property(
        fc.array(report, { minLength: 1, maxLength: 12 }),
        fc.integer(),
        (reports, seed) => {
          const apply = (list: (Stage | "played")[]) =>
            list.reduce(
              (d, s) =>
                mergeStatus(d, s === "played" ? { status: "played", timestamp: 7 } : update(s)),
              queued,
            );
          const shuffled = [...reports].sort(
            (a, b) => ((a.charCodeAt(0) * seed) % 7) - ((b.charCodeAt(0) * seed) % 7),
          );
          expect(apply(shuffled)).toEqual(apply(reports));
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe("status webhooks on a stored outbound message", () => {
  let t: TestConvex;
  let connectionId: Id<"whatsappConnections">;

  beforeEach(async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2025-06-18T16:00:00Z"));
    t = newTest();
    const { admin } = await provisionTenant(t, "org_a");
    connectionId = await connectMetaNumber(admin, "PN_S", "app_secret");
    const inbound = metaEnvelope([
      {
        changes: [
          { value: metaValue("PN_S", { messages: [metaText("wamid.in", "16505551234", "hi")] }) },
        ],
      },
    ]);
    await post(t, await metaRequest(inbound, { secret: "app_secret" }));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  async function outbound(wamid: string) {
    return await t.run(async (ctx) => {
      const thread = (await ctx.db.query("threads").first())!;
      return await ctx.db.insert("messages", {
        organizationId: thread.organizationId,
        environment: thread.environment,
        threadId: thread._id,
        connectionId,
        role: "assistant",
        content: "x",
        channelData: { ...queued, providerMessageId: wamid },
        createdAt: 1,
      });
    });
  }

  function statusWebhook(wamid: string, stage: Stage) {
    const extra =
      stage === "failed"
        ? {
            errors: [
              {
                code: ERROR.code,
                title: ERROR.title,
                message: ERROR.message,
                error_data: { details: "Message failed to send" },
              },
            ],
          }
        : {};
    return metaEnvelope([
      {
        changes: [
          {
            value: metaValue("PN_S", { statuses: [metaStatus(wamid, stage, TIME[stage], extra)] }),
          },
        ],
      },
    ]);
  }

  test("all 24 orders end failed with the error and every timestamp", async () => {
    const orders = permutations(STAGES);
    const ids: Id<"messages">[] = [];
    for (const [i, order] of orders.entries()) {
      const wamid = `wamid.order${i}`;
      ids.push(await outbound(wamid));
      for (const stage of order) {
        const res = await post(
          t,
          await metaRequest(statusWebhook(wamid, stage), { secret: "app_secret" }),
        );
        expect(res.status).toBe(200);
      }
    }
    const rows = await t.run(async (ctx) =>
      Promise.all(ids.map((id) => ctx.db.get("messages", id))),
    );
    for (const [i, row] of rows.entries()) {
      expect(row!.channelData.status, orders[i]!.join(">")).toBe("failed");
      expect(row!.channelData.error).toEqual({ ...ERROR, details: "Message failed to send" });
      expect(row!.channelData.statusTimestamps).toMatchObject({
        sentAt: 1_000_000,
        deliveredAt: 1_010_000,
        readAt: 1_020_000,
        failedAt: 1_030_000,
      });
    }
  });

  test("a redelivered status changes nothing and is counted as a duplicate", async () => {
    const id = await outbound("wamid.dup");
    await post(t, await metaRequest(statusWebhook("wamid.dup", "read"), { secret: "app_secret" }));
    const before = await t.run((ctx) => ctx.db.get("messages", id));
    await post(
      t,
      await metaRequest(statusWebhook("wamid.dup", "delivered"), { secret: "app_secret" }),
    );
    await post(
      t,
      await metaRequest(statusWebhook("wamid.dup", "delivered"), { secret: "app_secret" }),
    );
    const after = await t.run((ctx) => ctx.db.get("messages", id));
    expect(after!.channelData.status).toBe("read");
    expect(after!.channelData.statusTimestamps.deliveredAt).toBe(1_010_000);
    expect(before!.channelData.statusTimestamps.deliveredAt).toBeUndefined();
    const last = await t.run(
      async (ctx) => (await ctx.db.query("webhookDeliveries").order("desc").first())!,
    );
    expect(last.counts).toMatchObject({ duplicates: 1, statuses: 0 });
  });
});

describe("parked statuses", () => {
  test("those whose message never appeared are purged after the retention, fresh ones kept", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-11-20T10:00:00Z"));
    const t = newTest();
    const { admin } = await provisionTenant(t, "org_purge");
    const connectionId = await connectMetaNumber(admin, "PNID_PURGE", "app_secret");
    const park = (providerMessageId: string, receivedAt: number) =>
      t.run(async (ctx) => {
        const connection = (await ctx.db.get("whatsappConnections", connectionId))!;
        await ctx.db.insert("pendingStatuses", {
          organizationId: connection.organizationId,
          environment: connection.environment,
          connectionId,
          providerMessageId,
          status: "delivered",
          update: { status: "delivered", timestamp: receivedAt },
          receivedAt,
        });
      });
    const now = Date.now();
    await park("wamid.OLD", now - PENDING_STATUS_RETENTION_MS - 1);
    await park("wamid.FRESH", now - 60_000);
    expect(await t.mutation(internal.whatsapp.statuses.purgeStalePendingStatuses, {})).toBe(1);
    const left = await t.run((ctx) => ctx.db.query("pendingStatuses").collect());
    expect(left.map((p) => p.providerMessageId)).toEqual(["wamid.FRESH"]);
    vi.useRealTimers();
  });
});
