/**
 * How busy the engine's thread has been lately: the event loop's utilisation (the share of time
 * it ran callbacks rather than waited) over a sliding window, sampled every few milliseconds.
 * The background gate lets scheduled work in only while this leaves room for deliveries.
 */
import { performance, type EventLoopUtilization } from "node:perf_hooks";

export class LoadMeter {
  private samples: EventLoopUtilization[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly windowMs = 250,
    sampleMs = 25,
  ) {
    this.samples.push(performance.eventLoopUtilization());
    this.timer = setInterval(() => this.sample(), sampleMs);
    this.timer.unref();
  }

  /** Busy share of the thread over the window (0–1). */
  utilization(): number {
    const now = performance.eventLoopUtilization();
    const oldest = this.samples[0]!;
    return performance.eventLoopUtilization(now, oldest).utilization;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = performance.eventLoopUtilization();
    this.samples.push(now);
    // Keep the newest sample at least `windowMs` old as the window's start.
    while (this.samples.length > 2 && now.active + now.idle - this.start(1) >= this.windowMs) {
      this.samples.shift();
    }
  }

  private start(index: number): number {
    const s = this.samples[index]!;
    return s.active + s.idle;
  }
}
