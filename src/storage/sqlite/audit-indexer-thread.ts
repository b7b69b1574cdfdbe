import { readlinkSync, statSync, writeFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { INDEXER_THREAD_NAME, removeSegment, SEGMENT_BYTES, segmentPath, sharedPosition, type LogPosition } from './audit-log.js';
import { adoptOrphanLogs, applyOtherLogs, logDirOf } from './audit-logs.js';
import { AuditTables, clearLog, readSegment } from './audit-sql.js';
import { openDatabase } from './database.js';
import { backoff, isTransient } from './transient.js';

// The audit trail's indexer thread: applies this process's write-ahead log to the SQLite tables,
// each pass in one transaction that links its records after the chain's head as the tables hold
// it (sequence numbers and digests, audit/chain.ts), and deletes the segments it has applied. Its
// own connection, so neither its commits nor its fsyncs ever hold up the thread that answers
// calls. With other processes on the file (serve --shared-store), a read first also applies the
// whole records of their logs, and adopting the logs of processes that died happens here too.

export type IndexerRequest =
  | { type: 'flush'; id: number }
  | { type: 'purge'; id: number; cutoff: number }
  | { type: 'adopt'; id: number }
  | { type: 'close'; id: number };

export type IndexerReply = { id: number; ok: true; result?: number } | { id: number; ok: false; message: string };

export interface IndexerData {
  file: string;
  /** Where the logs are: this process's, and those of the other processes on the file. */
  root: string;
  /** This process's log ('' for a service alone on its directory, else its node's name). */
  log: string;
  /** Where applying starts (everything before it is in the tables). */
  from: LogPosition;
  /** How far the log holds records, as the writing thread keeps it: see `sharedPosition`. */
  written: SharedArrayBuffer;
  /** Other processes write the trail too: reads apply their logs first. */
  shared: boolean;
  /** APPLY_CHUNK_BYTES, smaller in tests. */
  applyChunkBytes?: number;
}

/** The log is looked at this often (and whenever a read asks), so that passes are large: one commit for hundreds of records. */
const TICK_MS = 100;
/**
 * While more than this arrives per tick (about 500 records a second), the log is a burst's, and
 * applying it waits until the burst is over: a burst of calls does not share the CPU with their
 * indexing. Reads still see everything (they apply first), and once MAX_BACKLOG_BYTES wait, they
 * are applied whatever the rate, which bounds the log on disk and the work of a read or a restart.
 */
const BURST_BYTES_PER_TICK = 64 * 1024;
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/**
 * The most of the log read and applied in one transaction. A backlog (up to MAX_BACKLOG_BYTES
 * after a burst) is applied a chunk at a time, so this thread holds a chunk's records in memory,
 * not the whole backlog's: its heap once grew by several times the backlog, and kept the pages.
 * A quarter of a MiB (about 200 records) still makes a commit rare, and holds the thread's heap
 * and the process's resident set ~15 MB lower after a burst than 1 MiB did.
 */
const APPLY_CHUNK_BYTES = 256 * 1024;

const port = parentPort!;

/**
 * The thread that answers calls comes first: this one runs at nice 5, so that when both want a
 * core, calls wait less for applying the log (p99 of a saturated Encrypt 6.9 ms against 8.7, median
 * of six paired runs on 2 cores). At nice 5 it still gets about a quarter of a core against two
 * busy threads of nice 0, more than a saturated service's log needs. Linux gives each thread its
 * own nice value, and its own name, which tells an operator (and the bench) which thread this is;
 * elsewhere, or where either cannot be set, the thread keeps the process's.
 */
function settleThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, Math.max(getPriority(tid), 5));
  } catch {
    // No /proc, or not allowed: the same priority as the rest of the process.
  }
  try {
    writeFileSync('/proc/thread-self/comm', INDEXER_THREAD_NAME);
  } catch {
    // No /proc: the thread keeps the process's name.
  }
}
settleThread();
const data = workerData as IndexerData;
const db = openDatabase(data.file);
// Records are appended (the sequence and the time index grow at their right-hand end) and purged
// from the left, so the pages a pass touches are few; a 2 MiB page cache holds them, and the
// operating system's cache holds the file. (64 MiB once, then 8 MiB: the process kept either
// resident for good.)
db.pragma('cache_size = -2048');
const tables = new AuditTables(db);
const written = sharedPosition(data.written);
const dir = logDirOf(data.root, data.log);
/** Where applying stands, as this thread last saw it (another process may have applied further since). */
let segment = data.from.segment;
let offset = data.from.end;
/** The first segment of the log not removed yet. */
let kept = data.from.segment;
/** Set when the log could not be applied for good (a torn record): reported once, and every later request fails with it. */
let broken: Error | undefined;
/**
 * Set while applying fails for a reason that passes (a descriptor, memory or disk space ran out:
 * see transient.ts): the log keeps the records, and applying is tried again after a back-off.
 */
let stalled: { attempts: number; retryAt: number } | undefined;
let closed = false;

function apply(): void {
  if (broken) throw broken;
  try {
    applyWritten(written.load());
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!isTransient(err)) throw (broken = error);
    if (stalled === undefined) {
      stalled = { attempts: 0, retryAt: 0 };
      // Once per stall: the operator learns why reads wait, not once per tick.
      report(`could not apply the log (${error.message}); retrying until it can`);
    }
    stalled.retryAt = Date.now() + backoff(stalled.attempts++);
    throw error;
  }
  stalled = undefined;
}

function report(message: string): void {
  port.postMessage({ id: 0, ok: false, message } satisfies IndexerReply);
}

function applyWritten(at: LogPosition): void {
  const chunk = data.applyChunkBytes ?? APPLY_CHUNK_BYTES;
  for (;;) {
    const applied = tables.applyLog(data.log, (from) => {
      if (from.segment > at.segment || (from.segment === at.segment && from.end >= at.end)) return undefined;
      const path = segmentPath(dir, from.segment);
      // A segment before the writer's is complete: every line in it was written.
      const sealed = from.segment < at.segment;
      const stop = sealed ? statSync(path).size : at.end;
      const to = Math.min(stop, from.end + chunk);
      let lines = readSegment(path, from.end, to);
      // A chunk without one whole record holds the start of a record longer than a chunk: read it whole.
      const whole = to === stop || lines.length === 0;
      if (lines.length === 0 && to < stop) lines = readSegment(path, from.end, stop);
      const end = lines.length > 0 ? lines[lines.length - 1]!.end : from.end;
      if (!whole) return { segment: from.segment, start: from.end, lines, at: { segment: from.segment, end } };
      // Read to the end: short of what the writer wrote, its segment holds a torn line; after the
      // last record of a sealed segment, what follows is no record and is passed over.
      if (!sealed && end < at.end) throw torn(from.segment, end);
      return { segment: from.segment, start: from.end, lines, at: sealed ? { segment: from.segment + 1, end: 0 } : { segment: from.segment, end } };
    });
    if (!applied.complete) throw torn(applied.at.segment, applied.at.end);
    segment = applied.at.segment;
    offset = applied.at.end;
    // Segments wholly applied, here or by another process, are done with.
    for (; kept < segment; kept++) removeSegment(segmentPath(dir, kept));
    if (applied.at === applied.from || segment > at.segment || (segment === at.segment && offset >= at.end)) return;
  }
}

const torn = (n: number, at: number) => new Error(`audit log segment ${n} holds a line at offset ${at} that is not a whole record`);

let marked: LogPosition = data.from;
/**
 * While applying waits, how far the log was written goes to the database (one small commit a
 * tick, only then): a restart that finds the log shorter knows that acknowledged records are lost.
 * Otherwise what was applied says as much, within a tick.
 */
function markWritten(at: LogPosition): void {
  if (at.segment === marked.segment && at.end === marked.end) return;
  tables.markWritten(data.log, at);
  marked = at;
}

/** Roughly how many bytes of log lie from `a` to `b` (segments are nearly full when the writer moves on). */
const bytesBetween = (a: LogPosition, b: LogPosition) => (b.segment - a.segment) * SEGMENT_BYTES + b.end - a.end;

let seen = written.load();
/** The last tick found a burst under way and left the log for later. */
let deferring = false;
const timer = setInterval(() => {
  if (broken || (stalled !== undefined && Date.now() < stalled.retryAt)) return;
  const at = written.load();
  const arrived = bytesBetween(seen, at);
  seen = at;
  const backlog = bytesBetween({ segment, end: offset }, at);
  deferring = arrived > BURST_BYTES_PER_TICK && backlog < MAX_BACKLOG_BYTES;
  try {
    if (deferring) markWritten(at);
    if (backlog === 0 || deferring) return;
    apply();
  } catch (err) {
    // A stall was reported when it began; a failure for good is reported here (once: it stops the ticks).
    if (!isTransient(err)) report((err as Error).message);
  }
}, TICK_MS);

/**
 * How many times a request tries again while applying is stalled, waiting backoff(n) before
 * attempt n: about three seconds in all, so a read during a stall fails rather than hangs.
 */
const REQUEST_RETRIES = 6;

port.on('message', (msg: IndexerRequest) => handle(msg, 0));

function handle(msg: IndexerRequest, attempt: number): void {
  if (closed) return port.postMessage({ id: msg.id, ok: false, message: 'the indexer is closed' } satisfies IndexerReply);
  let reply: IndexerReply;
  try {
    // Retention (a maintenance task every few seconds) does not break into a burst: the records
    // the burst wrote are new, and what expired is in the tables already.
    if (msg.type !== 'purge' || !deferring) apply();
    if (msg.type === 'purge') reply = { id: msg.id, ok: true, result: tables.purgeBefore(msg.cutoff) };
    else if (msg.type === 'adopt') reply = { id: msg.id, ok: true, result: adoptOrphanLogs(tables, data.root, data.log) };
    else {
      // A read sees what every other process acknowledged too: their logs' whole records first.
      if (msg.type === 'flush' && data.shared) applyOtherLogs(tables, data.root, data.log);
      if (msg.type === 'close') {
        // Everything written is applied: the log has nothing left that the tables lack.
        clearLog(tables, data.log, dir);
        shutDown();
      }
      reply = { id: msg.id, ok: true };
    }
  } catch (err) {
    if (isTransient(err) && attempt < REQUEST_RETRIES) {
      setTimeout(() => handle(msg, attempt + 1), backoff(attempt));
      return;
    }
    if (msg.type === 'close' && isTransient(err)) {
      // The log still holds what the tables lack, and start-up applies it (recovery): a stall
      // at shutdown costs nothing, so the service still stops cleanly.
      shutDown();
      reply = { id: msg.id, ok: true };
    } else {
      reply = { id: msg.id, ok: false, message: (err as Error)?.message ?? String(err) };
    }
  }
  port.postMessage(reply);
}

function shutDown(): void {
  clearInterval(timer);
  closed = true;
  db.close();
}
