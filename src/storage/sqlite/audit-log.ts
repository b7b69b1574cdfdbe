import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// The audit trail's write-ahead log: what holds a record from the moment its call is answered
// until the indexer thread has put it in the SQLite tables. One CloudTrail record per line, in the
// order the calls completed, in segment files of the log directory.
//
// The thread that answers calls appends the records of one event loop turn with one write; from
// then on they are in the operating system's hands and survive any crash of the service (a kill,
// an abort, running out of memory). When their calls are answered:
//
// - A record that must be on disk (the record of a change: the caller says so) waits for an
//   fdatasync on libuv's thread pool that covers it; one runs at a time and covers every turn
//   written before it (group commit), so a burst pays one per group.
// - Any other record, in 'os' mode (the default), as soon as the write returned; an fdatasync runs
//   every SYNC_EVERY_MS, so a power loss or a kernel crash can lose the records of that interval.
//   In 'disk' mode, every record is one that must be on disk.
//
// Measured on the development VM (2 vCPUs): one synced write costs ~60 µs of CPU and ~130 µs of
// wall time, and every hand-over of a record to another thread and back costs the two threads a
// wake-up each (~20 µs of CPU per call at 16 callers, more than the rest of recording it). So no
// other thread takes part in answering: one write per turn is the whole cost on the way out.
// Sequence numbers and chain digests are given by the indexer thread (audit-indexer-thread.ts),
// in log order, when it applies the log to the tables; it deletes the segments it has applied.

export const SEGMENT_BYTES = 32 * 1024 * 1024;
export const SYNC_EVERY_MS = 50;
// Numbers grow by one per rotation and per restart, so they may outgrow eight digits one day.
const SEGMENT_NAME = /^audit-(\d{8,})\.log$/;

export type SyncMode = 'os' | 'disk';

/** The name of the thread that applies the log to the tables, as `top -H`, `ps -L` and /proc show it (at most 15 bytes; Node's own threads are all `node`). */
export const INDEXER_THREAD_NAME = 'audit-indexer';

export const segmentPath = (dir: string, n: number) => join(dir, `audit-${String(n).padStart(8, '0')}.log`);

/** A place in the log: `end` bytes into segment `segment` (earlier segments are complete). */
export interface LogPosition {
  segment: number;
  end: number;
}

/**
 * How far the log holds records whose calls may have been answered, shared between the thread
 * that writes (which stores it after each write, or each sync in 'disk' mode) and the indexer
 * (which reads it): one 64-bit word, segment << 32 | end, so a reader never sees a segment with
 * another segment's end.
 */
export function sharedPosition(buffer: SharedArrayBuffer) {
  const word = new BigInt64Array(buffer);
  return {
    store: (at: LogPosition) => void Atomics.store(word, 0, (BigInt(at.segment) << 32n) | BigInt(at.end)),
    load: (): LogPosition => {
      const v = Atomics.load(word, 0);
      return { segment: Number(v >> 32n), end: Number(v & 0xffffffffn) };
    },
  };
}

/** The segment files in `dir`, oldest first. */
export function segments(dir: string): Array<{ n: number; path: string }> {
  return readdirSync(dir)
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ n: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.n - b.n);
}

export function removeSegment(path: string): void {
  rmSync(path, { force: true });
}

/** Removes what earlier versions left in the log directory besides segments (preallocations). */
export function removeStrayFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (name.endsWith('.log.tmp')) rmSync(join(dir, name), { force: true });
}

export interface LogRecord {
  record: string;
  /** Offset just past the line's newline. */
  end: number;
  /** The sequence number an earlier version wrote in front of the record (`seq TAB digest TAB [index TAB] record`). */
  seq?: number;
}

/**
 * The complete records of `buf`, up to the first line that is not one: the end of what was
 * written, zeros an earlier version preallocated, or a write a crash tore. A line whose record is
 * not valid JSON is caught where it is parsed (the caller).
 */
export function* records(buf: Buffer): Generator<LogRecord> {
  let at = 0;
  while (at < buf.length) {
    const nl = buf.indexOf(0x0a, at);
    if (nl === -1) return;
    let text = buf.toString('utf8', at, nl);
    let seq: number | undefined;
    if (text[0] !== '{') {
      // An earlier version's line: seq TAB digest TAB [index TAB] record.
      const t1 = text.indexOf('\t');
      const t2 = text.indexOf('\t', t1 + 1);
      if (t1 <= 0 || t2 !== t1 + 65) return;
      seq = Number(text.slice(0, t1));
      if (!Number.isSafeInteger(seq) || seq <= 0) return;
      let recordAt = t2 + 1;
      if (text[recordAt] === '[') recordAt = text.indexOf('\t', recordAt) + 1;
      text = recordAt === 0 ? '' : text.slice(recordAt);
    }
    if (text[0] !== '{' || text[text.length - 1] !== '}') return;
    const line: LogRecord = { record: text, end: nl + 1 };
    if (seq !== undefined) line.seq = seq;
    yield line;
    at = nl + 1;
  }
}

/** Bytes `from` up to `to` (or the end) of a file. */
export function readRange(path: string, from: number, to?: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = to ?? fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.max(0, size - from));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface LogAppenderOptions {
  sync: SyncMode;
  /** Called with the new position after every write ('os') or every sync ('disk'). */
  onPosition: (at: LogPosition) => void;
  /** A write or sync failed: the log takes nothing more. */
  onError: (err: Error) => void;
  syncEveryMs?: number;
  /** A segment is left for the next once this full (SEGMENT_BYTES; smaller in tests). */
  segmentBytes?: number;
}

/** A promise with its settling functions; its rejection is handled (a caller may have gone away). */
class Deferred {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: Error) => void;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

interface Turn {
  /** Settles once the turn's records are written. */
  written: Deferred;
  /** Settles once an fdatasync covers them; made when one of its records must wait for it. */
  synced?: Deferred;
  /** Where the turn's records end, once written. */
  at?: LogPosition;
}

/**
 * The writing end of the log, on the thread that answers calls. append() adds a record to the
 * current turn's group and returns a promise shared by the group's calls; the group is written
 * when the turn ends (setImmediate). The promise settles once the write returned, or, for a record
 * that must be on disk (all of them in 'disk' mode), once an fdatasync covers it.
 */
export class LogAppender {
  private fd: number;
  private n: number;
  private offset = 0;
  private turn: Turn | undefined;
  /** The current turn's records, encoded as they arrive: buf[0, length). */
  private buf = Buffer.allocUnsafe(256 * 1024);
  private length = 0;
  /** Written turns waiting for a sync, oldest first. */
  private unsynced: Turn[] = [];
  private synced: LogPosition;
  private syncing: Promise<void> | undefined;
  /** Descriptors of earlier segments, closed once no sync runs on them. */
  private retired: number[] = [];
  private failure: Error | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly flushTurn = () => this.write();

  constructor(
    private readonly dir: string,
    segment: number,
    private readonly opts: LogAppenderOptions,
  ) {
    this.n = segment;
    this.fd = this.create(segment);
    this.synced = { segment, end: 0 };
    if (opts.sync === 'os') {
      this.timer = setInterval(() => this.syncInBackground(), opts.syncEveryMs ?? SYNC_EVERY_MS);
      this.timer.unref();
    }
  }

  get position(): LogPosition {
    return { segment: this.n, end: this.offset };
  }

  /** The write or sync that failed, after which the log takes nothing more. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** `mustSync`: the record must be on disk before the promise settles, whatever the mode. */
  append(record: string, mustSync = false): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    let turn = this.turn;
    if (turn === undefined) {
      turn = this.turn = { written: new Deferred() };
      setImmediate(this.flushTurn);
    }
    // UTF-8 takes at most three bytes per UTF-16 unit.
    if (this.length + record.length * 3 + 1 > this.buf.length) this.grow(record.length * 3 + 1);
    this.length += this.buf.write(record, this.length, 'utf8');
    this.buf[this.length++] = 0x0a;
    if (mustSync || this.opts.sync === 'disk') return (turn.synced ??= new Deferred()).promise;
    return turn.written.promise;
  }

  /** Writes the current turn's records now (normally at the end of the turn). */
  write(): void {
    const turn = this.turn;
    if (turn === undefined) return;
    this.turn = undefined;
    if (this.failure) return this.settle(turn, this.failure);
    const length = this.length;
    this.length = 0;
    try {
      if (this.offset > 0 && this.offset + length > (this.opts.segmentBytes ?? SEGMENT_BYTES)) this.rotate();
      for (let done = 0; done < length; ) done += writeSync(this.fd, this.buf, done, length - done, this.offset + done);
    } catch (err) {
      this.fail(err);
      return this.settle(turn, this.failure!);
    }
    this.offset += length;
    turn.at = this.position;
    if (this.opts.sync === 'os') this.opts.onPosition(turn.at);
    turn.written.resolve();
    if (turn.synced) {
      this.unsynced.push(turn);
      this.syncInBackground();
    }
  }

  private settle(turn: Turn, err: Error): void {
    turn.written.reject(err);
    turn.synced?.reject(err);
  }

  private grow(atLeast: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + atLeast));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /**
   * One fdatasync on the thread pool, covering everything written so far; when it ends, the next
   * starts at once if turns written meanwhile wait for one.
   */
  private syncInBackground(): void {
    if (this.syncing || this.failure || (this.synced.segment === this.n && this.synced.end === this.offset)) return;
    const fd = this.fd;
    const target = this.position;
    this.syncing = new Promise<void>((resolve) => {
      fdatasync(fd, (err) => {
        this.syncing = undefined;
        resolve();
        this.closeRetired();
        if (err) return this.fail(err);
        this.reached(target);
        if (this.unsynced.length > 0) this.syncInBackground();
      });
    });
  }

  /** Everything up to `at` is on disk. */
  private reached(at: LogPosition): void {
    if (at.segment < this.synced.segment || (at.segment === this.synced.segment && at.end <= this.synced.end)) return;
    this.synced = at;
    if (this.opts.sync === 'disk') this.opts.onPosition(at);
    let i = 0;
    while (i < this.unsynced.length && !after(this.unsynced[i]!.at!, at)) i++;
    for (const t of this.unsynced.splice(0, i)) t.synced!.resolve();
  }

  /**
   * The next segment. The one left is synced first (once per segment, on this thread), so that a
   * sync never has to span two files; the new one's directory entry is synced before any record
   * goes into it.
   */
  private rotate(): void {
    fdatasyncSync(this.fd);
    const old = this.fd;
    const left = this.position;
    this.fd = this.create(this.n + 1);
    this.n += 1;
    this.offset = 0;
    this.retired.push(old);
    if (!this.syncing) this.closeRetired();
    this.reached(left);
  }

  private create(n: number): number {
    const fd = openSync(segmentPath(this.dir, n), 'w', 0o600);
    syncDirectory(this.dir);
    return fd;
  }

  private closeRetired(): void {
    for (const fd of this.retired.splice(0)) closeSync(fd);
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    // Nothing after a failed write may be written: the log would hold a gap or a torn line.
    this.failure = new Error(`the audit log could not be written: ${(err as Error)?.message ?? err}`);
    for (const t of this.unsynced.splice(0)) this.settle(t, this.failure);
    this.opts.onError(this.failure);
  }

  /** Writes what is pending, syncs it, and closes the log. */
  async close(): Promise<void> {
    this.write();
    clearInterval(this.timer);
    while (this.syncing) await this.syncing;
    if (!this.failure) {
      try {
        fdatasyncSync(this.fd);
        this.reached(this.position);
      } catch (err) {
        this.fail(err);
      }
    }
    this.retired.push(this.fd);
    this.closeRetired();
  }
}

/** `a` lies beyond `b`. */
const after = (a: LogPosition, b: LogPosition) => a.segment > b.segment || (a.segment === b.segment && a.end > b.end);
