/**
 * The meter of `npm run bench`: counts what Convex bills and limits — function calls (queries,
 * mutations, actions), documents and bytes read and written, scheduled functions — for
 * everything a measured operation causes, scheduled work included. It wraps the engine's async
 * syscalls (convex-test's global `Convex` object) and follows the async context, so work is
 * attributed to the function that caused it and the bench's own polling is never counted.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TestConvex } from "convex-test";
import type { Id } from "../../convex/_generated/dataModel";
import type schema from "../../convex/schema";
import type { Engine } from "../local/engine";
import { databasesOf } from "../local/fakeDatabase";

export type Meter = {
  /** Queries + mutations (top-level transactions) + actions (HTTP and scheduled). */
  functionCalls: number;
  transactions: number;
  actions: number;
  /** Component functions called from inside a mutation (rate limiter). */
  componentCalls: number;
  documentsRead: number;
  documentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  scheduled: number;
  scheduledIds: string[];
  byOp: Record<string, number>;
  /** Calls, documents read and written per function (`module:export`; `(caller)` = the entry). */
  byFunction: Record<string, { calls: number; read: number; written: number }>;
};

const newMeter = (): Meter => ({
  functionCalls: 0,
  transactions: 0,
  actions: 0,
  componentCalls: 0,
  documentsRead: 0,
  documentsWritten: 0,
  bytesRead: 0,
  bytesWritten: 0,
  scheduled: 0,
  scheduledIds: [],
  byOp: {},
  byFunction: {},
});

/** The meter of the measured operation and the function whose syscalls these are. */
type Frame = { meter: Meter; fn: string };
const meterContext = new AsyncLocalStorage<Frame>();

/** Runs `fn` outside any meter (the bench's own reads and polling). */
export function unmetered<T>(fn: () => T): T {
  return meterContext.exit(fn);
}

function functionStats(meter: Meter, fn: string) {
  return (meter.byFunction[fn] ??= { calls: 0, read: 0, written: 0 });
}

/** The function a call or schedule syscall names (`module:export`). */
function calledName(args: string): string {
  const parsed = JSON.parse(args) as { name?: string; udfPath?: string; reference?: string };
  return (parsed.name ?? parsed.udfPath ?? parsed.reference ?? "?").replace(/\.js(?=:|$)/, "");
}

const CALLS = new Set([
  "1.0/actions/query",
  "1.0/actions/mutation",
  "1.0/actions/action",
  "1.0/runUdf",
  "1.0/schedule",
  "1.0/actions/schedule",
]);

type Syscall = (op: string, args: string) => Promise<string>;

/** Wraps the engine's async syscalls (convex-test's global `Convex` object) with the meter. */
export function installMeter() {
  const convex = (globalThis as { Convex?: object }).Convex;
  if (!convex) throw new Error("the engine is not loaded");
  const descriptor = Object.getOwnPropertyDescriptor(convex, "asyncSyscall");
  if (!descriptor?.get || (descriptor.get as { metered?: boolean }).metered) return;
  const original = descriptor.get;
  const get = function (this: unknown) {
    const inner = original.call(this) as Syscall;
    return async (op: string, args: string) => {
      const frame = meterContext.getStore();
      if (!frame) return await inner(op, args);
      if (CALLS.has(op)) {
        const fn = calledName(args);
        functionStats(frame.meter, fn).calls += 1;
        // The callee's syscalls (and a scheduled function's, when its timer fires) run in
        // this context, so they are attributed to it.
        const result = await meterContext.run({ meter: frame.meter, fn }, () => inner(op, args));
        count(frame, op, args, result);
        return result;
      }
      const result = await inner(op, args);
      count(frame, op, args, result);
      return result;
    };
  };
  Object.defineProperty(get, "metered", { value: true });
  Object.defineProperty(convex, "asyncSyscall", { get, configurable: true });
}

function count(frame: Frame, op: string, args: string, result: string) {
  const { meter } = frame;
  meter.byOp[op] = (meter.byOp[op] ?? 0) + 1;
  const read = (documents: number, bytes: number) => {
    meter.documentsRead += documents;
    meter.bytesRead += bytes;
    functionStats(meter, frame.fn).read += documents;
  };
  const written = (bytes: number) => {
    meter.documentsWritten += 1;
    meter.bytesWritten += bytes;
    functionStats(meter, frame.fn).written += 1;
  };
  switch (op) {
    case "1.0/get":
      if (result !== "null") read(1, result.length);
      return;
    case "1.0/queryStreamNext": {
      const { value } = JSON.parse(result) as { value: unknown };
      if (value !== null && value !== undefined) read(1, result.length);
      return;
    }
    case "1.0/queryPage": {
      const { page } = JSON.parse(result) as { page: unknown[] };
      read(page.length, result.length);
      return;
    }
    case "1.0/insert":
      written(args.length);
      return;
    case "1.0/shallowMerge":
    case "1.0/replace":
    case "1.0/remove":
      read(1, 0);
      written(args.length);
      return;
    case "1.0/runUdf":
      meter.componentCalls += 1;
      return;
    case "1.0/schedule":
    case "1.0/actions/schedule":
      meter.scheduled += 1;
      meter.scheduledIds.push(JSON.parse(result) as string);
      return;
  }
}

/**
 * Counts top-level transactions (each query or mutation, whoever calls it) on the meter of the
 * context that starts them: the app database's transaction stack is one level deep then.
 */
export function installTransactionCounter(engine: Engine) {
  const db = databasesOf(engine.t)[""] as unknown as {
    startTransaction(): void;
    _writes: unknown[];
  };
  const start = db.startTransaction.bind(db);
  db.startTransaction = () => {
    start();
    const frame = meterContext.getStore();
    if (frame && db._writes.length === 1) {
      frame.meter.transactions += 1;
      frame.meter.functionCalls += 1;
    }
  };
}

/** Scheduled actions that ran (or run) are one more function call each. */
async function countScheduledActions(engine: Engine, meter: Meter) {
  const t = engine.t as unknown as TestConvex<typeof schema>;
  const ran = await meterContext.exit(() =>
    t.run(async (ctx) => {
      const names: string[] = [];
      for (const id of meter.scheduledIds) {
        const job = await ctx.db.system.get(id as Id<"_scheduled_functions">);
        if (job !== null && job.state.kind !== "pending") names.push(job.name);
      }
      return names;
    }),
  );
  for (const name of ran) {
    const info = await engine.functionInfo(name.replace(/\.js(?=:|$)/, ""));
    if (info?.kind === "action") {
      meter.actions += 1;
      meter.functionCalls += 1;
    }
  }
}

/**
 * Runs `fn` with everything it causes (scheduled work included, once settled) counted on a
 * fresh meter; `entryIsAction` (default) counts the caller itself as one action (an HTTP request).
 */
export async function metered<T>(
  engine: Engine,
  fn: () => Promise<T>,
  options: { entryIsAction?: boolean } = {},
): Promise<{ result: T; meter: Meter }> {
  const meter = newMeter();
  functionStats(meter, "(caller)").calls += 1;
  if (options.entryIsAction !== false) {
    meter.actions += 1;
    meter.functionCalls += 1;
  }
  const result = await meterContext.run({ meter, fn: "(caller)" }, fn);
  await countScheduledActions(engine, meter);
  return { result, meter };
}
