/**
 * How busy the engine's thread has been lately: the event loop's utilisation (the share of time
 * it ran callbacks rather than waited) over a sliding window, sampled every few milliseconds.
 * The background gate lets scheduled work in only while this leaves room for deliveries.
 */
import { performance } from "node:perf_hooks";

/** Milliseconds the loop has spent running callbacks (`active`) and waiting (`idle`) so far. */
export type LoopTimes = { active: number; idle: number };

const loopTimes = (): LoopTimes => performance.eventLoopUtilization();

export class LoadMeter {
  private samples: LoopTimes[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly windowMs = 250,
    sampleMs = 25,
    /** The loop's times so far (tests pass their own). */
    private readonly read: () => LoopTimes = loopTimes,
  ) {
    this.samples.push(this.read());
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  /** Busy share of the thread over the window (0–1). */
  utilization(): number {
    const now = this.read();
    const oldest = this.samples[0]!;
    const elapsed = elapsedOf(now) - elapsedOf(oldest);
    return elapsed > 0 ? (now.active - oldest.active) / elapsed : 0;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = this.read();
    this.samples.push(now);
    // Keep the newest sample at least `windowMs` old as the window's start.
    while (
      this.samples.length > 2 &&
      elapsedOf(now) - elapsedOf(this.samples[1]!) >= this.windowMs
    ) {
      this.samples.shift();
    }
  }
}

function elapsedOf(times: LoopTimes): number {
  return times.active + times.idle;
}
