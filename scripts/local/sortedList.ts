/**
 * A sorted list kept as a run of small sorted chunks (the layout of Python's sortedcontainers):
 * insert, remove and seek cost O(log n + chunk size), iteration from any position is O(1) per
 * item. The local runtime keeps one per table index; items must be unique under `compare`.
 */

/** A place between two items: chunk number and offset inside it (normalised: offset < length). */
export type Position = { chunk: number; offset: number };

const CHUNK = 256;

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** Builds a list from items in any order (sorts a copy). */
  static from<T>(items: Iterable<T>, compare: (a: T, b: T) => number): SortedList<T> {
    const list = new SortedList(compare);
    const sorted = [...items].sort(compare);
    for (let i = 0; i < sorted.length; i += CHUNK) list.chunks.push(sorted.slice(i, i + CHUNK));
    list.count = sorted.length;
    return list;
  }

  get size(): number {
    return this.count;
  }

  /** The first position whose item does not satisfy `before` (which must hold for a prefix). */
  partition(before: (item: T) => boolean): Position {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid]!;
      if (before(chunk[chunk.length - 1]!)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return { chunk: lo, offset: 0 };
    const chunk = this.chunks[lo]!;
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before(chunk[mid]!)) a = mid + 1;
      else b = mid;
    }
    return { chunk: lo, offset: a };
  }

  private seek(item: T): Position {
    return this.partition((x) => this.compare(x, item) < 0);
  }

  /** The stored item equal to `item` under `compare`, if any. */
  find(item: T): T | undefined {
    const at = this.seek(item);
    const found = this.chunks[at.chunk]?.[at.offset];
    return found !== undefined && this.compare(found, item) === 0 ? found : undefined;
  }

  insert(item: T): void {
    this.count += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    let { chunk, offset } = this.seek(item);
    if (chunk === this.chunks.length) {
      chunk -= 1;
      offset = this.chunks[chunk]!.length;
    }
    const target = this.chunks[chunk]!;
    target.splice(offset, 0, item);
    if (target.length > 2 * CHUNK) this.chunks.splice(chunk + 1, 0, target.splice(CHUNK));
  }

  /** Removes the item equal to `item`; false when there is none. */
  remove(item: T): boolean {
    const at = this.seek(item);
    const chunk = this.chunks[at.chunk];
    const found = chunk?.[at.offset];
    if (chunk === undefined || found === undefined || this.compare(found, item) !== 0) return false;
    chunk.splice(at.offset, 1);
    if (chunk.length === 0) this.chunks.splice(at.chunk, 1);
    this.count -= 1;
    return true;
  }

  /** Replaces the item equal to `item` in place (same sort position); false when there is none. */
  replace(item: T): boolean {
    const at = this.seek(item);
    const chunk = this.chunks[at.chunk];
    const found = chunk?.[at.offset];
    if (chunk === undefined || found === undefined || this.compare(found, item) !== 0) return false;
    chunk[at.offset] = item;
    return true;
  }

  /** Items in [from, to), ascending, or descending from just before `to` when `reverse`. */
  *range(from: Position, to: Position, reverse = false): Generator<T> {
    if (comparePositions(from, to) >= 0) return;
    if (!reverse) {
      let { chunk, offset } = from;
      while (chunk < to.chunk || (chunk === to.chunk && offset < to.offset)) {
        const items = this.chunks[chunk]!;
        yield items[offset]!;
        offset += 1;
        if (offset === items.length) {
          chunk += 1;
          offset = 0;
        }
      }
      return;
    }
    let { chunk, offset } = to;
    for (;;) {
      if (offset === 0) {
        chunk -= 1;
        if (chunk < 0) return;
        offset = this.chunks[chunk]!.length;
      }
      offset -= 1;
      if (chunk < from.chunk || (chunk === from.chunk && offset < from.offset)) return;
      yield this.chunks[chunk]![offset]!;
    }
  }

  *[Symbol.iterator](): Generator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }
}

export function comparePositions(a: Position, b: Position): number {
  return a.chunk === b.chunk ? a.offset - b.offset : a.chunk - b.chunk;
}

export function minPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) <= 0 ? a : b;
}

export function maxPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}
