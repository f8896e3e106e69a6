// @vitest-environment node
/**
 * The local runtime's engine keeps its state across restarts: documents and id counters come
 * back from the snapshot and commit log, a commit is durable once `flush()` resolves (even if
 * the process dies before any snapshot), a torn last log record is dropped on start, compaction
 * folds the log into the snapshot (postponed while held, up to a bound), a function scheduled before a restart runs after it, delays
 * beyond Node's timer range wait instead of firing at once, and `--reset` starts empty.
 */
import { makeFunctionReference } from "convex/server";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { resetClock } from "../scripts/local/clock";
import { listLogs } from "../scripts/local/commitLog";
import { componentUses, createEngine, type Engine } from "../scripts/local/engine";

const app = path.join(import.meta.dirname, "fixtures", "localApp");
const list = makeFunctionReference<"query", { channel: string }, string[]>("notes:list");
const add = makeFunctionReference<"mutation", { channel: string; text: string }, string>(
  "notes:add",
);
const addLater = makeFunctionReference<
  "mutation",
  { channel: string; text: string; delayMs: number }
>("notes:addLater");

let dir: string;
let statePath: string;
const open: Engine[] = [];

async function start(reset = false, compactBytes?: number) {
  const engine = await createEngine({ root: app, statePath, reset, compactBytes });
  open.push(engine);
  return engine;
}

const HOUR = 3600_000;

/**
 * Waits for `check` by polling; the bound is a number of polls (a safety net against a hang),
 * not a wall-clock deadline, so a slow machine only makes it slower.
 */
async function eventually(check: () => Promise<boolean>, maxPolls = 1_500) {
  for (let poll = 0; !(await check()); poll++) {
    if (poll >= maxPolls) throw new Error(`condition not met after ${maxPolls} polls`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-engine-"));
  statePath = path.join(dir, "state.json");
});

afterEach(async () => {
  resetClock();
  await Promise.all(open.splice(0).map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

test("documents and id counters survive a restart", async () => {
  const first = await start();
  const id = await first.t.mutation(add, { channel: "c", text: "kept" });
  await first.close();

  const second = await start();
  await expect(second.t.query(list, { channel: "c" })).resolves.toEqual(["kept"]);
  const next = await second.t.mutation(add, { channel: "c", text: "after" });
  expect(next).not.toBe(id);
  expect(parseInt(next, 10)).toBeGreaterThan(parseInt(id, 10));
});

/** Stops an engine the way a crash would: no final snapshot, nothing flushed beyond the log. */
function crash(engine: Engine) {
  engine.t.dispose();
  open.splice(open.indexOf(engine), 1);
}

test("a commit is durable once flush() resolves, with no snapshot written", async () => {
  const first = await start();
  await first.t.mutation(add, { channel: "d", text: "one" });
  await first.t.mutation(add, { channel: "d", text: "two" });
  await first.flush();
  crash(first);
  expect(readdirSync(dir)).not.toContain("state.json");

  const second = await start();
  await expect(second.t.query(list, { channel: "d" })).resolves.toEqual(["one", "two"]);
  expect(second.recovered).toMatchObject({ replayed: 2, droppedBytes: 0 });
});

test("a torn last log record is dropped on start and the commits before it are kept", async () => {
  const first = await start();
  await first.t.mutation(add, { channel: "t", text: "whole" });
  await first.flush();
  await first.t.mutation(add, { channel: "t", text: "torn" });
  await first.flush();
  crash(first);
  const [log] = listLogs(statePath);
  truncateSync(log!.file, statSync(log!.file).size - 3);

  const second = await start();
  expect(second.recovered?.droppedBytes).toBeGreaterThan(0);
  await expect(second.t.query(list, { channel: "t" })).resolves.toEqual(["whole"]);
  await second.t.mutation(add, { channel: "t", text: "after" });
  await second.compact(); // also waits for the compaction its replay started
  crash(second);
  const third = await start();
  await expect(third.t.query(list, { channel: "t" })).resolves.toEqual(["whole", "after"]);
});

test("a record failing its checksum ends the log", async () => {
  const first = await start();
  await first.t.mutation(add, { channel: "k", text: "good" });
  await first.flush();
  crash(first);
  const [log] = listLogs(statePath);
  const size = statSync(log!.file).size;
  const garbage = Buffer.alloc(40, 7);
  garbage.writeUInt32LE(32, 0); // a plausible length, a wrong checksum
  writeFileSync(log!.file, garbage, { flag: "a" });

  writeFileSync(`${statePath}.999.1.tmp`, "{ a snapshot write cut short"); // never renamed
  const second = await start();
  expect(readdirSync(dir)).not.toContain("state.json.999.1.tmp");
  expect(second.recovered?.droppedBytes).toBe(40);
  expect(statSync(log!.file).size).toBe(size);
  await expect(second.t.query(list, { channel: "k" })).resolves.toEqual(["good"]);
});

test("compaction folds the log into the snapshot and deletes the logs it covers", async () => {
  const first = await start(false, 2_000);
  for (let i = 0; i < 60; i++) await first.t.mutation(add, { channel: "c", text: `n${i}` });
  await first.flush();
  await first.compact();
  expect(listLogs(statePath).length).toBeLessThanOrEqual(1);
  await first.t.mutation(add, { channel: "c", text: "last" });
  await first.flush();
  crash(first);

  const second = await start();
  const texts = await second.t.query(list, { channel: "c" });
  expect(texts).toHaveLength(61);
  expect(texts.at(-1)).toBe("last");
  expect(second.recovered?.replayed).toBe(1);
});

test("compaction waits while it is held and runs once released", async () => {
  const engine = await start(false, 2_000);
  const held = { value: true };
  engine.holdCompaction(() => held.value);
  for (let i = 0; i < 20; i++) await engine.t.mutation(add, { channel: "c", text: `n${i}` });
  await engine.flush();
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(existsSync(statePath)).toBe(false);
  held.value = false;
  await engine.t.mutation(add, { channel: "c", text: "after the storm" });
  await eventually(async () => existsSync(statePath));
});

test("a held log is compacted anyway once it grows past eight times the threshold", async () => {
  const engine = await start(false, 2_000);
  engine.holdCompaction(() => true);
  for (let i = 0; existsSync(statePath) === false; i++) {
    if (i > 2_000) throw new Error("the log was never compacted");
    await engine.t.mutation(add, { channel: "c", text: `n${i}` });
    await new Promise((r) => setImmediate(r));
  }
  // Some commits went past the threshold first: the hold did postpone it.
  expect((await engine.t.query(list, { channel: "c" })).length).toBeGreaterThan(20);
});

test("a function scheduled before a restart runs after it", async () => {
  // Due in an hour of the engine's clock, which only the test moves: however slow the machine,
  // the job cannot come due before the restart.
  const first = await start();
  await first.t.mutation(addLater, { channel: "s", text: "scheduled", delayMs: HOUR });
  await first.close(); // its timer is cancelled: only the restarted engine can run the job
  await expect(first.t.query(list, { channel: "s" })).resolves.toEqual([]);

  const second = await start();
  await expect(second.t.query(list, { channel: "s" })).resolves.toEqual([]);
  second.advanceClock(HOUR);
  await eventually(async () => (await second.t.query(list, { channel: "s" })).length === 1);
  await expect(second.t.query(list, { channel: "s" })).resolves.toEqual(["scheduled"]);
});

test("an engine opened to read a state keeps its due functions pending", async () => {
  const first = await start();
  await first.t.mutation(addLater, { channel: "h", text: "held", delayMs: 0 });
  crash(first);

  const reader = await createEngine({ root: app, statePath, holdScheduled: true });
  open.push(reader);
  // Many polls' worth of chances to run; it never does.
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 2));
  await expect(reader.t.query(list, { channel: "h" })).resolves.toEqual([]);
  const pending = await reader.t.run((ctx) =>
    ctx.db.system.query("_scheduled_functions").collect(),
  );
  expect(pending.map((job) => job.state.kind)).toContain("pending");
});

test("a job due beyond Node's timer range stays pending instead of firing at once", async () => {
  const engine = await start();
  const thirtyDays = 30 * 24 * 3600 * 1000;
  await engine.t.mutation(addLater, { channel: "far", text: "later", delayMs: thirtyDays });
  // A job due now, armed after it: had the far job's timer overflowed (Node fires those after
  // 1 ms), it would have fired first, so waiting for this one is enough.
  await engine.t.mutation(addLater, { channel: "now", text: "now", delayMs: 0 });
  await eventually(async () => (await engine.t.query(list, { channel: "now" })).length === 1);
  await expect(engine.t.query(list, { channel: "far" })).resolves.toEqual([]);
  const jobs = await engine.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  expect(jobs.map((j) => j.state.kind)).toEqual(["pending", "success"]);
});

test("reset starts from an empty database", async () => {
  const first = await start();
  await first.t.mutation(add, { channel: "r", text: "gone" });
  await first.close();
  const second = await start(true);
  await expect(second.t.query(list, { channel: "r" })).resolves.toEqual([]);
});

test("the component list is read from convex.config.ts, names and nesting included", () => {
  const source = `
    import { defineApp } from "convex/server";
    import rateLimiter from "@convex-dev/rate-limiter/convex.config";
    import workpool from "@convex-dev/workpool/convex.config.js";
    const app = defineApp();
    app.use(rateLimiter);
    app.use(workpool, { name: "sendPool" });
    export default app;`;
  expect(componentUses(source)).toEqual([
    { pkg: "@convex-dev/rate-limiter", name: undefined },
    { pkg: "@convex-dev/workpool", name: "sendPool" },
  ]);
});
