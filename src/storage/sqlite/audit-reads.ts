import { GENESIS, type ChainPoint } from '../../audit/chain.js';
import { CHAIN_PAGE_BYTES, type ExportPage, type LogLoss, type StoredRecord } from '../../audit/repository.js';
import type { Db } from './database.js';
import { type AuditRow, storedRecord } from '../audit-rows.js';

// The long reads of the audit tables, export and verification, on whichever connection they are
// given: the reader thread's (audit-reader-thread.ts), or the only one of an in-memory database.
// Pages stop at a number of records or of bytes of record text, whichever comes first, so a page
// of large records is never held whole in memory; statements are iterated rather than read whole
// for the same reason.

export class AuditReads {
  private readonly exportStmt;
  private readonly chainStmt;
  private readonly pointStmt;
  private readonly lossesStmt;

  constructor(db: Db) {
    // In trail order straight from the table: through the account's index, SQLite would sort
    // every matching record, text and all, before returning the first of a page.
    this.exportStmt = db.prepare<[number, string, number, number], { seq: number; record: string }>(
      'SELECT seq, record FROM audit_events NOT INDEXED WHERE seq > ? AND account_id = ? AND event_time BETWEEN ? AND ? ORDER BY seq',
    );
    this.chainStmt = db.prepare<[number], AuditRow>('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq');
    this.pointStmt = db.prepare<[string], ChainPoint>('SELECT seq, digest FROM audit_chain WHERE point = ?');
    this.lossesStmt = db.prepare<[], LogLoss>('SELECT after_seq AS afterSeq, detail FROM audit_log_losses ORDER BY after_seq, rowid');
  }

  exportPage(accountId: string, startTime: number, endTime: number, afterSeq: number, limit: number, maxBytes: number): ExportPage {
    const records: ExportPage['records'] = [];
    let bytes = 0;
    for (const row of this.exportStmt.iterate(afterSeq, accountId, startTime, Math.min(endTime, Number.MAX_SAFE_INTEGER))) {
      if (records.length === limit || (records.length > 0 && bytes + row.record.length > maxBytes)) {
        // Leaving the loop early resets the statement.
        return { records, more: true };
      }
      records.push(row);
      bytes += row.record.length;
    }
    return { records, more: false };
  }

  chainPage(afterSeq: number, limit: number): StoredRecord[] {
    const rows: StoredRecord[] = [];
    let bytes = 0;
    for (const row of this.chainStmt.iterate(afterSeq)) {
      rows.push(storedRecord(row));
      bytes += row.record.length;
      if (rows.length === limit || bytes >= CHAIN_PAGE_BYTES) break;
    }
    return rows;
  }

  chainEnds(): { anchor: ChainPoint; head: ChainPoint | undefined; losses: LogLoss[] } {
    return { anchor: this.pointStmt.get('anchor') ?? GENESIS, head: this.pointStmt.get('head'), losses: this.lossesStmt.all() };
  }
}

