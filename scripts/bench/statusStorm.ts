/**
 * Figure 5 of `npm run bench`: 10,000 delivery statuses (sent, delivered, read of our outbound
 * messages), shuffled with a fixed seed, posted as signed Meta webhooks one status per delivery
 * and then batched 50 per delivery: statuses per second, function calls and documents per
 * status, and whether every message ends in the status its reports add up to (order-independent).
 */
import type { Id } from "../../convex/_generated/dataModel";
import { startProduct, type Product } from "./harness";
import {
  APP_SECRET,
  hmacHex,
  metaMessagesBody,
  metaStatusBody,
  PHONE_NUMBER_ID,
  WABA_ID,
  type StatusEvent,
} from "./payloads";
import { int, seededRandom, shuffle, table, type FigureResult } from "./stats";

const STAGES = ["sent", "delivered", "read"] as const;
const BATCH = 50;

function events(prefix: string, statuses: number, seed: number): StatusEvent[] {
  const messages = Math.ceil(statuses / STAGES.length);
  const all: StatusEvent[] = [];
  for (let i = 0; i < messages; i++) {
    STAGES.forEach((status, s) =>
      all.push({
        wamid: `${prefix}${i}`,
        status,
        timestamp: 1_764_000_000 + i + s,
        recipient: "15551000000",
      }),
    );
  }
  return shuffle(all, seededRandom(seed)).slice(0, statuses);
}

/** How many messages do not end in the highest stage reported for them. */
async function mismatches(product: Product, connectionId: string, reported: StatusEvent[]) {
  const expected = new Map<string, number>();
  for (const e of reported) {
    expected.set(e.wamid, Math.max(expected.get(e.wamid) ?? -1, STAGES.indexOf(e.status as never)));
  }
  return await product.t.run(async (ctx) => {
    let wrong = 0;
    for (const [wamid, stage] of expected) {
      const row = await ctx.db
        .query("messages")
        .withIndex("by_connectionId_and_providerMessageId", (q) =>
          q
            .eq("connectionId", connectionId as Id<"whatsappConnections">)
            .eq("channelData.providerMessageId", wamid),
        )
        .first();
      if (row?.channelData.status !== STAGES[stage]) wrong += 1;
    }
    return wrong;
  });
}

async function storm(product: Product, connectionId: string, list: StatusEvent[], batch: number) {
  const start = performance.now();
  const { meter } = await product.metered(async () => {
    for (let i = 0; i < list.length; i += batch) {
      const body = metaStatusBody(PHONE_NUMBER_ID, list.slice(i, i + batch));
      const status = await product.post("/webhook/meta", body, {
        "X-Hub-Signature-256": `sha256=${hmacHex(APP_SECRET, body)}`,
      });
      if (status !== 200) throw new Error(`webhook answered ${status}`);
    }
  });
  const seconds = (performance.now() - start) / 1000;
  const deliveries = Math.ceil(list.length / batch);
  // The meter counts the caller once; each delivery is one HTTP action.
  const functionCalls = meter.functionCalls - 1 + deliveries;
  return {
    statuses: list.length,
    deliveries,
    seconds,
    perSecond: list.length / seconds,
    functionCallsPerStatus: functionCalls / list.length,
    readPerStatus: meter.documentsRead / list.length,
    writtenPerStatus: meter.documentsWritten / list.length,
    kibPerStatus: (meter.bytesRead + meter.bytesWritten) / 1024 / list.length,
    wrongFinalStatus: await mismatches(product, connectionId, list),
  };
}

export async function runStatusStorm(options: { quick?: boolean } = {}): Promise<FigureResult> {
  const statuses = options.quick ? 2_000 : 10_000;
  const product = await startProduct({ routingDelayMs: 1e9 });
  try {
    const connectionId = await product.connectMeta(PHONE_NUMBER_ID, APP_SECRET, WABA_ID);
    const body = metaMessagesBody(1);
    await product.post("/webhook/meta", body, {
      "X-Hub-Signature-256": `sha256=${hmacHex(APP_SECRET, body)}`,
    });
    const thread = (await product.threadOf("+15551000000", connectionId))!;
    const messages = Math.ceil(statuses / STAGES.length);
    await product.seedHistory(thread._id, messages, (i) => `wamid.SINGLE${i}`);
    await product.seedHistory(thread._id, messages, (i) => `wamid.BATCH${i}`);
    const single = await storm(product, connectionId, events("wamid.SINGLE", statuses, 7), 1);
    const batched = await storm(product, connectionId, events("wamid.BATCH", statuses, 8), BATCH);
    const row = (name: string, r: typeof single) => [
      name,
      int(r.deliveries),
      `${r.seconds.toFixed(1)} s`,
      int(r.perSecond),
      r.functionCallsPerStatus.toFixed(2),
      `${r.readPerStatus.toFixed(1)} / ${r.writtenPerStatus.toFixed(1)}`,
      r.kibPerStatus.toFixed(1),
      String(r.wrongFinalStatus),
    ];
    return {
      id: "status-storm",
      title: `5. ${int(statuses)} shuffled statuses, one per delivery vs ${BATCH} per delivery (in-process engine)`,
      lines: [
        ...table(
          [
            "mode",
            "deliveries",
            "time",
            "statuses/s",
            "function calls per status",
            "docs read / written per status",
            "KiB read + written per status",
            "messages with a wrong final status",
          ],
          [row("single", single), row(`batched ×${BATCH}`, batched)],
        ),
        "",
        `Batched ÷ single: ${(batched.perSecond / single.perSecond).toFixed(1)}× the statuses per second, ` +
          `${(batched.functionCallsPerStatus / single.functionCallsPerStatus).toFixed(2)}× the function calls per status.`,
      ],
      data: { single, batched, batch: BATCH },
    };
  } finally {
    await product.close();
  }
}
