/**
 * Durable state for the local runtime: every top-level commit becomes one record of the commit
 * log (the documents it wrote, the id counters and the commit clock), and callers wait for
 * `flushed()` before acknowledging work; compaction writes the whole state into the snapshot
 * (`state.json`, serialised in slices so the event loop stays free) and drops older logs. On
 * start, the snapshot plus the log records after it rebuild the state of the last durable commit.
 */
import type { EngineSnapshot } from "convex-test";
import { convexToJson, type JSONValue } from "convex/values";
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import path from "node:path";
import { setImmediate as nextTick } from "node:timers/promises";
import { encodeFrame, listLogs, LogWriter, readLog, removeLogs, syncDirectory } from "./commitLog";
import type { ConvexEngine } from "./engine";
import { databasesOf, watchCommits, type Doc, type FakeDatabase } from "./fakeDatabase";

/** The snapshot file: the engine's snapshot plus the last log record it includes. */
export type StateFile = EngineSnapshot & { walSeq?: number };

type ComponentWrites = {
  nextDocId: number;
  lastCreationTime: number;
  writes: Array<[string, JSONValue | null]>;
};
export type CommitRecord = { seq: number; ts: string; components: Record<string, ComponentWrites> };
type BlobRecord = {
  seq: number;
  blob: { component: string; id: string; type: string; base64: string };
};
type LogRecord = CommitRecord | BlobRecord;

export type Recovered = {
  snapshot: StateFile | null;
  /** Sequence number of the last record applied (the next record gets seq + 1). */
  seq: number;
  /** The generation new records go to. */
  nextGeneration: number;
  /** Log records applied on top of the snapshot. */
  replayed: number;
  /** Bytes cut from the end of the log (a record torn by a crash). */
  droppedBytes: number;
};

export function readStateFile(statePath: string): StateFile | null {
  if (!existsSync(statePath)) return null;
  return JSON.parse(readFileSync(statePath, "utf8")) as StateFile;
}

/** Snapshot writes a crash interrupted (`state.json.<pid>.<n>.tmp`); never renamed, never read. */
function removeUnfinishedSnapshots(statePath: string): void {
  const prefix = `${path.basename(statePath)}.`;
  for (const name of existsSync(path.dirname(statePath))
    ? readdirSync(path.dirname(statePath))
    : []) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) {
      rmSync(path.join(path.dirname(statePath), name), { force: true });
    }
  }
}

/** Deletes the snapshot and every log generation. */
export function removeState(statePath: string): void {
  rmSync(statePath, { force: true });
  removeLogs(statePath);
}

function emptyComponent(): EngineSnapshot["components"][string] {
  return { nextDocId: 10000, lastCreationTime: 0, documents: [], storage: {} };
}

/** Applies log records to a snapshot held as JSON, keyed by document id while it is replayed. */
class Replay {
  private docs = new Map<string, Map<string, unknown>>();
  constructor(readonly state: StateFile) {}

  private component(name: string) {
    const component = (this.state.components[name] ??= emptyComponent());
    let docs = this.docs.get(name);
    if (docs === undefined) {
      docs = new Map(component.documents.map((d) => [(d as { _id: string })._id, d]));
      this.docs.set(name, docs);
    }
    return { component, docs };
  }

  apply(record: LogRecord): void {
    if ("blob" in record) {
      const { component: name, id, type, base64 } = record.blob;
      this.component(name).component.storage[id] = { type, base64 };
      return;
    }
    this.state.lastCommitTs = record.ts;
    for (const [name, writes] of Object.entries(record.components)) {
      const { component, docs } = this.component(name);
      component.nextDocId = writes.nextDocId;
      component.lastCreationTime = writes.lastCreationTime;
      for (const [id, doc] of writes.writes) {
        if (doc === null) docs.delete(id);
        else docs.set(id, doc);
      }
    }
  }

  finish(seq: number): StateFile {
    for (const [name, docs] of this.docs)
      this.state.components[name]!.documents = [...docs.values()];
    return { ...this.state, walSeq: seq };
  }
}

/**
 * Rebuilds the last durable state: the snapshot, then each log record after it, in order. The
 * first torn or corrupt record ends the log; it and anything after it are removed from disk.
 */
export function recoverState(statePath: string): Recovered {
  removeUnfinishedSnapshots(statePath);
  const snapshot = readStateFile(statePath);
  const base: StateFile = snapshot ?? { format: 1, lastCommitTs: "0", components: {} };
  let seq = snapshot?.walSeq ?? 0;
  const replay = new Replay(base);
  const logs = listLogs(statePath);
  let replayed = 0;
  let droppedBytes = 0;
  let broken = false;
  for (const log of logs) {
    if (broken) {
      droppedBytes += readLog(log.file).size;
      rmSync(log.file, { force: true });
      continue;
    }
    const { records, validBytes, size } = readLog(log.file);
    for (const record of records as LogRecord[]) {
      if (record.seq <= seq) continue;
      if (record.seq !== seq + 1) {
        broken = true; // a gap: what follows cannot be applied in order
        break;
      }
      replay.apply(record);
      seq = record.seq;
      replayed += 1;
    }
    if (broken || validBytes < size) {
      droppedBytes += size - validBytes;
      truncateSync(log.file, validBytes);
      broken = true;
    }
  }
  const state = replayed > 0 || snapshot !== null ? replay.finish(seq) : null;
  const nextGeneration = (logs[logs.length - 1]?.gen ?? 0) + 1;
  return { snapshot: state, seq, nextGeneration, replayed, droppedBytes };
}

type Captured = {
  seq: number;
  lastCommitTs: string;
  components: Array<{
    name: string;
    nextDocId: number;
    lastCreationTime: number;
    docs: Doc[];
    blobs: Array<[string, Blob]>;
  }>;
};

/** The committed state at this instant (documents are immutable once committed, so refs do). */
function capture(dbs: Record<string, FakeDatabase>, seq: number, lastCommitTs: string): Captured {
  return {
    seq,
    lastCommitTs,
    components: Object.entries(dbs).map(([name, db]) => ({
      name,
      nextDocId: db._nextDocId,
      lastCreationTime: db._lastCreationTime,
      docs: Object.values(db._documents),
      blobs: Object.entries(db._storage),
    })),
  };
}

const SLICE = 500;
let snapshotWrites = 0;

/** Writes a captured state as the snapshot file: temp file, fsync, rename, fsync directory. */
async function writeSnapshot(statePath: string, state: Captured): Promise<void> {
  const tmp = `${statePath}.${process.pid}.${++snapshotWrites}.tmp`;
  const handle = await open(tmp, "w");
  try {
    const head = { format: 1, lastCommitTs: state.lastCommitTs, walSeq: state.seq };
    await handle.write(`${JSON.stringify(head).slice(0, -1)},"components":{`);
    for (const [i, c] of state.components.entries()) {
      const storage: Record<string, { type: string; base64: string }> = {};
      for (const [id, blob] of c.blobs) {
        storage[id] = {
          type: blob.type,
          base64: Buffer.from(await blob.arrayBuffer()).toString("base64"),
        };
      }
      const meta = { nextDocId: c.nextDocId, lastCreationTime: c.lastCreationTime, storage };
      await handle.write(
        `${i > 0 ? "," : ""}${JSON.stringify(c.name)}:${JSON.stringify(meta).slice(0, -1)},"documents":[`,
      );
      for (let at = 0; at < c.docs.length; at += SLICE) {
        const slice = c.docs.slice(at, at + SLICE).map((d) => JSON.stringify(convexToJson(d)));
        await handle.write((at > 0 ? "," : "") + slice.join(","));
        await nextTick(); // let requests in between slices
      }
      await handle.write("]}");
    }
    await handle.write("}}");
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, statePath);
  syncDirectory(path.dirname(statePath));
}

/** How far past its threshold a held log may grow before it is compacted anyway. */
const HELD_LOG_FACTOR = 8;

export type DurableStore = {
  /** Resolves once every commit made so far is on disk. */
  flushed(): Promise<void>;
  /** Writes the whole state into the snapshot and deletes the logs it covers. */
  compact(): Promise<void>;
  /**
   * While `hold()` is true, compaction waits (it costs the thread seconds on a large state)
   * unless the log has grown past `HELD_LOG_FACTOR` times the threshold.
   */
  holdCompaction(hold: (() => boolean) | null): void;
  /** Flushes, compacts and closes the log. */
  close(): Promise<void>;
};

export type DurableOptions = {
  /** Log bytes after which a compaction starts (default 64 MiB). */
  compactBytes?: number;
};

/** Hooks the commit log into every component's commits and blob writes. */
export function openDurableStore(
  t: ConvexEngine,
  statePath: string,
  recovered: Recovered,
  options: DurableOptions = {},
): DurableStore {
  const dbs = databasesOf(t);
  const writer = new LogWriter(statePath, recovered.seq, recovered.nextGeneration);
  let lastCommitTs = recovered.snapshot?.lastCommitTs ?? "0";
  let changes: Record<string, ComponentWrites> = {};
  for (const [name, db] of Object.entries(dbs)) {
    watchCommits(db, (id, _before, after) => {
      const entry = (changes[name] ??= { nextDocId: 0, lastCreationTime: 0, writes: [] });
      entry.nextDocId = db._nextDocId;
      entry.lastCreationTime = db._lastCreationTime;
      entry.writes.push([id, after === null ? null : convexToJson(after as never)]);
    });
    const storeFile = db.storeFile.bind(db);
    db.storeFile = (id, blob) => {
      storeFile(id, blob);
      writer.append(async (seq) => {
        const base64 = Buffer.from(await blob.arrayBuffer()).toString("base64");
        const record: BlobRecord = { seq, blob: { component: name, id, type: blob.type, base64 } };
        return encodeFrame(JSON.stringify(record));
      }, blob.size * 1.4);
    };
  }

  let closed = false;
  // Compactions run one after the other; each covers every commit made before it was asked for.
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  const compactNow = async () => {
    const state = capture(dbs, writer.lastSeq, lastCommitTs);
    const oldGeneration = writer.rotate();
    await writeSnapshot(statePath, state);
    await writer.flushed(state.seq);
    removeLogs(statePath, oldGeneration);
  };
  const compact = () => {
    queued += 1;
    const run = chain.then(compactNow).finally(() => (queued -= 1));
    chain = run.catch(() => undefined);
    return run;
  };
  const compactBytes = options.compactBytes ?? 64 * 1024 * 1024;
  let hold: (() => boolean) | null = null;
  const due = () => {
    const bytes = writer.bytesInGeneration;
    if (bytes <= compactBytes || queued > 0) return false;
    return hold === null || bytes > compactBytes * HELD_LOG_FACTOR || !hold();
  };

  const unsubscribe = t.onCommit((ts) => {
    lastCommitTs = ts.toString();
    const record = { ts: lastCommitTs, components: changes };
    changes = {};
    writer.append((seq) => encodeFrame(JSON.stringify({ seq, ...record })));
    if (due()) {
      compact().catch((error: unknown) => console.error("[local] compaction failed", error));
    }
  });

  return {
    flushed: () => writer.flushed(),
    compact,
    holdCompaction: (next) => {
      hold = next;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      await writer.flushed();
      await compact();
      await writer.close();
    },
  };
}
