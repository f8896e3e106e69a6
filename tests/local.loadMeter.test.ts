// @vitest-environment node
/**
 * The load meter the background gate reads: the share of the recent window the thread spent
 * running callbacks. The loop's times and the sampling timer are both the test's, so readings
 * never depend on the machine.
 */
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { LoadMeter, type LoopTimes } from "../scripts/local/loadMeter";

const meters: LoadMeter[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
});
afterEach(() => {
  for (const meter of meters.splice(0)) meter.close();
  vi.useRealTimers();
});

/** A loop whose busy and idle milliseconds the test adds; the sampling timer moves with them. */
function fakeLoop() {
  const times: LoopTimes = { active: 0, idle: 0 };
  const meter = new LoadMeter(200, 10, () => ({ ...times }));
  meters.push(meter);
  const pass = (ms: number, busyShare: number) => {
    for (let t = 0; t < ms; t += 10) {
      times.active += 10 * busyShare;
      times.idle += 10 * (1 - busyShare);
      vi.advanceTimersByTime(10);
    }
  };
  return { meter, pass };
}

test("a thread that ran callbacks throughout the window reads as fully used", () => {
  const { meter, pass } = fakeLoop();
  pass(600, 1);
  expect(meter.utilization()).toBe(1);
});

test("a thread that only waited through the window reads as free, whatever came before", () => {
  const { meter, pass } = fakeLoop();
  pass(300, 1);
  pass(400, 0);
  expect(meter.utilization()).toBe(0);
});

test("the reading covers about the last window, not the whole life of the thread", () => {
  const { meter, pass } = fakeLoop();
  pass(1000, 0);
  pass(200, 0.5);
  // The oldest sample kept is at least one window old: at most one idle step joins the window.
  expect(meter.utilization()).toBeGreaterThanOrEqual(100 / 210);
  expect(meter.utilization()).toBeLessThanOrEqual(0.5);
});
