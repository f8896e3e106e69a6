/**
 * Shared pieces of `npm run bench`: the figure result every benchmark returns (a printed
 * table plus the raw data for the JSON report), min/median/max summaries, percentiles,
 * interleaved timing rounds and Markdown table formatting.
 */

/** One figure of the bench: what is printed and what goes into the JSON report. */
export type FigureResult = {
  id: string;
  title: string;
  /** Markdown lines printed under the title. */
  lines: string[];
  data: unknown;
};

export type Summary = { min: number; median: number; max: number };

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: percentile(sorted, 50), max: sorted[sorted.length - 1]! };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** `median (min–max)` with the given number of decimals. */
export function fmt(s: Summary, digits = 1, unit = ""): string {
  const f = (n: number) => n.toFixed(digits);
  return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

export function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

export const int = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * Runs `contenders` in interleaved rounds (A, B, C, A, B, C …): each round times `iterations`
 * calls of each and records µs per call, so a slow spell of the machine hits all of them.
 */
export async function interleaved(
  contenders: Record<string, () => unknown>,
  options: { rounds: number; iterations: number; warmup?: number },
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) {
    for (let i = 0; i < (options.warmup ?? options.iterations); i++) await contenders[name]!();
  }
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no contender always runs right after another.
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const run = contenders[name]!;
      const start = performance.now();
      for (let i = 0; i < options.iterations; i++) await run();
      out[name]!.push(((performance.now() - start) * 1000) / options.iterations);
    }
  }
  return out;
}

/** Per-round ratios a[i] / b[i] (the rounds were interleaved, so each pair shares conditions). */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((x, i) => x / b[i]!);
}

/** A deterministic generator (mulberry32), so every run shuffles the same way. */
export function seededRandom(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
