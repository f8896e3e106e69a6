/**
 * The public webhook URLs under abuse: deliveries that cannot be verified (no signature, a bad
 * one, a number nobody connected) are answered alike, leave counters instead of bodies, and are
 * rate-limited per route without slowing verified deliveries; operators see bad signatures per
 * number. Large signed batches are split into transactions within Convex's limits.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { UNVERIFIED_BURST } from "../convex/whatsapp/rejections";
import { newTest, provisionTenant, type TestConvex } from "./setup";
import {
  allRows,
  connectKapsoNumber,
  connectMetaNumber,
  giveAgent,
  kapsoBatch,
  kapsoRequest,
  kapsoText,
  metaRequest,
  post,
  routingJobs,
} from "./fixtures/webhooks";

const env = { environment: "development" as const };
const received = { event: "whatsapp.message.received" };
const PNID = "123456789012345";
/** Every table a refused delivery could have written to, besides the rate limiter's own. */
const TABLES = [
  "webhookDeliveries",
  "webhookRejections",
  "webhookSignatureFailures",
  "messages",
  "threads",
  "contacts",
] as const;

let t: TestConvex;
let admin: Awaited<ReturnType<typeof provisionTenant>>["admin"];
let kapso: { connectionId: Id<"whatsappConnections">; secret: string };

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2025-10-28T14:30:00Z"));
  t = newTest();
  ({ admin } = await provisionTenant(t, "org_a"));
  kapso = await connectKapsoNumber(t, admin, PNID);
  await giveAgent(t, admin, kapso.connectionId);
});

afterEach(() => {
  vi.useRealTimers();
});

const text = (id: string, phoneNumberId = PNID, body = "Hello") =>
  kapsoText({ id, phoneNumberId, from: "15551234567", text: body });

/** Rows of every table a delivery may touch, as JSON, to look for a body anywhere. */
async function everyRow(target: TestConvex = t) {
  return await target.run(async (ctx) => {
    const rows: Record<string, unknown[]> = {};
    for (const table of TABLES) rows[table] = await ctx.db.query(table).collect();
    return rows;
  });
}

async function answer(response: Response) {
  return {
    status: response.status,
    body: await response.text(),
    retryAfter: response.headers.get("Retry-After"),
  };
}

describe("deliveries that cannot be verified", () => {
  test("no signature, a bad signature and an unknown number get the same answer", async () => {
    const unsigned = await answer(
      await post(t, await kapsoRequest(text("wamid.a"), { secret: "", omitSignature: true })),
    );
    const badSignature = await answer(
      await post(t, await kapsoRequest(text("wamid.b"), { secret: "whsec_wrong", ...received })),
    );
    const unknownNumber = await answer(
      await post(
        t,
        await kapsoRequest(text("wamid.c", "999999"), { secret: "whsec_any", ...received }),
      ),
    );
    expect(unsigned.status).toBe(401);
    expect(badSignature).toEqual(unsigned);
    expect(unknownNumber).toEqual(unsigned);
  });

  test("a refused delivery leaves counters and a digest, never its body", async () => {
    const marker = "SECRET-BODY-MARKER";
    await post(t, await kapsoRequest(text("wamid.a", PNID, marker), { secret: "whsec_wrong" }));
    await post(
      t,
      await kapsoRequest(text("wamid.b", "999999", marker), { secret: "x", omitSignature: true }),
    );
    const rows = await everyRow();
    expect(rows.webhookDeliveries).toHaveLength(0);
    expect(JSON.stringify(rows)).not.toContain(marker);
    const counters = rows.webhookRejections as { reason: string; count: number }[];
    expect(counters.map((c) => [c.reason, c.count]).sort()).toEqual([
      ["bad_signature", 1],
      ["missing_signature", 1],
    ]);
  });

  test("a number connected after a refused delivery gets the provider's retry of it", async () => {
    const request = await kapsoRequest(text("wamid.late", "777"), {
      secret: "will_be_known",
      ...received,
    });
    expect((await post(t, request)).status).toBe(401);
    const later = await connectKapsoNumber(t, admin, "777");
    await giveAgent(t, admin, later.connectionId);
    await t.run((ctx) =>
      ctx.db.patch("whatsappConnections", later.connectionId, {
        webhookSecrets: [{ secret: "will_be_known", addedAt: 0 }],
      }),
    );
    // The provider retries the very same request after a non-2xx answer.
    expect((await post(t, request)).status).toBe(200);
    expect((await allRows(t, "messages")).map((m) => m.channelData.providerMessageId)).toEqual([
      "wamid.late",
    ]);
  });

  test("past the route's limit refusals are answered 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i <= UNVERIFIED_BURST; i++) {
      const response = await post(t, await kapsoRequest(text(`wamid.f${i}`), { secret: "bad" }));
      statuses.push(response.status);
      retryAfter = response.headers.get("Retry-After");
    }
    expect(statuses.slice(0, UNVERIFIED_BURST)).toEqual(Array(UNVERIFIED_BURST).fill(401));
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The limit is per route: Meta's URL still answers its own refusals with 401.
    const meta = await post(t, await metaRequest({ object: "x" }, { secret: "bad" }));
    expect(meta.status).toBe(401);
  });

  test("a verified delivery is answered 200 while the route is throttled", async () => {
    for (let i = 0; i <= UNVERIFIED_BURST; i++) {
      await post(t, await kapsoRequest(text(`wamid.f${i}`), { secret: "bad" }));
    }
    const good = await post(
      t,
      await kapsoRequest(text("wamid.good"), { secret: kapso.secret, ...received }),
    );
    expect(good.status).toBe(200);
    expect((await allRows(t, "messages")).map((m) => m.channelData.providerMessageId)).toEqual([
      "wamid.good",
    ]);
  });

  test("bad signatures are counted per number with the time of the last one", async () => {
    await connectMetaNumber(admin, "PN_META", "app_secret");
    await post(t, await kapsoRequest(text("wamid.1"), { secret: "whsec_old", ...received }));
    vi.advanceTimersByTime(60_000);
    await post(t, await kapsoRequest(text("wamid.2"), { secret: "whsec_old", ...received }));
    await post(t, await kapsoRequest(text("wamid.3"), { secret: "", omitSignature: true }));
    const failures = await admin.query(api.whatsapp.deliveries.signatureFailures, env);
    expect(failures).toEqual([
      {
        connectionId: kapso.connectionId,
        badSignatures: 2,
        lastBadSignatureAt: Date.now(),
      },
    ]);
    const other = await provisionTenant(t, "org_b");
    expect(await other.admin.query(api.whatsapp.deliveries.signatureFailures, env)).toHaveLength(0);
  });
});

describe("a flood of refused deliveries", () => {
  // Rows a flood may leave, whatever its size: one counter per route and reason
  // (3 routes × 4 reasons), plus one per connection for bad signatures; no delivery rows.
  const MAX_COUNTER_ROWS = 12;
  // The bound is also checked to be the same after the first half of the flood as after all
  // of it: the rows stop growing, whatever the flood's size.
  const FLOOD = 10_000;

  async function flood(sign: (i: number) => Promise<{ path: string; init: RequestInit }>) {
    const statuses = new Map<number, number>();
    let rowsAtHalf = -1;
    for (let i = 0; i < FLOOD; i++) {
      const response = await post(t, await sign(i));
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      // A second passes every 10 requests: the limiter refills while the flood goes on.
      if (i % 10 === 9) vi.advanceTimersByTime(1000);
      if (i === FLOOD / 2) rowsAtHalf = countRows(await everyRow());
    }
    return { statuses, rowsAtHalf };
  }

  const countRows = (rows: Record<string, unknown[]>) =>
    Object.values(rows).reduce((sum, table) => sum + table.length, 0);

  test("a flood of unsigned deliveries leaves at most 12 rows and no bodies", async () => {
    const { statuses, rowsAtHalf } = await flood((i) =>
      kapsoRequest(text(`wamid.flood${i}`, PNID, `flood body ${i}`), {
        secret: "",
        omitSignature: true,
      }),
    );
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    const rows = await everyRow();
    expect(countRows(rows)).toBe(rowsAtHalf);
    expect(rows.webhookDeliveries).toHaveLength(0);
    expect(rows.webhookRejections!.length).toBeLessThanOrEqual(MAX_COUNTER_ROWS);
    expect(JSON.stringify(rows)).not.toContain("flood body");
    const [counter] = rows.webhookRejections as { count: number }[];
    expect(counter!.count).toBe(statuses.get(401));
  }, 600_000);

  test("the same flood signed with a wrong secret is answered 401/429 and counted", async () => {
    const { statuses, rowsAtHalf } = await flood((i) =>
      kapsoRequest(text(`wamid.wrong${i}`, PNID, `wrong body ${i}`), {
        secret: "whsec_attacker",
        ...received,
      }),
    );
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    const rows = await everyRow();
    expect(countRows(rows)).toBe(rowsAtHalf);
    expect(rows.webhookDeliveries).toHaveLength(0);
    expect(rows.messages).toHaveLength(0);
    expect(rows.webhookRejections!.length).toBeLessThanOrEqual(MAX_COUNTER_ROWS);
    expect(rows.webhookSignatureFailures).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("wrong body");
    const failures = await admin.query(api.whatsapp.deliveries.signatureFailures, env);
    expect(failures[0]!.badSignatures).toBe(statuses.get(401));
  }, 600_000);
});

describe("large signed batches", () => {
  test("a batch of 1,500 messages is stored within transaction limits and routed once per thread", async () => {
    const target = newTest({ transactionLimits: true });
    const { admin: a } = await provisionTenant(target, "org_big");
    const number = await connectKapsoNumber(target, a, "PN_BIG");
    await giveAgent(target, a, number.connectionId);
    const items = Array.from({ length: 1500 }, (_, i) =>
      kapsoText({
        id: `wamid.big.${i}`,
        phoneNumberId: "PN_BIG",
        from: `1555000${String(i % 30).padStart(4, "0")}`,
        text: `message ${i}`,
        timestamp: 1730092800 + i,
      }),
    );
    const response = await post(
      target,
      await kapsoRequest(kapsoBatch(items), { secret: number.secret, batch: true }),
    );
    expect(response.status).toBe(200);
    expect(await allRows(target, "messages")).toHaveLength(1500);
    const jobs = await routingJobs(target);
    expect(jobs).toHaveLength(30);
    expect(new Set(jobs.map((j) => j.threadId)).size).toBe(30);
    const [delivery] = await allRows(target, "webhookDeliveries");
    expect(delivery!.counts.messages).toBe(1500);
    expect(delivery!.failed).toBe(false);
  }, 300_000);
});
