/**
 * Benchmark of the local runtime's engine (`npm run bench -- [--sizes 1000,10000,50000]`): at
 * each database size, the latency of an indexed `withIndex(...).order("desc").take(10)` query
 * with the index layer and with convex-test's full scan, the rate of single-insert mutations,
 * and the time and size of a compaction (snapshot write) and of a restart. Prints a Markdown
 * table, the figure the README quotes (indexed p50 at the largest size / at the smallest) and,
 * last, the same as one JSON line.
 */
import { makeFunctionReference } from "convex/server";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createEngine, type Engine } from "../local/engine";

const app = path.resolve(import.meta.dirname, "..", "..", "tests", "fixtures", "localApp");
const add = makeFunctionReference<"mutation", { channel: string; text: string }>("notes:add");
const latest = makeFunctionReference<"query", { channel: string }>("notes:latest");
const CHANNELS = 100;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function sizesFromArgs(): number[] {
  const eq = process.argv.find((a) => a.startsWith("--sizes="))?.slice(8);
  const at = process.argv.indexOf("--sizes");
  const raw = eq ?? (at >= 0 ? process.argv[at + 1] : undefined) ?? "1000,10000,50000";
  return raw.split(",").map(Number);
}

/** Grows the notes table to `size` documents, 1,000 per transaction. */
async function grow(engine: Engine, from: number, size: number): Promise<number> {
  let count = from;
  while (count < size) {
    const batch = Math.min(1000, size - count);
    const base = count;
    await engine.t.run(async (ctx) => {
      for (let i = 0; i < batch; i++) {
        await ctx.db.insert("notes", {
          channel: `c${(base + i) % CHANNELS}`,
          text: `n${base + i}`,
        });
      }
    });
    count += batch;
  }
  return count;
}

/** Latencies (ms, sorted) of `runs` indexed queries over rotating channels. */
async function queryLatencies(engine: Engine, runs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await engine.t.query(latest, { channel: `c${(i * 7) % CHANNELS}` });
    latencies.push(performance.now() - start);
  }
  return latencies.sort((a, b) => a - b);
}

type Row = { size: number; p50: number; p95: number; scanP50: number; inserts: number };
type Durability = { compactMs: number; bytes: number; restartMs: number };

/** Inserts, indexed queries, compaction and restart at each size, on the durable engine. */
async function measureIndexed(sizes: number[], dir: string) {
  const statePath = path.join(dir, "state.json");
  const engine = await createEngine({ root: app, statePath, compactBytes: Infinity });
  const rows: Array<Omit<Row, "scanP50"> & Durability> = [];
  let count = 0;
  try {
    for (const size of sizes) {
      count = await grow(engine, count, size);
      await queryLatencies(engine, 50); // warm-up
      const latencies = await queryLatencies(engine, 400);
      const n = 300;
      const start = performance.now();
      for (let i = 0; i < n; i++) await engine.t.mutation(add, { channel: "bench", text: `m${i}` });
      await engine.flush();
      const inserts = n / ((performance.now() - start) / 1000);
      count += n;
      let at = performance.now();
      await engine.compact();
      const compactMs = performance.now() - at;
      at = performance.now();
      const restarted = await createEngine({ root: app, statePath });
      const restartMs = performance.now() - at;
      restarted.t.dispose();
      const bytes = statSync(statePath).size;
      rows.push({
        size,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        inserts,
        compactMs,
        bytes,
        restartMs,
      });
      console.error(`indexed: measured at ${size} documents`);
    }
  } finally {
    engine.t.dispose();
  }
  return rows;
}

/** The same query on convex-test's own full scan, for comparison. */
async function measureFullScan(sizes: number[]): Promise<number[]> {
  const engine = await createEngine({ root: app, statePath: null, fullScan: true });
  const p50s: number[] = [];
  let count = 0;
  try {
    for (const size of sizes) {
      count = await grow(engine, count, size);
      await queryLatencies(engine, 5);
      p50s.push(percentile(await queryLatencies(engine, 30), 50));
      console.error(`full scan: measured at ${size} documents`);
    }
  } finally {
    engine.t.dispose();
  }
  return p50s;
}

async function main() {
  const sizes = sizesFromArgs();
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-bench-"));
  try {
    const indexed = await measureIndexed(sizes, dir);
    const scan = await measureFullScan(sizes);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const header = [
      "documents",
      "indexed take(10) p50",
      "p95",
      "full scan p50",
      "insert mutations",
      "compaction",
      "state file",
      "restart",
    ];
    console.log(`| ${header.join(" | ")} |`);
    console.log(`| ${header.map(() => "---").join(" | ")} |`);
    indexed.forEach((r, i) => {
      const cells = [
        r.size.toLocaleString("en-US"),
        ms(r.p50),
        ms(r.p95),
        ms(scan[i]!),
        `${Math.round(r.inserts).toLocaleString("en-US")} /s`,
        `${Math.round(r.compactMs)} ms`,
        `${(r.bytes / 1e6).toFixed(1)} MB`,
        `${Math.round(r.restartMs)} ms`,
      ];
      console.log(`| ${cells.join(" | ")} |`);
    });
    const first = indexed[0]!;
    const last = indexed[indexed.length - 1]!;
    console.log(
      `\nIndexed query p50 at ${last.size.toLocaleString("en-US")} documents / at ` +
        `${first.size.toLocaleString("en-US")}: ${(last.p50 / first.p50).toFixed(2)}× ` +
        `(full scan: ${(scan[scan.length - 1]! / scan[0]!).toFixed(1)}×).`,
    );
    console.log(
      `Node ${process.version}, ${process.platform}/${process.arch}; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB.`,
    );
    // Last line, for `npm run bench`'s JSON report.
    const ratio = last.p50 / first.p50;
    console.log(
      JSON.stringify({ rows: indexed.map((r, i) => ({ ...r, scanP50: scan[i] })), ratio }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
