/**
 * Figure 2 of `npm run bench`: `npm run local` (the real app, fake provider and stand-in model,
 * its own process on spare ports, state in a temporary folder) under open-loop load from a
 * second process at 50, 100, 200 and 400 signed deliveries/s, with 1,000 and with 100,000
 * messages already stored: p50/p99, deliveries/s served, and — read back from the durable state
 * after the runtime stopped — whether every acknowledged message is stored exactly once.
 * The stored messages are seeded straight through the engine (`seed` mode, a child process).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { demoNumber, ROOT } from "../local/config";
import { createEngine } from "../local/engine";
import type { TestConvex } from "convex-test";
import type schema from "../../convex/schema";
import { startProduct } from "./harness";
import type { LoadOptions, LoadResult } from "./loadClient";
import { int, table, type FigureResult } from "./stats";

const RATES = [50, 100, 200, 400];
const SIZES = [1_000, 100_000];
/** After the rates, the largest state also takes 200/s for a full minute (not in --quick). */
const SUSTAINED = { rate: 200, seconds: 60 };
const CUSTOMERS = 1_000;
const TSX = ["--import", "tsx"];

function customerOf(i: number) {
  return `+1555${String(7_000_000 + i).padStart(7, "0")}`;
}

/** Child mode: a fresh state in `dir` with the demo tenant and `size` stored messages. */
async function seed(dir: string, size: number) {
  const product = await startProduct({
    routingDelayMs: 1e9,
    statePath: path.join(dir, "state.json"),
  });
  const perCustomer = Math.max(1, Math.floor(size / CUSTOMERS));
  for (let i = 0; i < CUSTOMERS; i++) {
    const status = await product.customerWrites(customerOf(i), "Hello", `wamid.SEED${i}`);
    if (status !== 200) throw new Error(`seeding: webhook answered ${status}`);
    const thread = (await product.threadOf(customerOf(i)))!;
    if (perCustomer > 1) await product.seedHistory(thread._id, perCustomer - 1);
  }
  await product.engine.compact();
  await product.close();
}

/** Child mode: how many of the acknowledged ids are stored once, twice or not at all. */
async function verify(dir: string, ackedFile: string) {
  const acked = JSON.parse(readFileSync(ackedFile, "utf8")) as string[];
  // The turns a storm postponed stay pending: this only counts what was stored.
  const engine = await createEngine({
    root: ROOT,
    statePath: path.join(dir, "state.json"),
    holdScheduled: true,
  });
  const t = engine.t as unknown as TestConvex<typeof schema>;
  const counts = await t.run(async (ctx) => {
    const seen = new Map<string, number>();
    for await (const m of ctx.db.query("messages")) {
      const id = m.channelData.providerMessageId;
      if (id !== undefined && id.startsWith("wamid.LOAD")) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    return [...seen.entries()];
  });
  const total = await t.run(async (ctx) => (await ctx.db.query("messages").collect()).length);
  const seen = new Map(counts);
  const result = {
    acked: acked.length,
    storedOnce: acked.filter((id) => seen.get(id) === 1).length,
    missing: acked.filter((id) => !seen.has(id)).length,
    duplicated: [...seen.values()].filter((n) => n > 1).length,
    storedMessages: total,
  };
  await engine.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Runs a child `tsx` script and resolves with its last stdout line parsed as JSON. */
function child<T>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...TSX, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}:\n${err.slice(-2000)}`));
      else resolve((last ? JSON.parse(last) : null) as T);
    });
  });
}

type Runtime = { proc: ChildProcess; siteUrl: string; stop(): Promise<void> };

async function startRuntime(dir: string): Promise<Runtime> {
  const ports = {
    api: await freePort(),
    site: await freePort(),
    provider: await freePort(),
    model: await freePort(),
  };
  const proc = spawn(
    process.execPath,
    [...TSX, "scripts/local/main.ts", "--no-dashboard", "--no-codegen"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SWITCHBOARD_LOCAL_DIR: dir,
        SWITCHBOARD_LOCAL_PORT: String(ports.api),
        SWITCHBOARD_LOCAL_SITE_PORT: String(ports.site),
        SWITCHBOARD_LOCAL_PROVIDER_PORT: String(ports.provider),
        SWITCHBOARD_LOCAL_MODEL_PORT: String(ports.model),
        KAPSO_API_KEY: "",
        OPENAI_API_KEY: "",
        ROUTING_COALESCE_MS: "",
      },
    },
  );
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (/http actions /.test(out)) resolve();
    });
    proc.on("exit", (code) =>
      reject(new Error(`npm run local exited (${code}):\n${out}\n${err.slice(-2000)}`)),
    );
  });
  return {
    proc,
    siteUrl: `http://127.0.0.1:${ports.site}`,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** Waits until the runtime answers a cheap request quickly (background turns have drained). */
async function settle(siteUrl: string, maxMs = 15_000) {
  const deadline = Date.now() + maxMs;
  let fast = 0;
  while (Date.now() < deadline && fast < 3) {
    const start = performance.now();
    await fetch(`${siteUrl}/webhook/meta?hub.mode=subscribe`).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
    fast = performance.now() - start < 20 ? fast + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function loadOptions(siteUrl: string, rate: number, step: string): LoadOptions {
  const demo = demoNumber();
  return {
    siteUrl,
    secret: demo.webhookSecret,
    phoneNumberId: demo.providerPhoneNumberId,
    rate,
    seconds: 1,
    prefix: `wamid.LOAD${step}x`,
    customers: CUSTOMERS,
    timeoutMs: 10_000,
  };
}

type Step = Omit<LoadResult, "acked"> & { seconds: number };
type SizeResult = {
  size: number;
  steps: Step[];
  stored: Record<string, number>;
};

async function runSize(
  size: number,
  seconds: number,
  sustained: typeof SUSTAINED | null,
): Promise<SizeResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-load-"));
  try {
    const seedStart = performance.now();
    await child(["scripts/bench/ingestLoad.ts", "seed", dir, String(size)]);
    console.error(
      `[bench] seeded ${int(size)} messages in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`,
    );
    const runtime = await startRuntime(dir);
    const steps: Step[] = [];
    const acked: string[] = [];
    try {
      // Warm-up (not reported): the runtime loads and compiles the app's modules on first use.
      const warm = await child<LoadResult>([
        "scripts/bench/loadClient.ts",
        JSON.stringify({ ...loadOptions(runtime.siteUrl, 100, "warm"), seconds: 5 }),
      ]);
      acked.push(...warm.acked);
      const plan = RATES.map((rate) => ({ rate, seconds }));
      if (sustained !== null) plan.push(sustained);
      for (const [i, { rate, seconds: length }] of plan.entries()) {
        await settle(runtime.siteUrl);
        const options = { ...loadOptions(runtime.siteUrl, rate, `${i}r${rate}`), seconds: length };
        const result = await child<LoadResult>([
          "scripts/bench/loadClient.ts",
          JSON.stringify(options),
        ]);
        acked.push(...result.acked);
        const { acked: _ids, ...step } = result;
        steps.push({ ...step, seconds: length });
        console.error(
          `[bench] ${int(size)} stored, ${rate}/s for ${length} s: p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms`,
        );
      }
    } finally {
      await runtime.stop();
    }
    const ackedFile = path.join(dir, "acked.json");
    writeFileSync(ackedFile, JSON.stringify(acked));
    const stored = await child<Record<string, number>>([
      "scripts/bench/ingestLoad.ts",
      "verify",
      dir,
      ackedFile,
    ]);
    return { size, steps, stored };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runIngestLoad(
  options: { quick?: boolean; seconds?: number } = {},
): Promise<FigureResult> {
  const seconds = options.seconds ?? (options.quick ? 5 : 10);
  const results: SizeResult[] = [];
  const sizes = options.quick ? [SIZES[0]!] : SIZES;
  for (const size of sizes) {
    const last = size === sizes[sizes.length - 1] && !options.quick;
    results.push(await runSize(size, seconds, last ? SUSTAINED : null));
  }
  const rows: string[][] = [];
  for (const r of results) {
    for (const s of r.steps) {
      const other = Object.entries(s.answered)
        .filter(([status]) => status !== "200")
        .map(([status, n]) => `${n} ${status}`)
        .join(", ");
      const worst = Math.max(...s.p99BySecond);
      const over = s.p99BySecond.filter((p) => p > 100).length;
      rows.push([
        int(r.size),
        `${s.rate}/s × ${s.seconds} s`,
        `${int(s.answered["200"] ?? 0)} of ${int(s.sent)}${other ? ` (${other})` : ""}`,
        s.p50.toFixed(0),
        s.p99.toFixed(0),
        `${worst.toFixed(0)} (${over} of ${s.p99BySecond.length})`,
        String(s.over1s),
        s.servedPerSecond.toFixed(0),
        `${(s.servedPerSecond / s.rate).toFixed(2)}`,
      ]);
    }
  }
  const stored = results.map(
    (r) =>
      `${int(r.size)} stored: ${int(r.stored.storedOnce!)} of ${int(r.stored.acked!)} acknowledged messages stored exactly once` +
      ` (${r.stored.missing} missing, ${r.stored.duplicated} duplicated; ${int(r.stored.storedMessages!)} messages in the state)`,
  );
  return {
    id: "ingest-load",
    title: `2. \`npm run local\` under open-loop load, ${seconds} s per rate${options.quick ? "" : ` and 200/s for ${SUSTAINED.seconds} s at ${int(SIZES[SIZES.length - 1]!)} stored`} (signed Kapso deliveries, full product behind)`,
    lines: [
      ...table(
        [
          "stored messages",
          "offered",
          "answered 200",
          "p50 ms",
          "p99 ms",
          "worst 1-s p99 ms (seconds over 100 ms)",
          "> 1 s",
          "served/s",
          "served ÷ offered",
        ],
        rows,
      ),
      "",
      ...stored.map((s) => `- ${s}`),
    ],
    data: { seconds, rates: RATES, results },
  };
}

if (process.argv[1]?.endsWith("ingestLoad.ts")) {
  const [mode, dir, arg] = process.argv.slice(2);
  const run =
    mode === "seed"
      ? seed(dir!, Number(arg))
      : mode === "verify"
        ? verify(dir!, arg!)
        : Promise.reject(new Error("usage: seed|verify"));
  run.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
