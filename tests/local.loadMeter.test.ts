// @vitest-environment node
/**
 * The load meter the background gate reads: the share of recent time the thread spent running
 * callbacks. A thread kept busy reads as saturated; the same thread left waiting reads as free.
 * Busy and idle stretches are long and one-sided, so the readings do not depend on machine speed.
 */
import { afterEach, expect, test } from "vitest";
import { LoadMeter } from "../scripts/local/loadMeter";

const meters: LoadMeter[] = [];
afterEach(() => {
  for (const meter of meters.splice(0)) meter.close();
});

function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy on purpose: the thread never waits.
  }
}

test("a thread that ran callbacks throughout the window reads as nearly fully used", async () => {
  const meter = new LoadMeter(200, 10);
  meters.push(meter);
  for (let i = 0; i < 30; i++) {
    spin(20);
    await new Promise((r) => setImmediate(r));
  }
  expect(meter.utilization()).toBeGreaterThan(0.8);
});

test("a thread that only waited through the window reads as nearly free", async () => {
  const meter = new LoadMeter(200, 10);
  meters.push(meter);
  spin(100);
  await new Promise((r) => setTimeout(r, 600));
  expect(meter.utilization()).toBeLessThan(0.2);
});
