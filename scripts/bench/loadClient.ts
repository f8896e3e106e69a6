/**
 * The open-loop load generator of figure 2 (its own process, so the runtime under test has its
 * core to itself): sends signed Kapso deliveries of one customer text each to the runtime's
 * webhook at a fixed rate whatever the answers do, and prints one JSON line with latencies
 * (measured from each request's scheduled time), answers by status, and the acknowledged ids.
 * Usage: tsx scripts/bench/loadClient.ts '<json options>'.
 */
import { hmacHex, kapsoTextBody } from "./payloads";
import { percentile } from "./stats";

export type LoadOptions = {
  siteUrl: string;
  secret: string;
  phoneNumberId: string;
  rate: number;
  seconds: number;
  /** Message ids are `<prefix><n>`, so runs never collide. */
  prefix: string;
  customers: number;
  timeoutMs: number;
};

export type LoadResult = {
  rate: number;
  sent: number;
  answered: Record<string, number>;
  timeouts: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  over1s: number;
  servedPerSecond: number;
  /** p99 latency of the deliveries scheduled in each second of the run, in order. */
  p99BySecond: number[];
  acked: string[];
};

type Prepared = { messageId: string; body: string; signature: string };

/** The n-th delivery, built and signed before the run so the schedule only pays for sending. */
function prepare(options: LoadOptions, n: number, now: number): Prepared {
  const messageId = `${options.prefix}${n}`;
  const customer = `+1555${String(7_000_000 + (n % options.customers)).padStart(7, "0")}`;
  const body = kapsoTextBody({
    phoneNumberId: options.phoneNumberId,
    messageId,
    from: customer,
    text: `Load message ${n}: where is my order?`,
    now,
  });
  return { messageId, body, signature: hmacHex(options.secret, body) };
}

async function deliver(options: LoadOptions, prepared: Prepared, scheduled: number) {
  const { messageId, body, signature } = prepared;
  try {
    const response = await fetch(`${options.siteUrl}/webhook/kapso/messages`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Webhook-Event": "whatsapp.message.received",
        "X-Webhook-Payload-Version": "v2",
        "X-Webhook-Signature": signature,
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.arrayBuffer();
    return {
      messageId,
      status: String(response.status),
      latency: performance.now() - scheduled,
      scheduled,
      end: performance.now(),
    };
  } catch (error) {
    const timeout = error instanceof Error && error.name === "TimeoutError";
    return {
      messageId,
      status: timeout ? "timeout" : "error",
      latency: performance.now() - scheduled,
      scheduled,
      end: performance.now(),
    };
  }
}

function bySecond(
  results: { latency: number; scheduled: number }[],
  start: number,
  seconds: number,
) {
  const buckets: number[][] = Array.from({ length: Math.ceil(seconds) }, () => []);
  for (const r of results) buckets[Math.floor((r.scheduled - start) / 1000)]?.push(r.latency);
  return buckets.map((b) =>
    percentile(
      b.sort((x, y) => x - y),
      99,
    ),
  );
}

/** Warms this process's HTTP client on a path no route serves (answered without the engine). */
async function warmClient(siteUrl: string) {
  for (let i = 0; i < 20; i++) {
    await fetch(`${siteUrl}/bench/warm-up`).then((r) => r.arrayBuffer());
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const total = Math.round(options.rate * options.seconds);
  const wallStart = Date.now();
  const prepared = Array.from({ length: total }, (_, n) =>
    prepare(options, n, wallStart + (n * 1000) / options.rate),
  );
  await warmClient(options.siteUrl);
  const start = performance.now();
  const pending: Promise<Awaited<ReturnType<typeof deliver>>>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / options.rate <= now) {
        pending.push(deliver(options, prepared[next]!, start + (next * 1000) / options.rate));
        next += 1;
      }
      if (next < total) setTimeout(tick, 2);
      else resolve();
    };
    tick();
  });
  const results = await Promise.all(pending);
  const answered: Record<string, number> = {};
  for (const r of results) answered[r.status] = (answered[r.status] ?? 0) + 1;
  const ok = results.filter((r) => r.status === "200");
  const latencies = results.map((r) => r.latency).sort((a, b) => a - b);
  const lastOk = Math.max(...ok.map((r) => r.end), start + 1);
  return {
    rate: options.rate,
    sent: total,
    answered,
    timeouts: answered.timeout ?? 0,
    errors: answered.error ?? 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
    over1s: latencies.filter((l) => l > 1000).length,
    servedPerSecond: ok.length / ((lastOk - start) / 1000),
    p99BySecond: bySecond(results, start, options.seconds),
    acked: ok.map((r) => r.messageId),
  };
}

if (process.argv[1]?.endsWith("loadClient.ts")) {
  const options = JSON.parse(process.argv[2] ?? "{}") as LoadOptions;
  runLoad(options).then(
    (result) => {
      // Exit only once the line is out: a pipe takes 64 KiB at a time, the ids run longer.
      process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
