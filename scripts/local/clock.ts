/**
 * The local runtime's clock: `Date.now()` plus an offset that only grows, so a browser test can
 * move the product a day ahead (the WhatsApp 24-hour window closes) without waiting. Everything
 * in the process that reads `Date.now()` sees the moved clock: functions, the engine's commit
 * timestamps and scheduler, crons. `new Date()` and timers keep real time.
 */
const realNow = Date.now.bind(Date);
let offsetMs = 0;

/** How far the clock has been moved ahead of real time, in milliseconds. */
export function clockOffset(): number {
  return offsetMs;
}

/** Moves the clock ahead by `ms` (a non-negative, finite number); returns the new `Date.now()`. */
export function advanceClock(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError("The clock only moves forward by a finite number of milliseconds.");
  }
  if (offsetMs === 0 && ms > 0) Date.now = () => realNow() + offsetMs;
  offsetMs += ms;
  return Date.now();
}

/** Puts the clock back to real time (tests). */
export function resetClock(): void {
  offsetMs = 0;
  Date.now = realNow;
}
