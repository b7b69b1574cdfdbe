import { parentPort, workerData } from 'node:worker_threads';
import type { ChainPoint } from '../../audit/chain.js';
import { chainedLines, durablePosition, removeSegment, segmentPath, segments, type LogPosition } from './audit-log.js';
import { AuditTables } from './audit-sql.js';
import { openDatabase } from './database.js';

// The audit trail's indexer thread: applies what the write-ahead log made durable to the SQLite
// tables, in one transaction per pass rather than one per batch, and deletes the segments it has
// applied. Its own connection, so neither its commits nor its fsyncs ever block the thread that
// answers calls.

export type IndexerRequest = { type: 'flush'; id: number } | { type: 'purge'; id: number; cutoff: number } | { type: 'close'; id: number };

export type IndexerReply = { id: number; ok: true; result?: number } | { id: number; ok: false; message: string };

export interface IndexerData {
  file: string;
  dir: string;
  /** The segment the log writes first, and the chain's head when it starts. */
  segment: number;
  head: ChainPoint;
  /** How far the log is durable, as the log writer keeps it: see `durablePosition`. */
  durable: SharedArrayBuffer;
}

/** A pass runs this often (and whenever a read asks), so that passes are large: one commit for hundreds of records. */
const APPLY_EVERY_MS = 100;

const port = parentPort!;
const data = workerData as IndexerData;
const db = openDatabase(data.file);
const tables = new AuditTables(db);
const position = durablePosition(data.durable);
let head = data.head;
let segment = data.segment;
let offset = 0;
/** Set when the log could not be applied: reported once, and every later request fails with it. */
let broken: Error | undefined;

function apply(): void {
  if (broken) throw broken;
  try {
    applyDurable(position.load());
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw broken;
  }
}

function applyDurable(at: LogPosition): void {
  for (;;) {
    // A segment before the writer's is complete: every line in it is durable.
    const sealed = segment < at.segment;
    const end = sealed ? undefined : at.end;
    if (sealed || end! > offset) {
      const read = chainedLines(segmentPath(data.dir, segment), head, offset, end, false);
      tables.insert(read.lines);
      if (read.lines.length > 0) {
        const last = read.lines[read.lines.length - 1]!;
        head = { seq: last.seq, digest: last.digest };
      }
      if (!sealed && read.end < end!) {
        throw new Error(`audit log segment ${segment} holds a line at offset ${read.end} that does not extend the chain after record ${head.seq}`);
      }
      offset = read.end;
    }
    if (!sealed) return;
    removeSegment(segmentPath(data.dir, segment));
    segment += 1;
    offset = 0;
  }
}

const timer = setInterval(() => {
  if (broken) return;
  try {
    apply();
  } catch (err) {
    port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies IndexerReply);
  }
}, APPLY_EVERY_MS);

port.on('message', (msg: IndexerRequest) => {
  let reply: IndexerReply;
  try {
    apply();
    if (msg.type === 'purge') reply = { id: msg.id, ok: true, result: tables.purgeBefore(msg.cutoff) };
    else {
      if (msg.type === 'close') {
        clearInterval(timer);
        // Everything durable is applied: the log has nothing left that the tables lack.
        for (const s of segments(data.dir)) removeSegment(s.path);
        db.close();
      }
      reply = { id: msg.id, ok: true };
    }
  } catch (err) {
    reply = { id: msg.id, ok: false, message: (err as Error)?.message ?? String(err) };
  }
  port.postMessage(reply);
});
