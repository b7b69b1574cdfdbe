import { GENESIS, GENESIS_DIGEST, linkRecords, type ChainPoint, type LinkedRecord } from '../../audit/chain.js';
import { indexOfText, type RecordIndex } from '../../audit/record.js';
import {
  CHAIN_PAGE_BYTES,
  type AuditStore,
  type AuditStoreCondition,
  type ChainTail,
  type ExportPage,
  type FoundRecord,
  type LogLoss,
  type LookupAttributeKey,
  type LookupFilter,
  type StoredRecord,
} from '../../audit/repository.js';
import { verifyTrail, type VerifyReport } from '../../audit/verify.js';
import { encodeResources, SEP, TAB } from '../audit-resources.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import { inTransaction, LOCK, lockName } from './transaction.js';
import { cannotBeStored } from './text-values.js';
import { type AuditRow, storedRecord } from '../audit-rows.js';

// The audit trail in PostgreSQL, as the port stands: one table of records, each with its place in
// the chain (a sequence number and a digest over the previous record's) and the columns
// LookupEvents filters on, and the chain's head and anchor beside it. Records go straight to the
// tables: a commit is what makes a call's record durable here, so there is no log of our own.
// The head is one row that every append locks, so the nodes sharing the database append to one
// chain in one order.

export const AUDIT_SCHEMA: SchemaPart = {
  part: 'audit',
  steps: [
    `CREATE TABLE audit_events (
       seq BIGINT PRIMARY KEY,
       event_time BIGINT NOT NULL,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       event_id TEXT NOT NULL,
       event_name TEXT NOT NULL,
       event_source TEXT NOT NULL,
       read_only BOOLEAN NOT NULL,
       username TEXT,
       access_key_id TEXT,
       resources TEXT NOT NULL,
       record TEXT NOT NULL,
       digest TEXT NOT NULL
     );
     CREATE INDEX audit_events_time ON audit_events (account_id, region, event_time, seq);
     CREATE INDEX audit_events_name ON audit_events (account_id, region, event_name, event_time, seq);
     CREATE TABLE audit_chain (point TEXT PRIMARY KEY, seq BIGINT NOT NULL, digest TEXT NOT NULL);
     INSERT INTO audit_chain (point, seq, digest) VALUES ('head', 0, '${GENESIS_DIGEST}');`,
  ],
};

/** Records written in one transaction at most: a burst is written in a few large commits, not one per call. */
const MAX_BATCH = 500;

const SQL = {
  // Sent with BEGIN (see inTransaction): the head every append of every node locks.
  head: "SELECT seq, digest FROM audit_chain WHERE point = 'head' FOR UPDATE",
  // The records and the head they lead to, in one statement.
  append: statement(
    'audit-append',
    `WITH appended AS (
       INSERT INTO audit_events (seq, event_time, account_id, region, event_id, event_name, event_source, read_only,
         username, access_key_id, resources, record, digest)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[],
         $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
     )
     UPDATE audit_chain SET seq = $14, digest = $15 WHERE point = 'head'`,
  ),
  setPoint: statement(
    'audit-set-point',
    'INSERT INTO audit_chain (point, seq, digest) VALUES ($1, $2, $3) ON CONFLICT (point) DO UPDATE SET seq = excluded.seq, digest = excluded.digest',
  ),
  point: statement('audit-point', 'SELECT seq, digest FROM audit_chain WHERE point = $1'),
  export: statement(
    'audit-export',
    'SELECT seq, record FROM audit_events WHERE seq > $1 AND account_id = $2 AND event_time BETWEEN $3 AND $4 ORDER BY seq LIMIT $5',
  ),
  chain: statement('audit-chain', 'SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2'),
  // In sequence order, the oldest first: the scan stops at the first record kept, so a purge reads
  // about as many rows as it removes.
  firstKept: statement('audit-first-kept', 'SELECT seq FROM audit_events WHERE event_time >= $1 ORDER BY seq LIMIT 1'),
  lastRow: statement('audit-last-row', 'SELECT seq, digest FROM audit_events WHERE seq <= $1 ORDER BY seq DESC LIMIT 1'),
  remove: statement('audit-remove', 'DELETE FROM audit_events WHERE seq <= $1'),
};

/** The filter for each lookup attribute; `$5` is the value in its column's form, `$6` a KMS key's id form. */
const ATTRIBUTE_CLAUSES: Record<LookupAttributeKey, string> = {
  EventId: 'event_id = $5',
  EventName: 'event_name = $5',
  ReadOnly: 'read_only = $5',
  Username: 'username = $5',
  ResourceType: 'strpos(resources, $5) > 0',
  ResourceName: '(strpos(resources, $5) > 0 OR strpos(resources, $6) > 0)',
  EventSource: 'event_source = $5',
  AccessKeyId: 'access_key_id = $5',
};

interface Pending {
  record: string;
  index: RecordIndex;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function pgAuditStore(db: PgDatabase): AuditStore {
  return new PgAuditStore(db);
}

class PgAuditStore implements AuditStore, ChainTail {
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  /** Why the last write failed, until one succeeds. */
  private failure: Error | undefined;
  private verifying: Promise<VerifyReport> | undefined;
  private nextVerify: Promise<VerifyReport> | undefined;

  constructor(private readonly db: PgDatabase) {}

  /** Every record is durable once committed, the server's synchronous_commit permitting: `changed` asks nothing more. */
  append(record: string): Promise<void> {
    let index: RecordIndex;
    try {
      index = indexOfText(record);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ record, index, resolve, reject });
      this.write();
    });
  }

  /** One batch at a time: what arrives while one commits goes in the next, in the order appended. */
  private write(): void {
    if (this.writing) return;
    this.writing = this.writeBatch(this.queue.splice(0, MAX_BATCH)).finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.write();
    });
  }

  /**
   * The head's row, locked with BEGIN, is where every node's append waits its turn: the chain's
   * logic (audit/chain.ts) runs on the head as committed by whoever appended last.
   */
  async appendAfterHead(link: (head: ChainPoint) => LinkedRecord[]): Promise<void> {
    await inTransaction<void, ChainPoint>(
      this.db.pool,
      async (tx, [locked]) => {
        const records = link(locked ?? GENESIS);
        if (records.length === 0) return;
        const columns: unknown[][] = Array.from({ length: 13 }, () => []);
        for (const r of records) {
          const e = r.index;
          const values = [r.seq, e.eventTime, e.accountId, e.region, e.eventId, e.eventName, e.eventSource, e.readOnly, e.username ?? null, e.accessKeyId ?? null, encodeResources(e.resources), r.record, r.digest];
          values.forEach((v, i) => columns[i]!.push(v));
        }
        const head = records[records.length - 1]!;
        await tx.query(SQL.append(...columns, head.seq, head.digest));
      },
      SQL.head,
    );
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      // append() took only whole records: every one of the batch is linked.
      await this.appendAfterHead((head) => linkRecords(head, batch.map((p) => p.record)).records);
      this.failure = undefined;
      for (const p of batch) p.resolve();
    } catch (err) {
      this.failure = err as Error;
      for (const p of batch) p.reject(err);
    }
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async lookup(f: LookupFilter): Promise<FoundRecord[]> {
    // No record holds a NUL (PostgreSQL's text cannot), so a value with one matches nothing.
    if (f.attribute && cannotBeStored(f.attribute.value)) return [];
    await this.flush();
    const values: unknown[] = [f.accountId, f.region, f.startTime, Math.min(f.endTime, Number.MAX_SAFE_INTEGER)];
    const where = ['account_id = $1', 'region = $2', 'event_time BETWEEN $3 AND $4'];
    if (f.attribute) {
      const [value, keyId] = attributeValue(f.attribute.key, f.attribute.value);
      values.push(value);
      if (keyId !== undefined) values.push(keyId);
      where.push(ATTRIBUTE_CLAUSES[f.attribute.key]);
    }
    if (f.after) {
      values.push(f.after.eventTime, f.after.seq);
      where.push(`(event_time, seq) < ($${values.length - 1}, $${values.length})`);
    }
    values.push(f.limit);
    const text = `SELECT seq, event_time AS "eventTime", record FROM audit_events WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT $${values.length}`;
    const name = `audit-lookup-${f.attribute?.key ?? 'all'}${f.after ? '-after' : ''}`;
    return (await this.db.pool.query<FoundRecord>({ name, text, values })).rows;
  }

  async exportPage(accountId: string, startTime: number, endTime: number, afterSeq: number, limit: number, maxBytes: number): Promise<ExportPage> {
    await this.flush();
    const rows = (await this.db.pool.query<{ seq: number; record: string }>(SQL.export(afterSeq, accountId, startTime, Math.min(endTime, Number.MAX_SAFE_INTEGER), limit + 1))).rows;
    const records: ExportPage['records'] = [];
    let bytes = 0;
    for (const row of rows) {
      if (records.length === limit || (records.length > 0 && bytes + row.record.length > maxBytes)) return { records, more: true };
      records.push(row);
      bytes += row.record.length;
    }
    return { records, more: false };
  }

  async chainPage(afterSeq: number, limit: number): Promise<StoredRecord[]> {
    await this.flush();
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (const row of (await this.db.pool.query<AuditRow>(SQL.chain(afterSeq, limit))).rows) {
      out.push(storedRecord(row));
      bytes += row.record.length;
      if (bytes >= CHAIN_PAGE_BYTES) break;
    }
    return out;
  }

  async chainEnds(): Promise<{ anchor: ChainPoint; head: ChainPoint | undefined; losses: LogLoss[] }> {
    await this.flush();
    const [anchor, head] = await Promise.all(['anchor', 'head'].map(async (point) => (await this.db.pool.query<ChainPoint>(SQL.point(point))).rows[0]));
    // The head row starts at the genesis: a trail that never had a record has no head.
    return { anchor: anchor ?? GENESIS, head: head && head.seq > 0 ? head : undefined, losses: [] };
  }

  verify(): Promise<VerifyReport> {
    if (this.verifying === undefined) return (this.verifying = verifyTrail(this).finally(() => (this.verifying = undefined)));
    // One runs already, and may have started before the caller's last records: the next run,
    // shared by everyone who asks meanwhile, starts when it ends.
    return (this.nextVerify ??= this.verifying
      .catch(() => {})
      .then(() => {
        this.nextVerify = undefined;
        return this.verify();
      }));
  }

  purgeBefore(cutoff: number): Promise<number> {
    return inTransaction(this.db.pool, async (tx) => {
      // Nodes purging at once: one removes, the others find nothing left to remove.
      await lockName(tx, LOCK.auditPurge, 'purge');
      const kept = (await tx.query<{ seq: number }>(SQL.firstKept(cutoff))).rows[0]?.seq;
      const last = (await tx.query<ChainPoint>(SQL.lastRow(kept === undefined ? Number.MAX_SAFE_INTEGER : kept - 1))).rows[0];
      if (last === undefined) return 0;
      const removed = (await tx.query(SQL.remove(last.seq))).rowCount ?? 0;
      // The chain now starts after the last removed record: verification starts from its digest.
      await tx.query(SQL.setPoint('anchor', last.seq, last.digest));
      return removed;
    });
  }

  condition(): AuditStoreCondition {
    return this.failure ? { problem: `the audit trail cannot be written to PostgreSQL: ${this.failure.message}`, backlogBytes: 0 } : { backlogBytes: 0 };
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

function attributeValue(key: LookupAttributeKey, value: string): [unknown, string?] {
  switch (key) {
    case 'ReadOnly':
      return [value === 'true'];
    case 'ResourceType':
      return [SEP + value + TAB];
    case 'ResourceName':
      return [TAB + value + SEP, `:key/${value}${SEP}`];
    default:
      return [value];
  }
}

