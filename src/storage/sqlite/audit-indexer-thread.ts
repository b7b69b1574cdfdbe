import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ChainPoint } from '../../audit/chain.js';
import { chainedLines, removeSegment, segmentPath, segments } from './audit-log.js';
import { AuditTables } from './audit-sql.js';
import { openDatabase } from './database.js';

// The audit trail's indexer thread: applies what the write-ahead log made durable to the SQLite
// tables, in one transaction per pass rather than one per batch, and deletes the segments it has
// applied. Its own connection, so neither its commits nor its fsyncs ever block the thread that
// answers calls.

/** How far the log is durable: everything before `end` in segment `segment`, and all earlier segments. */
export interface LogPosition {
  segment: number;
  end: number;
}

/**
 * Requests carry the position the caller knows to be durable: notices from the log writer come
 * through another port, and messages on two ports arrive in no guaranteed order.
 */
export type IndexerRequest =
  | ({ type: 'durable' } & LogPosition)
  | { type: 'flush'; id: number; upTo?: LogPosition }
  | { type: 'purge'; id: number; cutoff: number; upTo?: LogPosition }
  | { type: 'close'; id: number; upTo?: LogPosition };

export type IndexerReply = { id: number; ok: true; result?: number } | { id: number; ok: false; message: string };

export interface IndexerData {
  file: string;
  dir: string;
  /** The segment the log writes first, and the chain's head when it starts. */
  segment: number;
  head: ChainPoint;
  /** Where the log writer thread, when there is one, sends its durable notices. */
  log?: MessagePort;
}

/**
 * A pass waits this long after the first durable write it has not applied, so that passes are
 * large (one commit for hundreds of records). Reads never wait for it: they ask for a pass.
 */
const APPLY_DELAY_MS = 100;

const port = parentPort!;
const data = workerData as IndexerData;
const db = openDatabase(data.file);
const tables = new AuditTables(db);
let head = data.head;
let segment = data.segment;
let offset = 0;
/** How far each segment is durable, as the writer reported. */
const durable = new Map<number, number>();
let timer: NodeJS.Timeout | undefined;
/** Set when the log could not be applied: reported once, and every later request fails with it. */
let broken: Error | undefined;

function apply(): void {
  clearTimeout(timer);
  timer = undefined;
  if (broken) throw broken;
  try {
    applyDurable();
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    throw broken;
  }
}

function applyDurable(): void {
  for (;;) {
    const end = durable.get(segment) ?? offset;
    if (end > offset) {
      const read = chainedLines(segmentPath(data.dir, segment), head, offset, end, false);
      tables.insert(read.lines);
      if (read.lines.length > 0) {
        const last = read.lines[read.lines.length - 1]!;
        head = { seq: last.seq, digest: last.digest };
      }
      if (read.end < end) {
        throw new Error(`audit log segment ${segment} holds a line at offset ${read.end} that does not extend the chain after record ${head.seq}`);
      }
      offset = end;
    }
    // The writer moved on to a later segment: this one is complete and now applied.
    if ([...durable.keys()].some((n) => n > segment)) {
      removeSegment(segmentPath(data.dir, segment));
      durable.delete(segment);
      segment += 1;
      offset = 0;
      continue;
    }
    return;
  }
}

function learn(at: LogPosition): void {
  if ((durable.get(at.segment) ?? 0) < at.end) durable.set(at.segment, at.end);
}

function onMessage(msg: IndexerRequest): void {
  if (msg.type === 'durable') {
    learn(msg);
    if (broken) return;
    timer ??= setTimeout(() => {
      try {
        apply();
      } catch (err) {
        port.postMessage({ id: 0, ok: false, message: (err as Error).message } satisfies IndexerReply);
      }
    }, APPLY_DELAY_MS);
    return;
  }
  if (msg.upTo) learn(msg.upTo);
  let reply: IndexerReply;
  try {
    apply();
    if (msg.type === 'purge') reply = { id: msg.id, ok: true, result: tables.purgeBefore(msg.cutoff) };
    else {
      if (msg.type === 'close') {
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
}

port.on('message', onMessage);
data.log?.on('message', onMessage);
