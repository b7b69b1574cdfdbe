import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ChainPoint } from '../../audit/chain.js';
import { removeSegment, SEGMENT_BYTES, segmentPath, sharedPosition, type LogPosition } from './audit-log.js';
import { AuditTables, chainSegment, clearLog } from './audit-sql.js';
import { openDatabase } from './database.js';
import { backoff, isTransient } from './transient.js';

// The audit trail's indexer thread: applies the write-ahead log to the SQLite tables, giving each
// record its place in the chain (sequence number and digest) in log order, in one transaction per
// pass, and deletes the segments it has applied. Its own connection, so neither its commits nor
// its fsyncs ever hold up the thread that answers calls.

export type IndexerRequest = { type: 'flush'; id: number } | { type: 'purge'; id: number; cutoff: number } | { type: 'close'; id: number };

export type IndexerReply = { id: number; ok: true; result?: number } | { id: number; ok: false; message: string };

export interface IndexerData {
  file: string;
  dir: string;
  /** Where applying starts (everything before it is in the tables), and the chain's head then. */
  from: LogPosition;
  head: ChainPoint;
  /** How far the log holds records, as the writing thread keeps it: see `sharedPosition`. */
  written: SharedArrayBuffer;
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
 */
const APPLY_CHUNK_BYTES = 1024 * 1024;

const port = parentPort!;
const data = workerData as IndexerData;
const db = openDatabase(data.file);
// Records are appended (the sequence and the time index grow at their right-hand end) and purged
// from the left, so the pages a pass touches are few; an 8 MiB page cache holds them, and the
// operating system's cache holds the file. (64 MiB once, which the process kept resident for good.)
db.pragma('cache_size = -8192');
const tables = new AuditTables(db);
const written = sharedPosition(data.written);
let head = data.head;
let segment = data.from.segment;
let offset = data.from.end;
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
  for (;;) {
    const path = segmentPath(data.dir, segment);
    // A segment before the writer's is complete: every line in it was written.
    const sealed = segment < at.segment;
    const end = sealed ? statSync(path).size : at.end;
    while (offset < end) {
      let read = chainSegment(path, head, offset, Math.min(end, offset + (data.applyChunkBytes ?? APPLY_CHUNK_BYTES)));
      // A chunk without one whole record holds the start of a record longer than a chunk: read it whole.
      if (read.complete && read.end === offset) read = chainSegment(path, head, offset, end);
      if (!read.complete || read.end === offset) {
        // What follows the last record of a sealed segment is no record (as ever, it is passed over).
        if (sealed && read.complete) break;
        throw new Error(`audit log segment ${segment} holds a line at offset ${read.end} that is not a whole record`);
      }
      tables.insert(read.records, { segment, end: read.end });
      head = read.head;
      offset = read.end;
    }
    if (!sealed) return;
    // The tables say the segment is done before it goes, so that a restart never looks for it.
    tables.insert([], { segment: segment + 1, end: 0 });
    removeSegment(path);
    segment += 1;
    offset = 0;
  }
}

let marked: LogPosition = data.from;
/**
 * While applying waits, how far the log was written goes to the database (one small commit a
 * tick, only then): a restart that finds the log shorter knows that acknowledged records are lost.
 * Otherwise what was applied says as much, within a tick.
 */
function markWritten(at: LogPosition): void {
  if (at.segment === marked.segment && at.end === marked.end) return;
  tables.markWritten(at);
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
    else {
      if (msg.type === 'close') {
        // Everything written is applied: the log has nothing left that the tables lack.
        clearLog(tables, data.dir);
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
