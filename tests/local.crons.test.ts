// @vitest-environment node
/**
 * The local cron runner: schedules are computed in UTC for every Convex schedule kind, and the
 * jobs of a project's `convex/crons.ts` run on the engine on their interval, each as a scheduled
 * function.
 */
import { makeFunctionReference } from "convex/server";
import path from "node:path";
import { expect, test, vi } from "vitest";
import { nextRun, startCrons } from "../scripts/local/crons";
import { createEngine } from "../scripts/local/engine";

const NOW = Date.UTC(2026, 10, 21, 10, 30, 15); // Saturday 2026-11-21 10:30:15 UTC

test("interval schedules run that long after now", () => {
  expect(nextRun({ type: "interval", seconds: 90 }, NOW)).toBe(NOW + 90_000);
  expect(nextRun({ type: "interval", hours: 2 }, NOW)).toBe(NOW + 7_200_000);
});

test("hourly, daily, weekly, monthly and cron schedules pick the next UTC instant", () => {
  expect(nextRun({ type: "hourly", minuteUTC: 45 }, NOW)).toBe(Date.UTC(2026, 10, 21, 10, 45));
  expect(nextRun({ type: "daily", hourUTC: 9, minuteUTC: 0 }, NOW)).toBe(
    Date.UTC(2026, 10, 22, 9, 0),
  );
  expect(nextRun({ type: "weekly", dayOfWeek: "monday", hourUTC: 8, minuteUTC: 5 }, NOW)).toBe(
    Date.UTC(2026, 10, 23, 8, 5),
  );
  expect(nextRun({ type: "monthly", day: 1, hourUTC: 0, minuteUTC: 0 }, NOW)).toBe(
    Date.UTC(2026, 11, 1, 0, 0),
  );
  expect(nextRun({ type: "cron", cron: "*/10 * * * *" }, NOW)).toBe(Date.UTC(2026, 10, 21, 10, 40));
});

test("the jobs of convex/crons.ts run on the engine", async () => {
  const root = path.join(import.meta.dirname, "fixtures", "localApp");
  const engine = await createEngine({ root, statePath: null });
  // The runner's timers are fake, so a second passes only when the test says so; the engine
  // itself keeps real timers (it yields with setImmediate).
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const crons = await startCrons(engine, root, () => undefined);
  try {
    expect(crons.jobs).toEqual(["notes:addInternal"]);
    const list = makeFunctionReference<"query", { channel: string }, string[]>("notes:list");
    // Counted in simulated seconds, never wall-clock time: two ticks are due within two.
    let seconds = 0;
    while ((await engine.t.query(list, { channel: "cron" })).length < 2) {
      if (++seconds > 60) throw new Error("the cron did not run twice in 60 simulated seconds");
      vi.advanceTimersByTime(1000); // the fixture's interval
      await new Promise((r) => setImmediate(r));
    }
    expect((await engine.t.query(list, { channel: "cron" })).slice(0, 2)).toEqual(["tick", "tick"]);
    // Each run went through the scheduler, as background work.
    const runs = await engine.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(runs.filter((r) => r.name === "notes:addInternal").length).toBeGreaterThanOrEqual(2);
  } finally {
    crons.stop();
    vi.useRealTimers();
    await engine.close();
  }
});
