import { chainDigest, GENESIS, type ChainPoint } from '../../audit/chain.js';
import { indexOfText, type RecordIndex } from '../../audit/record.js';
import type { LogLoss } from '../../audit/repository.js';
import { existsSync } from 'node:fs';
import { encodeResources } from '../audit-resources.js';
import { readRange, records, removeSegment, segments, type LogPosition, type LogRecord } from './audit-log.js';
import type { Db } from './database.js';

// The audit tables and the writes on them: applying chained records, and purging old ones.

// Two indexes only: every index is more pages written per transaction. Lookups by event name
// (the common one) use their own; the other attributes filter the account's newest-first scan,
// as EventId does (an index on random ids would touch a different page for nearly every record).
export const AUDIT_MIGRATIONS = [
  `CREATE TABLE audit_events (
     seq INTEGER PRIMARY KEY,
     event_time INTEGER NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     event_id TEXT NOT NULL,
     event_name TEXT NOT NULL,
     event_source TEXT NOT NULL,
     read_only INTEGER NOT NULL,
     username TEXT,
     access_key_id TEXT,
     resources TEXT NOT NULL,
     record TEXT NOT NULL,
     digest TEXT NOT NULL
   );
   CREATE INDEX audit_events_time ON audit_events (account_id, region, event_time, seq);
   CREATE INDEX audit_events_name ON audit_events (account_id, region, event_name, event_time, seq);
   CREATE TABLE audit_chain (point TEXT PRIMARY KEY, seq INTEGER NOT NULL, digest TEXT NOT NULL);`,
  // How far the write-ahead log has been applied, kept with the records it gave (same transaction),
  // so that a restart applies exactly what is left.
  `CREATE TABLE audit_log_applied (id INTEGER PRIMARY KEY CHECK (id = 1), segment INTEGER NOT NULL, end_offset INTEGER NOT NULL);`,
  // How far the log had been written when the indexer last looked while it left applying for later
  // (a burst), and what a restart found missing from the log: records written, so acknowledged,
  // that never reached the tables. `audit verify` reports them.
  `CREATE TABLE audit_log_written (id INTEGER PRIMARY KEY CHECK (id = 1), segment INTEGER NOT NULL, end_offset INTEGER NOT NULL);
   CREATE TABLE audit_log_losses (after_seq INTEGER NOT NULL, detail TEXT NOT NULL);`,
];

// The resources column's encoding (instr() finds a type or a name) is shared with the PostgreSQL store.
export { decodeResources, encodeResources, SEP, TAB } from '../audit-resources.js';

/** A record with its place in the chain, ready to store. */
export interface ChainedRecord {
  seq: number;
  digest: string;
  record: string;
  index: RecordIndex;
}

/**
 * Gives records read from the log their places in the chain after `head` (the next sequence
 * numbers, digests over the previous digest and the record) and their searchable columns. A record
 * an earlier version already numbered at or before `head` was applied then and is skipped. Stops
 * at the first line that is not a whole record (`complete` false): a write a crash tore.
 */
export function chainOn(head: ChainPoint, lines: Iterable<LogRecord>): ChainedRead {
  const out: ChainedRecord[] = [];
  let end = 0;
  for (const line of lines) {
    if (line.seq !== undefined && line.seq <= head.seq) {
      end = line.end;
      continue;
    }
    let index: RecordIndex;
    try {
      index = indexOfText(line.record);
    } catch {
      return { records: out, head, end, complete: false };
    }
    const seq = head.seq + 1;
    const digest = chainDigest(head.digest, line.record);
    out.push({ seq, digest, record: line.record, index });
    head = { seq, digest };
    end = line.end;
  }
  return { records: out, head, end, complete: true };
}

export interface ChainedRead {
  records: ChainedRecord[];
  /** The chain's head after the last record read. */
  head: ChainPoint;
  /** Offset just past the last whole record read. */
  end: number;
  /** False when reading stopped at a line that is not a whole record. */
  complete: boolean;
}

/** The records of a log segment from byte `from` (up to `to`, or its end), chained on after `head`; `end` is an offset in the segment. */
export function chainSegment(path: string, head: ChainPoint, from: number, to?: number): ChainedRead {
  const read = chainOn(head, records(readRange(path, from, to)));
  return { ...read, end: from + read.end };
}

/**
 * Removes every segment of the log. Applying starts again at the beginning of a segment number no
 * removed segment had, recorded before any is removed: a crash in between can neither apply a
 * record twice nor make a segment removed here look like one lost.
 */
export function clearLog(tables: AuditTables, dir: string): void {
  const present = existsSync(dir) ? segments(dir) : [];
  const applied = tables.applied();
  const written = tables.written();
  const used = Math.max(applied.segment, written?.segment ?? 0, ...present.map((s) => s.n));
  const untouched = present.length === 0 && applied.end === 0 && (written === undefined || (written.segment === applied.segment && written.end === 0));
  tables.restartLog({ segment: untouched ? applied.segment : used + 1, end: 0 });
  for (const s of present) removeSegment(s.path);
}

export class AuditTables {
  private readonly insertStmt;
  private readonly lastRow;
  private readonly point;
  private readonly setPoint;
  private readonly firstKept;
  private readonly lastSeq;
  private readonly rowAt;
  private readonly remove;
  private readonly appliedStmt;
  private readonly setApplied;
  private readonly writtenStmt;
  private readonly setWritten;
  private readonly lossesStmt;
  private readonly addLoss;
  /** Stores records in one transaction and moves the head to the last of them (and the log's applied position to `at`). */
  readonly insert: (records: ChainedRecord[], at?: LogPosition) => void;
  /** Removes the oldest records, up to the first whose event time is at or after `cutoff`; returns how many. */
  readonly purgeBefore: (cutoff: number) => number;
  /** Records that the log starts again at `at`, where nothing has been applied or written yet. */
  readonly restartLog: (at: LogPosition) => void;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO audit_events (seq, event_time, account_id, region, event_id, event_name, event_source, read_only,
         username, access_key_id, resources, record, digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.lastRow = db.prepare<[], ChainPoint>('SELECT seq, digest FROM audit_events ORDER BY seq DESC LIMIT 1');
    this.point = db.prepare<[string], ChainPoint>('SELECT seq, digest FROM audit_chain WHERE point = ?');
    this.setPoint = db.prepare(
      'INSERT INTO audit_chain (point, seq, digest) VALUES (?, ?, ?) ON CONFLICT (point) DO UPDATE SET seq = excluded.seq, digest = excluded.digest',
    );
    this.firstKept = db.prepare<[number], { seq: number | null }>('SELECT MIN(seq) AS seq FROM audit_events WHERE event_time >= ?');
    this.lastSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_events');
    this.rowAt = db.prepare<[number], ChainPoint>('SELECT seq, digest FROM audit_events WHERE seq <= ? ORDER BY seq DESC LIMIT 1');
    this.remove = db.prepare('DELETE FROM audit_events WHERE seq <= ?');

    this.appliedStmt = db.prepare<[], LogPosition>('SELECT segment, end_offset AS end FROM audit_log_applied WHERE id = 1');
    this.setApplied = db.prepare(
      'INSERT INTO audit_log_applied (id, segment, end_offset) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET segment = excluded.segment, end_offset = excluded.end_offset',
    );
    this.writtenStmt = db.prepare<[], LogPosition>('SELECT segment, end_offset AS end FROM audit_log_written WHERE id = 1');
    this.setWritten = db.prepare(
      'INSERT INTO audit_log_written (id, segment, end_offset) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET segment = excluded.segment, end_offset = excluded.end_offset',
    );
    this.lossesStmt = db.prepare<[], LogLoss>('SELECT after_seq AS afterSeq, detail FROM audit_log_losses ORDER BY after_seq, rowid');
    this.addLoss = db.prepare('INSERT INTO audit_log_losses (after_seq, detail) VALUES (?, ?)');
    this.restartLog = db.transaction((at: LogPosition) => {
      this.setApplied.run(at.segment, at.end);
      this.setWritten.run(at.segment, at.end);
    }).immediate as (at: LogPosition) => void;

    this.insert = db.transaction((records: ChainedRecord[], at?: LogPosition) => {
      if (at) this.setApplied.run(at.segment, at.end);
      if (records.length === 0) return;
      for (const r of records) {
        const e = r.index;
        this.insertStmt.run(
          r.seq,
          e.eventTime,
          e.accountId,
          e.region,
          e.eventId,
          e.eventName,
          e.eventSource,
          e.readOnly ? 1 : 0,
          e.username ?? null,
          e.accessKeyId ?? null,
          encodeResources(e.resources),
          r.record,
          r.digest,
        );
      }
      const last = records[records.length - 1]!;
      this.setPoint.run('head', last.seq, last.digest);
    }).immediate as (records: ChainedRecord[], at?: LogPosition) => void;

    this.purgeBefore = db.transaction((cutoff: number): number => {
      const kept = this.firstKept.get(cutoff)?.seq ?? null;
      const upTo = kept === null ? this.lastSeq.get()?.seq ?? null : kept - 1;
      if (upTo === null) return 0;
      const last = this.rowAt.get(upTo);
      if (last === undefined) return 0;
      const removed = this.remove.run(upTo).changes;
      // The chain now starts after the last removed record: verification starts from its digest.
      this.setPoint.run('anchor', last.seq, last.digest);
      return removed;
    }).immediate as (cutoff: number) => number;
  }

  /** How far the write-ahead log has been applied (the start of segment 1 when it never was). */
  applied(): LogPosition {
    return this.appliedStmt.get() ?? { segment: 1, end: 0 };
  }

  /** How far the log had been written when the indexer last recorded it (see markWritten), if ever. */
  written(): LogPosition | undefined {
    return this.writtenStmt.get();
  }

  /**
   * Records how far the log has been written, while applying it waits (a burst): if the log is cut
   * before a restart applies it, the restart knows that records went missing.
   */
  markWritten(at: LogPosition): void {
    this.setWritten.run(at.segment, at.end);
  }

  /** Records that records written to the log after record `afterSeq` never reached the tables. */
  recordLoss(loss: LogLoss): void {
    this.addLoss.run(loss.afterSeq, loss.detail);
  }

  losses(): LogLoss[] {
    return this.lossesStmt.all();
  }

  /**
   * Where the next record chains on: the head last written, unless rows beyond it exist (then the
   * last row), so a new record never collides with a stored sequence number.
   */
  head(): ChainPoint {
    const head = this.point.get('head');
    const last = this.lastRow.get();
    if (head && (!last || head.seq >= last.seq)) return head;
    return last ?? this.point.get('anchor') ?? GENESIS;
  }
}
