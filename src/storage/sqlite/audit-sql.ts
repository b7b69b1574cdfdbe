import { GENESIS, linkRecords, type ChainPoint, type LinkedRecord } from '../../audit/chain.js';
import type { ChainTail, LogLoss } from '../../audit/repository.js';
import { existsSync } from 'node:fs';
import { encodeResources } from '../audit-resources.js';
import { readRange, records, removeSegment, segments, type LogPosition, type LogRecord } from './audit-log.js';
import type { Db } from './database.js';
import { withWriteLock, writeTransaction } from './write-lock.js';

// The audit tables and the writes on them: appending records after the chain's head (from a
// write-ahead log, or straight), and purging old ones.

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
  // Several logs, one per process that writes the trail (serve --shared-store): how far each was
  // applied and written, by name. The service's own log, in the log directory itself, is ''.
  `CREATE TABLE audit_logs (
     log TEXT PRIMARY KEY,
     applied_segment INTEGER NOT NULL,
     applied_end INTEGER NOT NULL,
     written_segment INTEGER,
     written_end INTEGER
   );
   INSERT INTO audit_logs (log, applied_segment, applied_end, written_segment, written_end)
     SELECT '', a.segment, a.end_offset, w.segment, w.end_offset FROM audit_log_applied a LEFT JOIN audit_log_written w ON w.id = 1 WHERE a.id = 1;
   DROP TABLE audit_log_applied;
   DROP TABLE audit_log_written;`,
];

// The resources column's encoding (instr() finds a type or a name) is shared with the PostgreSQL store.
export { decodeResources, encodeResources, SEP, TAB } from '../audit-resources.js';

/** What a log holds from a place on: whole records, up to the first line that is not one. */
export interface LogRead {
  /** The segment the lines are in, and the offset they start at. */
  segment: number;
  start: number;
  /** The records, each with the offset just past its line. */
  lines: LogRecord[];
  /** Where applying ends if every line is taken: past the last line, or the start of the next segment. */
  at: LogPosition;
}

/** What was applied of a log in one transaction. */
export interface Applied {
  /** Where applying started: the position the database held, whoever had applied up to it. */
  from: LogPosition;
  /** Where it stands now (`from` when nothing was read). */
  at: LogPosition;
  /** Records stored. */
  count: number;
  /** False when a line could not be taken as a record (a write a crash tore): applying stopped before it. */
  complete: boolean;
}

/**
 * The records of lines read from a log, linked after `head`. A line an earlier version already
 * numbered at or before `head` (its own `seq` in front) was applied then and is skipped. Stops at
 * the first line that is not a whole record. `end` is the offset past the last line taken, or
 * undefined when none was.
 */
function linkLines(head: ChainPoint, lines: readonly LogRecord[]): { records: LinkedRecord[]; end: number | undefined; complete: boolean } {
  let i = 0;
  let end: number | undefined;
  while (i < lines.length && lines[i]!.seq !== undefined && lines[i]!.seq! <= head.seq) end = lines[i++]!.end;
  const fresh = lines.slice(i);
  const links = linkRecords(head, fresh.map((l) => l.record));
  if (links.taken > 0) end = fresh[links.taken - 1]!.end;
  return { records: links.records, end, complete: links.taken === fresh.length };
}

/** The lines of a log segment from byte `from` (up to `to`, or its end), with offsets in the segment. */
export function readSegment(path: string, from: number, to?: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of records(readRange(path, from, to))) out.push({ ...line, end: from + line.end });
  return out;
}

/**
 * Removes every segment of log `log`. Applying starts again at the beginning of a segment number
 * no removed segment had, recorded before any is removed: a crash in between can neither apply a
 * record twice nor make a segment removed here look like one lost.
 */
export function clearLog(tables: AuditTables, log: string, dir: string): void {
  const present = existsSync(dir) ? segments(dir) : [];
  const applied = tables.applied(log);
  const written = tables.written(log);
  const used = Math.max(applied.segment, written?.segment ?? 0, ...present.map((s) => s.n));
  const untouched = present.length === 0 && applied.end === 0 && (written === undefined || (written.segment === applied.segment && written.end === 0));
  tables.restartLog(log, { segment: untouched ? applied.segment : used + 1, end: 0 });
  for (const s of present) removeSegment(s.path);
}

interface LogRow {
  applied_segment: number;
  applied_end: number;
  written_segment: number | null;
  written_end: number | null;
}

export class AuditTables implements ChainTail {
  private readonly insertStmt;
  private readonly lastRow;
  private readonly point;
  private readonly setPoint;
  private readonly firstKept;
  private readonly lastSeq;
  private readonly rowAt;
  private readonly remove;
  private readonly logStmt;
  private readonly setApplied;
  private readonly setWritten;
  private readonly forgetStmt;
  private readonly lossesStmt;
  private readonly addLoss;
  private readonly appendTx;
  private readonly applyTx;
  /** Removes the oldest records, up to the first whose event time is at or after `cutoff`; returns how many. */
  readonly purgeBefore: (cutoff: number) => number;
  /** Records that log `log` starts again at `at`, where nothing has been applied or written yet. */
  readonly restartLog: (log: string, at: LogPosition) => void;

  constructor(private readonly db: Db) {
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

    this.logStmt = db.prepare<[string], LogRow>('SELECT applied_segment, applied_end, written_segment, written_end FROM audit_logs WHERE log = ?');
    this.setApplied = db.prepare(
      `INSERT INTO audit_logs (log, applied_segment, applied_end) VALUES (?, ?, ?)
       ON CONFLICT (log) DO UPDATE SET applied_segment = excluded.applied_segment, applied_end = excluded.applied_end`,
    );
    this.setWritten = db.prepare(
      `INSERT INTO audit_logs (log, applied_segment, applied_end, written_segment, written_end) VALUES (@log, 1, 0, @segment, @end)
       ON CONFLICT (log) DO UPDATE SET written_segment = excluded.written_segment, written_end = excluded.written_end`,
    );
    this.forgetStmt = db.prepare('DELETE FROM audit_logs WHERE log = ?');
    this.lossesStmt = db.prepare<[], LogLoss>('SELECT after_seq AS afterSeq, detail FROM audit_log_losses ORDER BY after_seq, rowid');
    this.addLoss = db.prepare('INSERT INTO audit_log_losses (after_seq, detail) VALUES (?, ?)');
    this.restartLog = writeTransaction(db, (log: string, at: LogPosition) => {
      this.setApplied.run(log, at.segment, at.end);
      this.setWritten.run({ log, segment: at.segment, end: at.end });
    });

    this.appendTx = writeTransaction(db, (link: (head: ChainPoint) => LinkedRecord[]) => {
      const records = link(this.head());
      this.store(records);
    });

    this.applyTx = writeTransaction(db, (log: string, read: (from: LogPosition) => LogRead | undefined): Applied => {
      const from = this.applied(log);
      const got = read(from);
      if (got === undefined) return { from, at: from, count: 0, complete: true };
      const linked = linkLines(this.head(), got.lines);
      const at = linked.complete ? got.at : { segment: got.segment, end: linked.end ?? got.start };
      this.store(linked.records);
      if (at.segment !== from.segment || at.end !== from.end) this.setApplied.run(log, at.segment, at.end);
      return { from, at, count: linked.records.length, complete: linked.complete };
    });

    this.purgeBefore = writeTransaction(db, (cutoff: number): number => {
      const kept = this.firstKept.get(cutoff)?.seq ?? null;
      const upTo = kept === null ? this.lastSeq.get()?.seq ?? null : kept - 1;
      if (upTo === null) return 0;
      const last = this.rowAt.get(upTo);
      if (last === undefined) return 0;
      const removed = this.remove.run(upTo).changes;
      // The chain now starts after the last removed record: verification starts from its digest.
      this.setPoint.run('anchor', last.seq, last.digest);
      return removed;
    });
  }

  appendAfterHead(link: (head: ChainPoint) => LinkedRecord[]): void {
    this.appendTx(link);
  }

  /**
   * Applies log `log` from where the database says it was applied up to, whoever applied it (this
   * process's indexer, or another process catching up before a read, or adopting the log of one
   * that died): `read` is given that position and says what the log holds after it. The records
   * are linked after the head and stored with the log's new position in one transaction, which no
   * other writer of the file interleaves with, so no record is applied twice and the chain stays
   * one sequence.
   */
  applyLog(log: string, read: (from: LogPosition) => LogRead | undefined): Applied {
    return this.applyTx(log, read);
  }

  /** Stores linked records and moves the head to the last of them; inside a transaction. */
  private store(records: readonly LinkedRecord[]): void {
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
  }

  /** How far log `log` has been applied (the start of segment 1 when it never was). */
  applied(log: string): LogPosition {
    const row = this.logStmt.get(log);
    return row ? { segment: row.applied_segment, end: row.applied_end } : { segment: 1, end: 0 };
  }

  /** How far log `log` had been written when its indexer last recorded it (see markWritten), if ever. */
  written(log: string): LogPosition | undefined {
    const row = this.logStmt.get(log);
    return row && row.written_segment !== null ? { segment: row.written_segment, end: row.written_end! } : undefined;
  }

  /**
   * Records how far log `log` has been written, while applying it waits (a burst): if the log is
   * cut before a restart applies it, the restart knows that records went missing.
   */
  markWritten(log: string, at: LogPosition): void {
    withWriteLock(this.db, () => this.setWritten.run({ log, segment: at.segment, end: at.end }));
  }

  /** Forgets a log whose files are gone for good (applied, then removed). */
  forget(log: string): void {
    withWriteLock(this.db, () => this.forgetStmt.run(log));
  }

  /** Records that records written to the log after record `afterSeq` never reached the tables. */
  recordLoss(loss: LogLoss): void {
    withWriteLock(this.db, () => this.addLoss.run(loss.afterSeq, loss.detail));
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
