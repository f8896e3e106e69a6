/**
 * The shape of convex-test's private per-component database (`DatabaseFake`), as far as the local
 * runtime's index layer and commit log use it, and a hook on its top-level commits. These are
 * internals of the pinned convex-test version, reached through patches/convex-test+*.patch.
 */
import type { Value } from "convex/values";
import type { ConvexEngine } from "./engine";

export type Doc = Record<string, Value> & { _id: string; _creationTime: number };

export type RangeExpr = {
  type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte";
  fieldPath: string;
  value: unknown;
};

export type QuerySource =
  | { type: "FullTableScan"; tableName: string; order?: "asc" | "desc" | null }
  | { type: "IndexRange"; indexName: string; range: RangeExpr[]; order?: "asc" | "desc" | null }
  | { type: "Search"; indexName: string; filters: unknown[] };

export type QueryOperator = { filter: unknown } | { limit: number };
export type Query = { source: QuerySource; operators: QueryOperator[] };

export type PageArgs = {
  query: Query;
  cursor: string | null;
  endCursor?: string | null;
  pageSize: number;
  maximumRowsRead?: number;
  maximumBytesRead?: number;
};

export type PageResult = {
  page: Doc[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: "SplitRecommended" | "SplitRequired" | null;
};

type IndexDescription = { indexDescriptor: string; fields: string[] };

export type FakeDatabase = {
  _documents: Record<string, Doc>;
  /** Pending writes per nesting level of the open transaction (`null` = deleted). */
  _writes: Array<Record<string, Doc | null>>;
  _storage: Record<string, Blob>;
  _nextDocId: number;
  _lastCreationTime: number;
  _nextQueryId: number;
  _schema: { tables: Map<string, { indexes: IndexDescription[] }> } | null;
  _encodeCursor(doc: Doc, fieldPaths: string[]): string;
  _docIsAfterCursor(
    doc: Doc,
    cursorKeys: Array<Value | undefined>,
    fieldPaths: string[],
    order: "asc" | "desc",
  ): number;
  _iterateDocs(tableName: string, callback: (doc: Doc) => void): void;
  get(tableName: string | undefined, id: string): Doc | null;
  commit(commitTs: bigint | null): void;
  storeFile(storageId: string, blob: Blob): void;
  startQuery(query: Query): number;
  queryNext(queryId: number): { value: Doc | null; done: boolean };
  queryCleanup?(queryId: number): void;
  paginate(args: PageArgs): PageResult;
};

/** Each component's database, keyed by component path ("" is the app). */
export function databasesOf(t: ConvexEngine): Record<string, FakeDatabase> {
  return t.databases() as Record<string, FakeDatabase>;
}

export type CommitWatcher = (id: string, before: Doc | null, after: Doc | null) => void;

/**
 * Calls `watcher` for every document a top-level commit applies to the database, with the
 * committed versions before and after (`null` = absent). Nested commits only merge writes into
 * their parent and are not reported.
 */
export function watchCommits(db: FakeDatabase, watcher: CommitWatcher): void {
  const commit = db.commit.bind(db);
  db.commit = (commitTs) => {
    const top = db._writes.length === 1 ? db._writes[0] : undefined;
    if (top === undefined) return commit(commitTs);
    const ids = Object.keys(top);
    const before = ids.map((id) => db._documents[id] ?? null);
    commit(commitTs);
    ids.forEach((id, i) => watcher(id, before[i]!, db._documents[id] ?? null));
  };
}
