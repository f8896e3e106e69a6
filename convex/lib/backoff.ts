/**
 * The one retry-delay rule of the backend (outbound sends, outgoing hooks, model calls):
 * exponential growth from a base, an optional cap, then jitter so jobs that failed together
 * do not all come back in the same instant.
 */

export type Backoff = {
  /** Delay before the first retry. */
  baseMs: number;
  /** Growth per retry; 2 (the default) doubles the delay each time. */
  factor?: number;
  /** Upper bound of the delay, before jitter. */
  maxMs?: number;
  /**
   * Jitter as fractions of the delay: the result lies between delay·(1 − below) and
   * delay·(1 + above). The default [0.5, 0] is "between half and all of it"; [0, 0] is none.
   */
  jitter?: readonly [below: number, above: number];
};

/** Delay before retry `attempt` (1-based): base·factor^(attempt−1), capped, then jittered. */
export function backoffMs(
  attempt: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const { baseMs, factor = 2, maxMs = Infinity, jitter = [0.5, 0] } = backoff;
  const [below, above] = jitter;
  const delay = Math.min(maxMs, Math.max(0, baseMs) * factor ** Math.max(0, attempt - 1));
  return Math.round(delay * (1 - below) + random() * delay * (below + above));
}
