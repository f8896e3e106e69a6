// @vitest-environment node
/**
 * Deliveries before background work in the local runtime: the gate holds due scheduled functions
 * back to a few at a time while requests arrive (none while the thread is saturated) and releases
 * them in order, and the engine's lock
 * lets a waiting request in before scheduled functions that were already waiting for it.
 */
import { makeFunctionReference } from "convex/server";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { BackgroundGate } from "../scripts/local/backgroundGate";
import { createEngine, type Engine } from "../scripts/local/engine";
import type { BusyControl } from "./fixtures/localApp/convex/notes";

const app = path.join(import.meta.dirname, "fixtures", "localApp");
const addLater = makeFunctionReference<
  "mutation",
  { channel: string; text: string; delayMs: number }
>("notes:addLater");
const busy = makeFunctionReference<"mutation", Record<string, never>, number>("notes:busy");
const startedJobs = makeFunctionReference<"mutation", Record<string, never>, number>(
  "notes:startedJobs",
);
const list = makeFunctionReference<"query", { channel: string }, string[]>("notes:list");

const open: Engine[] = [];
const gates: BackgroundGate[] = [];
afterEach(async () => {
  for (const gate of gates.splice(0)) gate.close();
  for (const engine of open.splice(0)) await engine.close();
  delete (globalThis as { localBusy?: BusyControl }).localBusy;
});

function gateWith(busyNow: { value: boolean }) {
  const gate = new BackgroundGate({
    busy: () => busyNow.value,
    limitWhenBusy: 2,
    limitWhenIdle: 4,
    recheckMs: 60_000,
  });
  gates.push(gate);
  return gate;
}

/** Enters the gate `n` times; `started` lists the jobs let in, in order. */
function enterMany(gate: BackgroundGate, n: number) {
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  for (let i = 0; i < n; i++) {
    void gate.enter().then((release) => {
      started.push(i);
      releases.set(i, release);
    });
  }
  return { started, release: (i: number) => releases.get(i)!() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("while requests wait, only two due jobs run at once; the rest wait their turn", async () => {
  const busyNow = { value: true };
  const gate = gateWith(busyNow);
  const jobs = enterMany(gate, 5);
  await settle();
  expect(jobs.started).toEqual([0, 1]);
  expect(gate.backlog).toBe(3);
  jobs.release(0);
  await settle();
  expect(jobs.started).toEqual([0, 1, 2]);
});

test("while requests arrive and the engine's thread has no spare time, no due job starts", async () => {
  const busyNow = { value: true };
  const saturated = { value: true };
  const gate = new BackgroundGate({
    busy: () => busyNow.value,
    saturated: () => saturated.value,
    limitWhenBusy: 1,
    recheckMs: 60_000,
  });
  gates.push(gate);
  const jobs = enterMany(gate, 3);
  await settle();
  expect(jobs.started).toEqual([]);
  saturated.value = false;
  gate.poke();
  await settle();
  expect(jobs.started).toEqual([0]);
  // Saturation only counts during a storm: once requests stop, the held jobs go.
  saturated.value = true;
  busyNow.value = false;
  gate.poke();
  await settle();
  expect(jobs.started).toEqual([0, 1, 2]);
});

test("once the requests are answered, held jobs start in the order they fell due", async () => {
  const busyNow = { value: true };
  const gate = gateWith(busyNow);
  const jobs = enterMany(gate, 6);
  await settle();
  busyNow.value = false;
  gate.poke();
  await settle();
  expect(jobs.started).toEqual([0, 1, 2, 3]);
  jobs.release(2);
  jobs.release(2);
  await settle();
  expect(jobs.started).toEqual([0, 1, 2, 3, 4]);
  expect(gate.backlog).toBe(1);
});

test("a request waiting for the engine goes before scheduled functions already waiting", async () => {
  const engine = await createEngine({ root: app, statePath: null, yieldAfterMs: 1 });
  open.push(engine);
  const control: BusyControl = { running: false, release: false };
  (globalThis as { localBusy?: BusyControl }).localBusy = control;
  // Three jobs fall due and are held at the gate until a long transaction holds the engine.
  let due = 0;
  let openGate!: () => void;
  const opened = new Promise<void>((resolve) => (openGate = resolve));
  engine.t.setScheduledGate(async () => {
    due += 1;
    await opened;
    return () => {};
  });
  for (const text of ["job 1", "job 2", "job 3"]) {
    await engine.t.mutation(addLater, { channel: "order", text, delayMs: 0 });
  }
  // Counted in polls, not time: a slow machine only makes this slower.
  for (let poll = 0; due < 3; poll++) {
    if (poll > 10_000) throw new Error("the scheduled jobs never fell due");
    await settle();
  }
  const long = engine.t.mutation(busy, {});
  for (let poll = 0; !control.running; poll++) {
    if (poll > 10_000) throw new Error("the long transaction never started");
    await settle();
  }
  openGate();
  // The jobs now stand at the engine's lock, behind the long transaction.
  for (let i = 0; i < 5; i++) await settle();
  const request = engine.t.mutation(startedJobs, {});
  control.release = true;
  await long;
  // The request ran before any of the waiting jobs started.
  expect(await request).toBe(0);
  for (let poll = 0; (await engine.t.query(list, { channel: "order" })).length < 3; poll++) {
    if (poll > 10_000) throw new Error("the scheduled jobs never ran");
    await settle();
  }
  // Nothing was dropped: every job ran once the request was answered.
  expect((await engine.t.query(list, { channel: "order" })).sort()).toEqual([
    "job 1",
    "job 2",
    "job 3",
  ]);
});
