// @vitest-environment node
/**
 * The local runtime's index layer answers exactly as convex-test's full scan: on random
 * documents (committed, patched, deleted, and pending in the open transaction) and random
 * queries (any index, equality prefix, bounds, order, filters, limits, pages and page splits)
 * every result, cursor and page status is the same; and an indexed read does not scan the table.
 */
import { convexTest } from "convex-test";
import { defineSchema, defineTable } from "convex/server";
import { convexToJson, v, type Value } from "convex/values";
import fc from "fast-check";
import path from "node:path";
import { expect, test } from "vitest";
import { moduleMap } from "../scripts/local/engine";
import type { Doc, FakeDatabase, PageArgs, Query } from "../scripts/local/fakeDatabase";
import { databasesOf } from "../scripts/local/fakeDatabase";
import { installIndexes } from "../scripts/local/indexes";
import { SortedList } from "../scripts/local/sortedList";

const schema = defineSchema({
  items: defineTable({
    a: v.optional(v.union(v.number(), v.string(), v.null())),
    b: v.number(),
    tag: v.string(),
    obj: v.optional(v.object({ x: v.number() })),
  })
    .index("by_a", ["a"])
    .index("by_b_and_tag", ["b", "tag"])
    .index("by_obj_x", ["obj.x"]),
  others: defineTable({ b: v.number() }).index("by_b", ["b"]),
});
const modules = moduleMap(path.join(import.meta.dirname, "fixtures", "localApp", "convex"));

const INDEXES: Record<string, string[]> = {
  by_a: ["a"],
  by_b_and_tag: ["b", "tag"],
  by_obj_x: ["obj.x"],
  by_creation_time: [],
  by_id: [],
};
const aValue = fc.constantFrom<Value | undefined>(undefined, null, 0, 1, 2, "x", "y");
const item = fc.record({
  a: aValue,
  b: fc.integer({ min: 0, max: 4 }),
  tag: fc.constantFrom("a", "b", "c", "d"),
  obj: fc.option(fc.record({ x: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
});
type Item = { a: Value | undefined; b: number; tag: string; obj: { x: number } | undefined };
type Op =
  | { kind: "insert"; table: "items" | "others"; doc: Item }
  | { kind: "patch"; at: number; doc: Item }
  | { kind: "delete"; at: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: item.map((doc) => ({ kind: "insert", table: "items", doc }) as Op) },
  { weight: 1, arbitrary: item.map((doc) => ({ kind: "insert", table: "others", doc }) as Op) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("patch"), at: fc.nat(), doc: item }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete"), at: fc.nat() }) },
);

type Spec = {
  index: string;
  eqCount: number;
  values: [Value | undefined, number, string];
  lower: ["Gt" | "Gte", number] | undefined;
  upper: ["Lt" | "Lte", number] | undefined;
  order: "asc" | "desc";
  filterB: number | undefined;
  limit: number | undefined;
  pageSize: number;
  maxRows: number | undefined;
};
type QuerySpec = { spec: Spec; lowerValue: Value | undefined; upperValue: Value | undefined };

const tagValue = fc.constantFrom("a", "b", "c", "d");
const boundValue = (field: string): fc.Arbitrary<Value | undefined> =>
  field === "a" ? aValue : field === "tag" ? tagValue : fc.nat(4);
const specArb: fc.Arbitrary<Spec> = fc.record({
  index: fc.constantFrom(...Object.keys(INDEXES), "scan"),
  eqCount: fc.nat(2),
  values: fc.tuple(aValue, fc.nat(4), tagValue),
  lower: fc.option(fc.tuple(fc.constantFrom<"Gt" | "Gte">("Gt", "Gte"), fc.nat(4)), {
    nil: undefined,
  }),
  upper: fc.option(fc.tuple(fc.constantFrom<"Lt" | "Lte">("Lt", "Lte"), fc.nat(4)), {
    nil: undefined,
  }),
  order: fc.constantFrom<"asc" | "desc">("asc", "desc"),
  filterB: fc.option(fc.nat(4), { nil: undefined }),
  limit: fc.option(fc.nat(6), { nil: undefined }),
  pageSize: fc.integer({ min: 1, max: 5 }),
  maxRows: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
});
const queryArb: fc.Arbitrary<QuerySpec> = specArb.chain((spec) => {
  const fields = INDEXES[spec.index] ?? [];
  const next = fields[Math.min(spec.eqCount, fields.length)];
  const bound = next === undefined ? fc.constant(undefined) : boundValue(next);
  return fc.record({ spec: fc.constant(spec), lowerValue: bound, upperValue: bound });
});

const json = (value: Value | undefined) =>
  value === undefined ? { $undefined: null } : convexToJson(value);

/** The serialized query the Convex client would send for a random spec. */
function buildQuery({ spec, lowerValue, upperValue }: QuerySpec): Query {
  const operators: Query["operators"] = [];
  if (spec.filterB !== undefined) {
    operators.push({ filter: { $gte: [{ $field: "b" }, { $literal: spec.filterB }] } });
  }
  if (spec.limit !== undefined) operators.push({ limit: spec.limit });
  if (spec.index === "scan") {
    return { source: { type: "FullTableScan", tableName: "items", order: spec.order }, operators };
  }
  const fields = INDEXES[spec.index]!;
  const eqCount = Math.min(spec.eqCount, fields.length);
  const valueOf = (field: string) =>
    field === "a" ? spec.values[0] : field === "b" ? spec.values[1] : spec.values[2];
  const range: Array<{
    type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
    fieldPath: string;
    value: unknown;
  }> = fields.slice(0, eqCount).map((f) => ({ type: "Eq", fieldPath: f, value: json(valueOf(f)) }));
  const next = fields[eqCount];
  if (next !== undefined && spec.lower !== undefined) {
    range.push({ type: spec.lower[0], fieldPath: next, value: json(lowerValue) });
  }
  if (next !== undefined && spec.upper !== undefined) {
    range.push({ type: spec.upper[0], fieldPath: next, value: json(upperValue) });
  }
  return {
    source: { type: "IndexRange", indexName: `items.${spec.index}`, range, order: spec.order },
    operators,
  };
}

type Ctx = {
  db: {
    insert(table: string, value: Record<string, Value>): Promise<string>;
    patch(id: string, value: Record<string, Value | undefined>): Promise<void>;
    delete(id: string): Promise<void>;
  };
};

/** Applies random writes through the public database API, tracking the live ids. */
async function applyOps(ctx: Ctx, ops: Op[], ids: string[]) {
  const fields = (doc: Item) => {
    const out: Record<string, Value> = { b: doc.b, tag: doc.tag };
    if (doc.a !== undefined) out.a = doc.a;
    if (doc.obj !== undefined) out.obj = doc.obj;
    return out;
  };
  for (const o of ops) {
    if (o.kind === "insert") {
      const id = await ctx.db.insert(o.table, o.table === "items" ? fields(o.doc) : { b: o.doc.b });
      if (o.table === "items") ids.push(id);
    } else if (ids.length > 0) {
      const at = o.at % ids.length;
      if (o.kind === "patch") {
        await ctx.db.patch(ids[at]!, { ...fields(o.doc), a: o.doc.a, obj: o.doc.obj });
      } else {
        await ctx.db.delete(ids[at]!);
        ids.splice(at, 1);
      }
    }
  }
}

/** Runs `read` with the database's own full-scan methods instead of the index layer. */
function withFullScan<T>(db: FakeDatabase, read: () => T): T {
  const proto = Object.getPrototypeOf(db) as FakeDatabase;
  const layered = {
    startQuery: db.startQuery,
    queryNext: db.queryNext,
    paginate: db.paginate,
    _iterateDocs: db._iterateDocs,
  };
  Object.assign(db, {
    startQuery: proto.startQuery,
    queryNext: proto.queryNext,
    paginate: proto.paginate,
    _iterateDocs: proto._iterateDocs,
  });
  try {
    return read();
  } finally {
    Object.assign(db, layered);
  }
}

function drain(db: FakeDatabase, query: Query): Doc[] {
  const queryId = db.startQuery(query);
  const out: Doc[] = [];
  for (;;) {
    const { value, done } = db.queryNext(queryId);
    if (done) return out;
    out.push(value!);
  }
}

/** Every page of a query, following continue cursors until done. */
function pages(db: FakeDatabase, query: Query, spec: Spec) {
  const out: unknown[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 40; i++) {
    const args: PageArgs = {
      query,
      cursor,
      pageSize: spec.pageSize,
      maximumRowsRead: spec.maxRows,
    };
    const result = db.paginate(args);
    out.push(result);
    if (result.isDone) break;
    cursor = result.continueCursor;
    if (i === 2 && result.splitCursor !== null) {
      out.push(db.paginate({ ...args, endCursor: result.splitCursor }));
    }
  }
  return out;
}

test("indexed reads equal the full scan on random data and random queries", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(op, { maxLength: 25 }), { maxLength: 4 }),
      fc.array(op, { maxLength: 8 }),
      fc.array(queryArb, { minLength: 1, maxLength: 8 }),
      async (batches, pending, queries) => {
        const t = convexTest({ schema, modules });
        installIndexes(t);
        const db = databasesOf(t)[""]!;
        const ids: string[] = [];
        for (const batch of batches)
          await t.run((ctx) => applyOps(ctx as unknown as Ctx, batch, ids));
        await t.run(async (ctx) => {
          await applyOps(ctx as unknown as Ctx, pending, ids);
          for (const q of queries) {
            const query = buildQuery(q);
            expect(drain(db, query)).toEqual(withFullScan(db, () => drain(db, query)));
            expect(pages(db, query, q.spec)).toEqual(
              withFullScan(db, () => pages(db, query, q.spec)),
            );
          }
        });
        t.dispose();
      },
    ),
    { numRuns: 150, seed: 20261129 },
  );
});

test("the sorted list keeps random inserts and removals in order and seeks like a sorted array", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2000 })), { maxLength: 3000 }),
      fc.integer({ min: -1, max: 2001 }),
      (ops, probe) => {
        const list = new SortedList<number>((a, b) => a - b);
        const model = new Set<number>();
        for (const [insert, value] of ops) {
          if (insert && !model.has(value)) {
            list.insert(value);
            model.add(value);
          } else if (!insert) {
            expect(list.remove(value)).toBe(model.delete(value));
          }
        }
        const sorted = [...model].sort((a, b) => a - b);
        expect([...list]).toEqual(sorted);
        expect(list.size).toBe(sorted.length);
        const at = list.partition((x) => x < probe);
        const end = list.partition(() => true);
        expect([...list.range(at, end)]).toEqual(sorted.filter((x) => x >= probe));
        expect([
          ...list.range(
            list.partition(() => false),
            at,
            true,
          ),
        ]).toEqual(sorted.filter((x) => x < probe).reverse());
      },
    ),
    { numRuns: 200, seed: 20261129 },
  );
});

test("an indexed take(10) reads only the documents it returns, not the table", async () => {
  const t = convexTest({ schema, modules });
  await t.run(async (ctx) => {
    for (let i = 0; i < 5000; i++) await ctx.db.insert("items", { b: i % 50, tag: "a" });
  });
  installIndexes(t);
  const db = databasesOf(t)[""]!;
  const query: Query = {
    source: {
      type: "IndexRange",
      indexName: "items.by_b_and_tag",
      range: [{ type: "Eq", fieldPath: "b", value: 7 }],
      order: "desc",
    },
    operators: [{ limit: 10 }],
  };
  await t.run(async () => {
    drain(db, query); // builds the index once
    let touched = 0;
    const documents = db._documents;
    db._documents = new Proxy(documents, {
      get: (target, key) => {
        touched += 1;
        return Reflect.get(target, key) as unknown;
      },
      ownKeys: (target) => {
        touched += Object.keys(target).length;
        return Reflect.ownKeys(target);
      },
    });
    try {
      expect(drain(db, query).map((d) => d.b)).toEqual(Array(10).fill(7));
      expect(touched).toBeLessThan(20);
      touched = 0;
      withFullScan(db, () => drain(db, query));
      expect(touched).toBeGreaterThan(5000); // the full scan, for contrast
    } finally {
      db._documents = documents;
    }
  });
  t.dispose();
});
