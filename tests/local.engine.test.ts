// @vitest-environment node
/**
 * The local runtime's engine keeps its state across restarts: documents and id counters come
 * back from the state file, a function scheduled before a restart runs after it, delays beyond
 * Node's timer range wait instead of firing at once, and `--reset` starts empty.
 */
import { makeFunctionReference } from "convex/server";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
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

async function start(reset = false) {
  const engine = await createEngine({ root: app, statePath, reset, snapshotDelayMs: 10 });
  open.push(engine);
  return engine;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-engine-"));
  statePath = path.join(dir, "state.json");
});

afterEach(async () => {
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

test("a function scheduled before a restart runs after it", async () => {
  const first = await start();
  await first.t.mutation(addLater, { channel: "s", text: "scheduled", delayMs: 300 });
  await first.close(); // its timer is cancelled: only the restarted engine can run the job
  await expect(first.t.query(list, { channel: "s" })).resolves.toEqual([]);

  const second = await start();
  await expect(second.t.query(list, { channel: "s" })).resolves.toEqual([]);
  await eventually(async () => (await second.t.query(list, { channel: "s" })).length === 1);
  await expect(second.t.query(list, { channel: "s" })).resolves.toEqual(["scheduled"]);
});

test("a job due beyond Node's timer range stays pending instead of firing at once", async () => {
  const engine = await start();
  const thirtyDays = 30 * 24 * 3600 * 1000;
  await engine.t.mutation(addLater, { channel: "far", text: "later", delayMs: thirtyDays });
  await new Promise((r) => setTimeout(r, 200));
  await expect(engine.t.query(list, { channel: "far" })).resolves.toEqual([]);
  const jobs = await engine.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  expect(jobs.map((j) => j.state.kind)).toEqual(["pending"]);
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
