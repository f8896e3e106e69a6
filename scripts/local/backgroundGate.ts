/**
 * Holds scheduled functions back while the runtime has HTTP requests to answer: due jobs start
 * freely when the site is quiet, and only a few at a time while deliveries arrive — none at all
 * while the engine's thread is saturated — so a backlog of agent turns never delays a webhook's
 * 200. Jobs start in the order they fell due; none is dropped, a storm only postpones them.
 */

export type BackgroundGateOptions = {
  /** Whether foreground requests are waiting or running (e.g. the HTTP action queue's depth). */
  busy: () => boolean;
  /** Whether the engine's thread has no spare time now (checked only while `busy()`). */
  saturated?: () => boolean;
  /** Scheduled functions running at once while `busy()` (default 2). */
  limitWhenBusy?: number;
  /** Scheduled functions running at once otherwise (default 64). */
  limitWhenIdle?: number;
  /** How often waiting jobs re-check `busy()` when nothing else wakes them (default 25 ms). */
  recheckMs?: number;
};

export class BackgroundGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BackgroundGateOptions) {}

  /** Scheduled functions that fell due and wait for a slot. */
  get backlog(): number {
    return this.waiting.length - this.head;
  }

  /** Resolves when the job may run, with the callback to call once it has ended. */
  enter = (): Promise<() => void> =>
    new Promise((resolve) => {
      this.waiting.push(() => resolve(this.slot()));
      this.admit();
    });

  /** Re-checks waiting jobs now (the site queue calls this when it drains). */
  poke(): void {
    this.admit();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private slot(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.admit();
    };
  }

  private limit(): number {
    if (!this.options.busy()) return this.options.limitWhenIdle ?? 64;
    if (this.options.saturated?.() === true) return 0;
    return this.options.limitWhenBusy ?? 2;
  }

  private admit(): void {
    const limit = this.limit();
    while (this.running < limit && this.head < this.waiting.length) {
      const start = this.waiting[this.head]!;
      this.head += 1;
      this.running += 1;
      start();
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    if (this.backlog > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.admit();
      }, this.options.recheckMs ?? 25);
      this.timer.unref();
    }
  }
}
