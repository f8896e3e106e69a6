/**
 * Benchmark of the local runtime's engine (`npm run bench -- [--sizes 1000,10000,50000]`): at
 * each database size, the rate of single-insert mutations, the latency of an indexed
 * `take(10)` query, and the time and size of a snapshot write and restore. Prints a Markdown
 * table; the README's "Limits of the local runtime" quotes its figures.
 */
import { makeFunctionReference } from "convex/server";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createEngine } from "../local/engine";

const app = path.resolve(import.meta.dirname, "..", "..", "tests", "fixtures", "localApp");
const add = makeFunctionReference<"mutation", { channel: string; text: string }>("notes:add");
const list = makeFunctionReference<"query", { channel: string }>("notes:list");

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  const sizesArg =
    process.argv.find((a) => a.startsWith("--sizes="))?.slice(8) ??
    (process.argv.includes("--sizes")
      ? process.argv[process.argv.indexOf("--sizes") + 1]
      : undefined);
  const sizes = (sizesArg ?? "1000,10000,50000").split(",").map(Number);
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-bench-"));
  const statePath = path.join(dir, "state.json");
  const engine = await createEngine({ root: app, statePath, snapshotDelayMs: 1e9 });
  const rows: string[][] = [];
  let count = 0;
  try {
    for (const size of sizes) {
      // Grow the database to `size` documents in large batches (one transaction per 1,000).
      while (count < size) {
        const batch = Math.min(1000, size - count);
        await engine.t.run(async (ctx) => {
          for (let i = 0; i < batch; i++) {
            await ctx.db.insert("notes", {
              channel: `c${(count + i) % 100}`,
              text: `n${count + i}`,
            });
          }
        });
        count += batch;
      }
      const n = 300;
      let start = performance.now();
      for (let i = 0; i < n; i++) await engine.t.mutation(add, { channel: "bench", text: `m${i}` });
      const insertRate = n / ((performance.now() - start) / 1000);
      count += n;
      const latencies: number[] = [];
      for (let i = 0; i < 40; i++) {
        start = performance.now();
        await engine.t.query(list, { channel: `c${i % 100}` });
        latencies.push(performance.now() - start);
      }
      latencies.sort((a, b) => a - b);
      start = performance.now();
      await engine.flush();
      const writeMs = performance.now() - start;
      const bytes = statSync(statePath).size;
      start = performance.now();
      const restored = await createEngine({ root: app, statePath });
      const restoreMs = performance.now() - start;
      restored.t.dispose();
      rows.push([
        count.toLocaleString("en-US"),
        `${Math.round(insertRate).toLocaleString("en-US")} /s`,
        `${percentile(latencies, 50).toFixed(1)} ms`,
        `${percentile(latencies, 95).toFixed(1)} ms`,
        `${Math.round(writeMs)} ms`,
        `${(bytes / 1e6).toFixed(1)} MB`,
        `${Math.round(restoreMs)} ms`,
      ]);
      console.error(`measured at ${count} documents`);
    }
  } finally {
    engine.t.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  const header = [
    "documents",
    "insert mutations",
    "indexed query p50",
    "p95",
    "snapshot write",
    "state file",
    "restore",
  ];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`| ${header.map(() => "---").join(" | ")} |`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log(
    `\nNode ${process.version}, ${process.platform}/${process.arch}; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
