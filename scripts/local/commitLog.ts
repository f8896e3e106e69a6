/**
 * The local runtime's append-only commit log: one framed record per committed transaction
 * (`[u32 length][u32 crc32][JSON]`), written in order and fsynced in groups, so a caller can wait
 * until its commit is on disk before answering. Logs are numbered generations next to the state
 * snapshot (`state-000003.log`); a compaction starts a new generation and deletes the old ones.
 * On start, a record cut short by a crash (or failing its checksum) ends the log: it is dropped.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";

const HEADER = 8;

/** One framed record: 4 bytes length, 4 bytes CRC-32 of the payload, the payload. */
export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, "utf8");
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, HEADER);
  return frame;
}

/** The records of a log file up to the first incomplete or corrupt frame. */
export function decodeFrames(buf: Buffer): { records: unknown[]; validBytes: number } {
  const records: unknown[] = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const end = offset + HEADER + length;
    if (end > buf.length) break;
    const body = buf.subarray(offset + HEADER, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) break;
    try {
      records.push(JSON.parse(body.toString("utf8")));
    } catch {
      break;
    }
    offset = end;
  }
  return { records, validBytes: offset };
}

export type LogFile = { gen: number; file: string };

function logPrefix(statePath: string): { dir: string; base: string } {
  return { dir: path.dirname(statePath), base: path.basename(statePath).replace(/\.json$/, "") };
}

export function logPath(statePath: string, gen: number): string {
  const { dir, base } = logPrefix(statePath);
  return path.join(dir, `${base}-${String(gen).padStart(6, "0")}.log`);
}

/** The log generations next to a state file, oldest first. */
export function listLogs(statePath: string): LogFile[] {
  const { dir, base } = logPrefix(statePath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)\\.log$`);
  return names
    .flatMap((name) => {
      const m = pattern.exec(name);
      return m ? [{ gen: Number(m[1]), file: path.join(dir, name) }] : [];
    })
    .sort((a, b) => a.gen - b.gen);
}

export function readLog(file: string): { records: unknown[]; validBytes: number; size: number } {
  const buf = readFileSync(file);
  return { ...decodeFrames(buf), size: buf.length };
}

/** Makes a created, renamed or deleted directory entry durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeLogs(statePath: string, upToGen = Infinity): void {
  for (const log of listLogs(statePath)) {
    if (log.gen <= upToGen) rmSync(log.file, { force: true });
  }
}

type Pending = { gen: number; seq: number; frame: Buffer | Promise<Buffer> };
type Waiter = { seq: number; resolve: () => void; reject: (error: unknown) => void };

/**
 * Appends frames in order and fsyncs them in groups: `append` is synchronous (it only queues),
 * `flushed()` resolves once everything appended before the call is on disk.
 */
export class LogWriter {
  private queue: Pending[] = [];
  private waiters: Waiter[] = [];
  private pumping = false;
  private file: { gen: number; handle: FileHandle } | null = null;
  private failure: unknown = null;
  private durableSeq: number;
  /** Bytes appended to the current generation (compaction starts a new one). */
  bytesInGeneration = 0;

  constructor(
    private readonly statePath: string,
    /** Sequence number of the last record already durable (from recovery). */
    public lastSeq: number,
    public generation: number,
  ) {
    this.durableSeq = lastSeq;
  }

  /** Queues the record built for the next sequence number (`sizeHint`: its size if async). */
  append(build: (seq: number) => Buffer | Promise<Buffer>, sizeHint = 0): number {
    const seq = ++this.lastSeq;
    const frame = build(seq);
    this.queue.push({ gen: this.generation, seq, frame });
    this.bytesInGeneration += frame instanceof Buffer ? frame.length : sizeHint;
    if (!this.pumping) {
      this.pumping = true;
      void this.pump();
    }
    return seq;
  }

  /** Starts a new generation: records appended from now on go to a new file. */
  rotate(): number {
    const old = this.generation;
    this.generation += 1;
    this.bytesInGeneration = 0;
    return old;
  }

  /** Resolves once every record up to `seq` (default: all appended so far) is on disk. */
  flushed(seq = this.lastSeq): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure as Error);
    if (this.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        for (let i = 0; i < batch.length;) {
          const gen = batch[i]!.gen;
          let j = i;
          while (j < batch.length && batch[j]!.gen === gen) j++;
          const frames = await Promise.all(batch.slice(i, j).map((p) => p.frame));
          await writeAll(await this.handleFor(gen), Buffer.concat(frames));
          i = j;
        }
        await this.file!.handle.datasync();
        this.durableSeq = batch[batch.length - 1]!.seq;
        this.waiters = this.waiters.filter((w) => {
          if (w.seq > this.durableSeq) return true;
          w.resolve();
          return false;
        });
      }
    } catch (error) {
      this.failure = error;
      console.error("[local] commit log write failed; later commits are not durable", error);
      for (const w of this.waiters.splice(0)) w.reject(error);
    } finally {
      this.pumping = false;
    }
  }

  private async handleFor(gen: number): Promise<FileHandle> {
    if (this.file?.gen === gen) return this.file.handle;
    if (this.file !== null) {
      await this.file.handle.datasync();
      await this.file.handle.close();
    }
    const file = logPath(this.statePath, gen);
    const handle = await open(file, "a");
    syncDirectory(path.dirname(file));
    this.file = { gen, handle };
    return handle;
  }

  /** Waits for the queue to drain and closes the file. */
  async close(): Promise<void> {
    await this.flushed().catch(() => undefined);
    await this.file?.handle.close();
    this.file = null;
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}
