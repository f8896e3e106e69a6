/**
 * `npm run bench`: every figure of the performance section, offline, one at a time, each in its
 * own process so one figure's engine and heap never weigh on the next. Prints each figure as
 * Markdown (ratios measured side by side in the same run, min/median/max over rounds) and writes
 * the whole run, with the machine it ran on, to `.local/bench-report.json`.
 * Options: `--quick` (fewer rounds, smaller sizes), `--only 1,3`, `--seconds 60` (figure 2's
 * time per rate), `--report <file>`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../local/config";
import type { FigureResult } from "./stats";

type Options = { quick: boolean; seconds?: number };

const FIGURES: Record<string, (options: Options) => Promise<FigureResult>> = {
  "1": async (o) => (await import("./hotPath")).runHotPath(o),
  "2": async (o) => (await import("./ingestLoad")).runIngestLoad(o),
  "3": async (o) => (await import("./documents")).runDocuments(o),
  "4": async (o) => (await import("./replyOverhead")).runReplyOverhead(o),
  "5": async (o) => (await import("./statusStorm")).runStatusStorm(o),
  "6": async (o) => (await import("./promptGrowth")).runPromptGrowth(o),
  runtime: runtimeFigure,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Runs a child process to its end; resolves with its stdout. */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    proc.on("exit", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${args.join(" ")} exited ${code}\n${err.slice(-3000)}`)),
    );
  });
}

/** The local runtime's engine figures (scripts/bench/runtime.ts), quoted as it prints them. */
async function runtimeFigure(options: Options): Promise<FigureResult> {
  const sizes = options.quick ? ["--sizes", "1000,10000"] : [];
  const out = await run(["scripts/bench/runtime.ts", ...sizes]);
  const lines = out.trimEnd().split("\n");
  let data: unknown = null;
  const last = lines[lines.length - 1] ?? "";
  if (last.startsWith("{")) {
    data = JSON.parse(last) as unknown;
    lines.pop();
  }
  return {
    id: "runtime",
    title: "Local runtime engine: inserts, indexed query latency by database size, durability",
    lines,
    data: data ?? { text: lines },
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** Child mode: one figure, its result as the last stdout line. */
async function child(id: string, options: Options) {
  const result = await FIGURES[id]!(options);
  // Resolved once the line is out (a pipe takes 64 KiB at a time; the caller exits after this).
  await new Promise<void>((resolve) =>
    process.stdout.write(`\n${JSON.stringify(result)}\n`, () => resolve()),
  );
}

async function main() {
  const options: Options = {
    quick: process.argv.includes("--quick"),
    seconds: arg("--seconds") ? Number(arg("--seconds")) : undefined,
  };
  const figure = arg("--figure");
  if (figure !== undefined) return await child(figure, options);

  const only = arg("--only")?.split(",");
  const ids = Object.keys(FIGURES).filter((id) => only === undefined || only.includes(id));
  const started = new Date();
  const host = machine();
  console.log(`# Switchboard bench — ${started.toISOString().slice(0, 16).replace("T", " ")} UTC`);
  console.log(
    `${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node}, ${host.platform}; ` +
      `load average at start ${host.loadAverage.join(" / ")}${options.quick ? " (quick run)" : ""}\n`,
  );
  const figures: FigureResult[] = [];
  const failed: string[] = [];
  for (const id of ids) {
    const start = performance.now();
    try {
      const result = await runFigure(id, options);
      const seconds = (performance.now() - start) / 1000;
      figures.push({ ...result, data: { ...(result.data as object), seconds } });
      console.log(`## ${result.title}\n`);
      console.log(result.lines.join("\n"));
      console.log(`\n(${seconds.toFixed(0)} s)\n`);
    } catch (error) {
      // One broken figure does not cost the others: reported, and the run exits 1.
      failed.push(id);
      const message = error instanceof Error ? error.message : String(error);
      console.log(`## Figure ${id} failed\n\n${message.split("\n").slice(0, 12).join("\n")}\n`);
    }
  }
  const report = arg("--report") ?? path.join(ROOT, ".local", "bench-report.json");
  mkdirSync(path.dirname(report), { recursive: true });
  writeFileSync(
    report,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: host,
        options,
        figures,
      },
      null,
      2,
    ),
  );
  console.log(`Report: ${path.relative(ROOT, report)}`);
  if (failed.length > 0) throw new Error(`figures that failed: ${failed.join(", ")}`);
}

/** One figure in its own process; its result is the last line the child prints. */
async function runFigure(id: string, options: Options): Promise<FigureResult> {
  if (id === "runtime") return await runtimeFigure(options);
  const flags = [
    ...(options.quick ? ["--quick"] : []),
    ...(options.seconds ? ["--seconds", String(options.seconds)] : []),
  ];
  const out = await run(["scripts/bench/main.ts", "--figure", id, ...flags]);
  return JSON.parse(out.trimEnd().split("\n").pop()!) as FigureResult;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
