import { GENESIS, type ChainPoint } from '../../audit/chain.js';
import { indexOf, type CloudTrailRecord, type RecordIndex } from '../../audit/record.js';
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
];

/**
 * The resources column holds `SEP type TAB name SEP type TAB name SEP` (empty without resources):
 * one instr() finds a whole type (`SEP type TAB`) or a whole name (`TAB name SEP`, or
 * `:key/id SEP` for a KMS key named by its id), and the list reads back exactly.
 */
export const SEP = '\u001f';
export const TAB = '\t';

export const encodeResources = (resources: ReadonlyArray<{ type: string; name: string }>): string =>
  resources.length === 0 ? '' : SEP + resources.map((r) => r.type + TAB + r.name).join(SEP) + SEP;

export function decodeResources(text: string): Array<{ type: string; name: string }> {
  if (text === '') return [];
  return text
    .slice(1, -1)
    .split(SEP)
    .map((item) => {
      const tab = item.indexOf(TAB);
      return { type: item.slice(0, tab), name: item.slice(tab + 1) };
    });
}

/** A record with its place in the chain, ready to store. */
export interface ChainedRecord {
  seq: number;
  digest: string;
  record: string;
  /** Derived from the record when absent. */
  index?: RecordIndex;
}

/** The searchable columns of a record, derived from its text exactly as verification derives them. */
export function indexOfText(record: string): RecordIndex {
  const parsed = JSON.parse(record) as CloudTrailRecord;
  return indexOf(parsed, Date.parse(parsed.eventTime));
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
  /** Stores records in one transaction and moves the head to the last of them. */
  readonly insert: (records: ChainedRecord[]) => void;
  /** Removes the oldest records, up to the first whose event time is at or after `cutoff`; returns how many. */
  readonly purgeBefore: (cutoff: number) => number;

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

    this.insert = db.transaction((records: ChainedRecord[]) => {
      if (records.length === 0) return;
      for (const r of records) {
        const e = r.index ?? indexOfText(r.record);
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
    }).immediate as (records: ChainedRecord[]) => void;

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
