/**
 * Index-backed reads for the local runtime. convex-test answers every query by scanning all
 * documents of a component and sorting the matches; this layer keeps each table's indexes
 * (schema indexes, `by_creation_time`, `by_id`) as sorted lists updated on commit, so
 * `withIndex(...).take(n)`, `.first()` and `.paginate()` seek to their range in O(log n) and
 * read only what they return. The transaction's own pending writes are merged in, so results
 * equal the full scan's (tests/local.indexes.test.ts checks that on random data and queries).
 */
import { engineInternals } from "convex-test";
import { compareValues, getDocumentSize, jsonToConvex, type Value } from "convex/values";
import type {
  Doc,
  FakeDatabase,
  PageArgs,
  PageResult,
  Query,
  QuerySource,
  RangeExpr,
} from "./fakeDatabase";
import { databasesOf, watchCommits } from "./fakeDatabase";
import type { ConvexEngine } from "./engine";
import { maxPosition, minPosition, SortedList } from "./sortedList";

const { evaluateFieldPath, evaluateFilter, evaluateRangeFilter, evaluateQueryValue } =
  engineInternals;
const { validateIndexRangeExpression, tableNameFromId } = engineInternals;

type Key = Array<Value | undefined>;
/** A transaction's own write, merged into an index's committed documents. */
type Entry = { key: Key; doc: Doc };
type Bound = { value: Value | undefined; inclusive: boolean };

/** A query on one index, resolved: its key fields, direction, range and filters. */
export type Plan = {
  table: string;
  index: string;
  fields: string[];
  order: "asc" | "desc";
  range: RangeExpr[];
  eq: Key;
  lower: Bound | null;
  upper: Bound | null;
  filters: unknown[];
  limit: number | null;
};

export function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValues(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return 0;
}

const compareEntries = (a: Entry, b: Entry) => compareKeys(a.key, b.key);

type Reader = (doc: Doc) => Value | undefined;
const readers = new Map<string, Reader>();

/**
 * Reads a field path of a committed document (its values are final, so unlike the engine's
 * `evaluateFieldPath` nothing is left to resolve), with the path split once, not per read.
 */
function reader(field: string): Reader {
  let read = readers.get(field);
  if (read === undefined) {
    const parts = field.split(".");
    read =
      parts.length === 1
        ? (doc) => (doc as Record<string, Value | undefined>)[field]
        : (doc) => {
            let value: unknown = doc;
            for (const part of parts) {
              const plain =
                value !== null &&
                typeof value === "object" &&
                !Array.isArray(value) &&
                !(value instanceof ArrayBuffer);
              value = plain ? (value as Record<string, unknown>)[part] : undefined;
            }
            return value as Value | undefined;
          };
    readers.set(field, read);
  }
  return read;
}

/**
 * Orders two committed documents by an index's fields, read from the documents themselves: an
 * index holds only the documents (no key copies), which keeps the heap, and the collector's
 * work, small.
 */
function compareDocs(a: Doc, b: Doc, fields: string[]): number {
  for (const field of fields) {
    const read = reader(field);
    const c = compareValues(read(a) as Value, read(b) as Value);
    if (c !== 0) return c;
  }
  return 0;
}

/** The index key of a committed document. */
function committedKey(doc: Doc, fields: string[]): Key {
  return fields.map((f) => reader(f)(doc));
}

/** The index key of any document, a transaction's own writes included. */
function keyOf(doc: Doc, fields: string[]): Key {
  return fields.map((f) => evaluateFieldPath(f, doc) as Value | undefined);
}

function indexFields(db: FakeDatabase, table: string, index: string): string[] {
  if (index === "by_creation_time") return ["_creationTime", "_id"];
  if (index === "by_id") return ["_id"];
  const found = db._schema?.tables.get(table)?.indexes.find((i) => i.indexDescriptor === index);
  if (found === undefined) {
    throw new Error(
      `Cannot use index "${index}" for table "${table}" because it is not declared in the schema.`,
    );
  }
  return [...found.fields, "_creationTime", "_id"];
}

/** Resolves a query to an index plan; null for search queries (left to the engine). */
export function planQuery(db: FakeDatabase, query: Query): Plan | null {
  const source: QuerySource = query.source;
  if (source.type === "Search") return null;
  const filters = query.operators.flatMap((op) => ("filter" in op ? [op.filter] : []));
  const limitOp = query.operators.find((op) => "limit" in op) as { limit: number } | undefined;
  const base = { filters, limit: limitOp?.limit ?? null, order: source.order ?? "asc" };
  if (source.type === "FullTableScan") {
    const fields = ["_creationTime", "_id"];
    const none = { range: [], eq: [], lower: null, upper: null };
    return { ...base, ...none, table: source.tableName, index: "by_creation_time", fields };
  }
  const [table = "", index = ""] = source.indexName.split(".");
  const fields = indexFields(db, table, index);
  validateIndexRangeExpression(source, fields);
  const eq: Key = [];
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  for (const expr of source.range) {
    const value = evaluateQueryValue(expr.value) as Value | undefined;
    if (expr.type === "Eq") eq.push(value);
    else if (expr.type === "Gt" || expr.type === "Gte")
      lower = { value, inclusive: expr.type === "Gte" };
    else upper = { value, inclusive: expr.type === "Lte" };
  }
  return { ...base, table, index, fields, range: source.range, eq, lower, upper };
}

/** Compares the first `eq.length` fields of a key with the equality prefix. */
function comparePrefix(key: Key, eq: Key): number {
  for (let i = 0; i < eq.length; i++) {
    const c = compareValues(key[i] as Value, eq[i] as Value);
    if (c !== 0) return c;
  }
  return 0;
}

/** True for keys sorting before the plan's range (a prefix of the index). */
function beforeRange(plan: Plan, key: Key): boolean {
  const c = comparePrefix(key, plan.eq);
  if (c !== 0) return c < 0;
  if (plan.lower === null) return false;
  const d = compareValues(key[plan.eq.length] as Value, plan.lower.value as Value);
  return plan.lower.inclusive ? d < 0 : d <= 0;
}

/** True for keys not past the end of the plan's range (a prefix of the index). */
function notAfterRange(plan: Plan, key: Key): boolean {
  const c = comparePrefix(key, plan.eq);
  if (c !== 0) return c < 0;
  if (plan.upper === null) return true;
  const d = compareValues(key[plan.eq.length] as Value, plan.upper.value as Value);
  return plan.upper.inclusive ? d <= 0 : d < 0;
}

/** Merges two streams already in iteration order (`dir` 1 ascending, -1 descending). */
function* merge(
  committed: Iterable<Doc>,
  pending: Entry[],
  skip: Set<string>,
  dir: number,
  fields: string[],
) {
  let i = 0;
  for (const doc of committed) {
    if (skip.has(doc._id)) continue;
    const key = i < pending.length ? committedKey(doc, fields) : null;
    while (key !== null && i < pending.length && dir * compareKeys(pending[i]!.key, key) < 0) {
      yield pending[i++]!.doc;
    }
    yield doc;
  }
  while (i < pending.length) yield pending[i++]!.doc;
}

function* filterAndLimit(docs: Iterable<Doc>, plan: Plan): Generator<Doc> {
  if (plan.limit !== null && plan.limit <= 0) return;
  let count = 0;
  for (const doc of docs) {
    if (!plan.filters.every((f) => evaluateFilter(doc, f))) continue;
    yield doc;
    count += 1;
    if (plan.limit !== null && count >= plan.limit) return;
  }
}

type Table = { docs: Map<string, Doc>; lists: Map<string, { fields: string[]; list: Lists }> };
type Lists = SortedList<Doc>;

const MAX_OPEN_STREAMS = 10_000;

/** The index layer of one component's database. */
export class IndexedDatabase {
  private tables = new Map<string, Table>();
  private streams = new Map<number, Iterator<Doc>>();
  private readonly proto: FakeDatabase;

  constructor(private readonly db: FakeDatabase) {
    this.proto = Object.getPrototypeOf(db) as FakeDatabase;
    this.rebuild();
    watchCommits(db, (id, before, after) => this.apply(id, before, after));
    db.startQuery = (query) => this.startQuery(query);
    db.queryNext = (queryId) => this.queryNext(queryId);
    db.queryCleanup = (queryId) => void this.streams.delete(queryId);
    db.paginate = (args) => this.paginate(args);
    db._iterateDocs = (table, callback) => this.iterateDocs(table, callback);
  }

  /** Re-reads every committed document (after the engine's state was replaced). */
  rebuild(): void {
    this.tables.clear();
    for (const [id, doc] of Object.entries(this.db._documents))
      this.table(tableOf(id)).docs.set(id, doc);
  }

  private table(name: string): Table {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = { docs: new Map(), lists: new Map() };
      this.tables.set(name, table);
    }
    return table;
  }

  /**
   * Builds every index the schema declares for the tables holding documents, so no request
   * pays for building one (a few hundred milliseconds at 100,000 documents) on first use.
   * `by_creation_time` is still built on first use: most tables are never read in that order.
   */
  buildAll(): void {
    for (const [table, { docs }] of this.tables) {
      if (docs.size === 0) continue;
      const declared = this.db._schema?.tables.get(table)?.indexes ?? [];
      for (const index of declared.map((i) => i.indexDescriptor)) {
        this.list({ table, index, fields: indexFields(this.db, table, index) });
      }
    }
  }

  /** The sorted list of an index, built on first use and maintained from then on. */
  private list(plan: Pick<Plan, "table" | "index" | "fields">): Lists {
    const table = this.table(plan.table);
    let index = table.lists.get(plan.index);
    if (index === undefined) {
      const fields = plan.fields;
      const list = SortedList.from(table.docs.values(), (a: Doc, b: Doc) =>
        compareDocs(a, b, fields),
      );
      index = { fields, list };
      table.lists.set(plan.index, index);
    }
    return index.list;
  }

  private apply(id: string, before: Doc | null, after: Doc | null): void {
    const table = this.table(tableOf(id));
    if (after === null) table.docs.delete(id);
    else table.docs.set(id, after);
    for (const { fields, list } of table.lists.values()) {
      if (before !== null && after !== null && compareDocs(before, after, fields) === 0) {
        list.replace(after);
        continue;
      }
      if (before !== null) list.remove(before);
      if (after !== null) list.insert(after);
    }
  }

  /**
   * The documents of a plan's range in its order, unfiltered: committed ones read from the
   * index (from just after `after` when paginating), merged with the transaction's own writes.
   */
  stream(plan: Plan, after: Key | null): Iterable<Doc> {
    const list = this.list(plan);
    const desc = plan.order === "desc";
    const key = (doc: Doc) => committedKey(doc, plan.fields);
    let lo = list.partition((d) => beforeRange(plan, key(d)));
    let hi = list.partition((d) => notAfterRange(plan, key(d)));
    if (after !== null) {
      const cursor = (key: Key) => compareKeys(key, after);
      if (desc)
        hi = minPosition(
          hi,
          list.partition((d) => cursor(key(d)) < 0),
        );
      else
        lo = maxPosition(
          lo,
          list.partition((d) => cursor(key(d)) <= 0),
        );
    }
    const committed = list.range(lo, hi, desc);
    const written = this.pendingIds(plan.table);
    if (written.size === 0) return committed;
    const dir = desc ? -1 : 1;
    const pending: Entry[] = [];
    for (const id of written) {
      const doc = this.db.get(plan.table, id);
      if (doc === null || !plan.range.every((r) => evaluateRangeFilter(doc, r))) continue;
      if (after !== null && this.db._docIsAfterCursor(doc, after, plan.fields, plan.order) <= 0) {
        continue;
      }
      pending.push({ key: keyOf(doc, plan.fields), doc });
    }
    pending.sort((a, b) => dir * compareEntries(a, b));
    return merge(committed, pending, written, dir, plan.fields);
  }

  /** Ids of the table written by the open transaction, at any nesting level. */
  private pendingIds(table: string): Set<string> {
    const ids = new Set<string>();
    for (const level of this.db._writes) {
      for (const id of Object.keys(level)) if (tableOf(id) === table) ids.add(id);
    }
    return ids;
  }

  startQuery(query: Query): number {
    const plan = planQuery(this.db, query);
    if (plan === null) return this.proto.startQuery.call(this.db, query);
    const queryId = this.db._nextQueryId++;
    this.streams.set(queryId, filterAndLimit(this.stream(plan, null), plan)[Symbol.iterator]());
    // A query abandoned by a failed function is never cleaned up: bound what they can hold.
    if (this.streams.size > MAX_OPEN_STREAMS)
      this.streams.delete(this.streams.keys().next().value!);
    return queryId;
  }

  queryNext(queryId: number): { value: Doc | null; done: boolean } {
    const stream = this.streams.get(queryId);
    if (stream === undefined) return this.proto.queryNext.call(this.db, queryId);
    const next = stream.next();
    if (next.done === true) {
      this.streams.delete(queryId);
      return { value: null, done: true };
    }
    return { value: next.value, done: false };
  }

  /** Search sources keep the engine's own scan, over this table's documents only. */
  private iterateDocs(table: string, callback: (doc: Doc) => void): void {
    const ids = new Set(this.table(table).docs.keys());
    for (const id of this.pendingIds(table)) ids.add(id);
    for (const id of ids) {
      const doc = this.db.get(table, id);
      if (doc !== null) callback(doc);
    }
  }

  paginate(args: PageArgs): PageResult {
    const plan = planQuery(this.db, args.query);
    if (plan === null) return this.proto.paginate.call(this.db, args);
    return paginatePlan(this, this.db, plan, args);
  }
}

function tableOf(id: string): string {
  return tableNameFromId(id) ?? "";
}

function parseCursor(cursor: string | null | undefined): Key | null {
  if (!cursor) return null;
  return (JSON.parse(cursor) as Array<string | null>).map((k) =>
    k === null ? undefined : jsonToConvex(JSON.parse(k) as never),
  );
}

/**
 * convex-test's `paginate`, reading from the index: the same page, cursors, split cursor and
 * page status, but it seeks to the cursor instead of walking the table up to it.
 */
function paginatePlan(
  layer: IndexedDatabase,
  db: FakeDatabase,
  plan: Plan,
  args: PageArgs,
): PageResult {
  const { cursor, endCursor, pageSize, maximumRowsRead, maximumBytesRead } = args;
  const fields = plan.fields;
  const endKeys = endCursor && endCursor !== "_end_cursor" ? parseCursor(endCursor) : null;
  const docs = cursor === "_end_cursor" ? [] : layer.stream(plan, parseCursor(cursor));
  const page: Doc[] = [];
  const readCursors: string[] = [];
  const filter = (doc: Doc) => plan.filters.every((f) => evaluateFilter(doc, f));
  let continueCursor = "_end_cursor";
  let pageStatus: PageResult["pageStatus"] = null;
  let rowsRead = 0;
  let bytesRead = 0;
  const iterator = docs[Symbol.iterator]();
  let next = iterator.next();
  while (next.done !== true) {
    const doc = next.value;
    next = iterator.next();
    if (endKeys !== null) {
      const cmp = db._docIsAfterCursor(doc, endKeys, fields, plan.order);
      if (cmp >= 0) {
        if (cmp === 0) {
          rowsRead += 1;
          readCursors.push(db._encodeCursor(doc, fields));
          if (filter(doc)) page.push(doc);
          continueCursor = db._encodeCursor(doc, fields);
        }
        break;
      }
    }
    rowsRead += 1;
    bytesRead += getDocumentSize(doc);
    readCursors.push(db._encodeCursor(doc, fields));
    const hitLimit =
      (!!maximumRowsRead && rowsRead >= maximumRowsRead) ||
      (!!maximumBytesRead && bytesRead >= maximumBytesRead);
    if (filter(doc)) page.push(doc);
    if (hitLimit) {
      pageStatus = "SplitRequired";
      continueCursor = db._encodeCursor(doc, fields);
      break;
    }
    if (!endCursor && page.length >= pageSize) {
      if (next.done !== true) continueCursor = db._encodeCursor(doc, fields);
      break;
    }
  }
  let splitCursor: string | null = null;
  const middle = readCursors[Math.floor((readCursors.length - 1) / 2)] ?? null;
  if (pageStatus === "SplitRequired" && readCursors.length >= 2) {
    splitCursor = middle;
  } else if (pageStatus === null && rowsRead > pageSize + 1 && readCursors.length >= 2) {
    pageStatus = "SplitRecommended";
    splitCursor = middle;
  }
  return {
    page,
    isDone: continueCursor === "_end_cursor",
    continueCursor,
    splitCursor,
    pageStatus,
  };
}

/** Attaches the index layer to every component of an engine (after any restore). */
export function installIndexes(t: ConvexEngine): IndexedDatabase[] {
  return Object.values(databasesOf(t)).map((db) => {
    const layer = new IndexedDatabase(db);
    layer.buildAll();
    return layer;
  });
}
