/**
 * Figure 3 of `npm run bench`: what one inbound message and one agent turn cost in Convex's
 * units — function calls, documents read and written, bytes — on threads of 10, 1,000 and 50,000
 * earlier messages, with the ratio to the 10 case (bounded work keeps it at 1). An inbound is the
 * signed webhook through ingest; a turn is the routing action through the model call and the
 * reply's send at the provider. All of it runs in the product's own engine, in memory.
 */
import { startProduct, type Product } from "./harness";
import type { Meter } from "./meter";
import { fmt, int, summarize, table, type FigureResult } from "./stats";

const LENGTHS = [10, 1_000, 50_000];

type Cost = {
  functionCalls: number;
  documentsRead: number;
  documentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  ms: number;
};

function cost(meter: Meter, ms: number): Cost {
  return {
    functionCalls: meter.functionCalls,
    documentsRead: meter.documentsRead,
    documentsWritten: meter.documentsWritten,
    bytesRead: meter.bytesRead,
    bytesWritten: meter.bytesWritten,
    ms,
  };
}

/** One inbound then its turn on the thread of `customer`; `n` distinguishes message ids. */
async function measureOnce(product: Product, customer: string, n: number) {
  product.nextSecond();
  let start = performance.now();
  const inbound = await product.metered(async () => {
    const status = await product.customerWrites(customer, "Where is my parcel?", `wamid.DOC${n}`);
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    await product.idle();
  });
  const inboundMs = performance.now() - start;
  const thread = (await product.threadOf(customer))!;
  const sendsBefore = product.sends.count;
  start = performance.now();
  const turn = await product.metered(async () => {
    await product.runTurn(thread._id, thread.generation);
    await product.idle();
  });
  const turnMs = performance.now() - start;
  if (product.sends.count !== sendsBefore + 1) {
    throw new Error(`the turn sent ${product.sends.count - sendsBefore} replies`);
  }
  return {
    inbound: cost(inbound.meter, inboundMs),
    turn: cost(turn.meter, turnMs),
    turnMeter: turn.meter,
  };
}

function median(costs: Cost[], key: keyof Cost) {
  return summarize(costs.map((c) => c[key]));
}

type Results = Map<number, { inbound: Cost[]; turn: Cost[] }>;

/** One table row per thread length and operation, with the ratio to the shortest thread. */
function tabulate(results: Results) {
  const base = results.get(LENGTHS[0]!)!;
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const length of LENGTHS) {
    const r = results.get(length)!;
    for (const kind of ["inbound", "turn"] as const) {
      const costs = r[kind];
      const reads = median(costs, "documentsRead").median;
      const writes = median(costs, "documentsWritten").median;
      const readRatio = reads / median(base[kind], "documentsRead").median;
      const writeRatio = writes / median(base[kind], "documentsWritten").median;
      const kib = (key: "bytesRead" | "bytesWritten") =>
        (median(costs, key).median / 1024).toFixed(1);
      rows.push([
        int(length),
        kind === "inbound" ? "inbound" : "agent turn + send",
        int(median(costs, "functionCalls").median),
        int(reads),
        int(writes),
        `${kib("bytesRead")} / ${kib("bytesWritten")}`,
        `${readRatio.toFixed(2)}× / ${writeRatio.toFixed(2)}×`,
        fmt(median(costs, "ms"), 1),
      ]);
      data.push({ threadLength: length, kind, runs: costs, readRatio, writeRatio });
    }
  }
  return { rows, data };
}

const HEADER = [
  "thread length",
  "operation",
  "function calls",
  "docs read",
  "docs written",
  "KiB read / written",
  "ratio to 10 (read / written)",
  "ms in-process median (min–max)",
];

export async function runDocuments(options: { quick?: boolean } = {}): Promise<FigureResult> {
  const repeats = options.quick ? 2 : 5;
  // Turns are started by hand (a coalescing window of ~11 days parks the scheduled ones).
  const product = await startProduct({ routingDelayMs: 1e9 });
  try {
    const customers = LENGTHS.map((_, i) => `+1555020${String(i).padStart(4, "0")}`);
    for (const [i, customer] of customers.entries()) {
      await product.customerWrites(customer, "Hello", `wamid.DOCSEED${i}`);
      const thread = (await product.threadOf(customer))!;
      await product.seedHistory(thread._id, LENGTHS[i]!);
    }
    // Warm the engine's modules so the first measured case is not the one paying for them.
    await measureOnce(product, customers[0]!, -1);
    const results: Results = new Map();
    let breakdown: Meter["byFunction"] = {};
    for (let r = 0; r < repeats; r++) {
      for (const [i, length] of LENGTHS.entries()) {
        const once = await measureOnce(product, customers[i]!, r * 10 + i);
        const entry = results.get(length) ?? { inbound: [], turn: [] };
        entry.inbound.push(once.inbound);
        entry.turn.push(once.turn);
        results.set(length, entry);
        if (length === LENGTHS[LENGTHS.length - 1]) breakdown = once.turnMeter.byFunction;
      }
    }
    const { rows, data } = tabulate(results);
    const byFunction = Object.entries(breakdown)
      .map(
        ([fn, s]) =>
          `${fn.replace("_reference/childComponent/", "")} ${s.calls}/${s.read}/${s.written}`,
      )
      .join(", ");
    return {
      id: "documents",
      title:
        "3. Convex work per inbound and per agent turn by thread length (function calls, documents, KiB)",
      lines: [
        ...table(HEADER, rows),
        "",
        `Turn at ${int(LENGTHS[LENGTHS.length - 1]!)} messages, by function (calls / read / written): ${byFunction}`,
      ],
      data: { runs: data, turnByFunction: breakdown, repeats },
    };
  } finally {
    await product.close();
  }
}
