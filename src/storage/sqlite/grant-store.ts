import type { Scope } from '../../kms/key.js';
import type { GrantFilter, GrantInsert, GrantRecord, GrantRepository, Page } from '../../kms/repository.js';
import type { Db } from './database.js';
import { pageOf, rowsFor } from '../paging.js';
import { withWriteLock, writeTransaction } from './write-lock.js';

/**
 * The KMS schema's grants table (a step of KMS_MIGRATIONS, so an existing data directory gains it
 * on its next start). `seq` orders a key's grants by creation and is the paging cursor; the
 * columns beside `doc` are what the lookups search.
 */
export const GRANTS_TABLE = `CREATE TABLE grants (
     seq INTEGER PRIMARY KEY,
     grant_id TEXT NOT NULL UNIQUE,
     key_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     name TEXT,
     grantee_principal TEXT NOT NULL,
     retiring_principal TEXT,
     doc TEXT NOT NULL
   );
   CREATE INDEX grants_key ON grants (key_id, seq);
   CREATE INDEX grants_grantee ON grants (key_id, grantee_principal);
   CREATE INDEX grants_name ON grants (key_id, name) WHERE name IS NOT NULL;
   CREATE INDEX grants_retiring ON grants (account_id, region, retiring_principal, seq) WHERE retiring_principal IS NOT NULL;`;

interface GrantRow {
  seq: number;
  doc: string;
}

const parse = (row: GrantRow): GrantRecord => JSON.parse(row.doc) as GrantRecord;

export class SqliteGrants implements GrantRepository {
  private readonly insertStmt;
  private readonly keyExistsStmt;
  private readonly namedStmt;
  private readonly countStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly listByIdStmt;
  private readonly listByGranteeStmt;
  private readonly retirableStmt;
  private readonly granteeStmt;
  private readonly removeStmt;
  private readonly insertTx;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO grants (grant_id, key_id, account_id, region, name, grantee_principal, retiring_principal, doc)
       VALUES (@grantId, @keyId, @accountId, @region, @name, @granteePrincipal, @retiringPrincipal, @doc)`,
    );
    // A key is its id, account and Region: related multi-Region keys share an id, not their grants.
    this.keyExistsStmt = db.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM keys WHERE key_id = ? AND account_id = ? AND region = ?');
    this.namedStmt = db.prepare<[string, string, string, string], GrantRow>(
      'SELECT seq, doc FROM grants WHERE key_id = ? AND account_id = ? AND region = ? AND name = ? ORDER BY seq',
    );
    this.countStmt = db.prepare<[string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM grants WHERE key_id = ? AND account_id = ? AND region = ?');
    this.getStmt = db.prepare<[string], GrantRow>('SELECT seq, doc FROM grants WHERE grant_id = ?');
    this.listStmt = db.prepare<[string, string, string, number, number], GrantRow>(
      'SELECT seq, doc FROM grants WHERE key_id = ? AND account_id = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.listByIdStmt = db.prepare<[string, string, string, string, number, number], GrantRow>(
      'SELECT seq, doc FROM grants WHERE key_id = ? AND account_id = ? AND region = ? AND grant_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.listByGranteeStmt = db.prepare<[string, string, string, string, number, number], GrantRow>(
      'SELECT seq, doc FROM grants WHERE key_id = ? AND account_id = ? AND region = ? AND grantee_principal = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.retirableStmt = db.prepare<[string, string, string, number, number], GrantRow>(
      'SELECT seq, doc FROM grants WHERE account_id = ? AND region = ? AND retiring_principal = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.granteeStmt = db.prepare<[string, string, string, string], GrantRow>(
      'SELECT seq, doc FROM grants WHERE key_id = ? AND account_id = ? AND region = ? AND grantee_principal = ? ORDER BY seq',
    );
    this.removeStmt = db.prepare('DELETE FROM grants WHERE grant_id = ?');
    this.insertTx = writeTransaction(db, (grant: GrantRecord, limit: number, same: (g: GrantRecord) => boolean): GrantInsert => {
      const key = [grant.keyId, grant.accountId, grant.region] as const;
      if (!this.keyExistsStmt.get(...key)) return { outcome: 'noKey' };
      if (grant.name !== undefined) {
        const match = this.namedStmt.all(...key, grant.name).map(parse).find(same);
        if (match) return { outcome: 'existing', grant: match };
      }
      if (this.countStmt.get(...key)!.n >= limit) return { outcome: 'limit' };
      this.insertStmt.run({
        grantId: grant.grantId,
        keyId: grant.keyId,
        accountId: grant.accountId,
        region: grant.region,
        name: grant.name ?? null,
        granteePrincipal: grant.granteePrincipal,
        retiringPrincipal: grant.retiringPrincipal ?? null,
        doc: JSON.stringify(grant),
      });
      return { outcome: 'created', grant };
    });
  }

  async insert(grant: GrantRecord, limit: number, same: (existing: GrantRecord) => boolean): Promise<GrantInsert> {
    return this.insertTx(grant, limit, same);
  }

  async get(grantId: string): Promise<GrantRecord | undefined> {
    const row = this.getStmt.get(grantId);
    return row && parse(row);
  }

  async listForKey(scope: Scope, keyId: string, limit: number, after?: string, filter: GrantFilter = {}): Promise<Page<GrantRecord>> {
    const from = cursor(after);
    const key = [keyId, scope.accountId, scope.region] as const;
    const rows =
      filter.grantId !== undefined
        ? this.listByIdStmt.all(...key, filter.grantId, from, rowsFor(limit))
        : filter.granteePrincipal !== undefined
          ? this.listByGranteeStmt.all(...key, filter.granteePrincipal, from, rowsFor(limit))
          : this.listStmt.all(...key, from, rowsFor(limit));
    // A grant id names one grant, so both filters at once keep the rows that match the second too.
    const kept = filter.grantId !== undefined && filter.granteePrincipal !== undefined ? rows.filter((r) => parse(r).granteePrincipal === filter.granteePrincipal) : rows;
    return page(kept, limit);
  }

  async listRetirable(scope: Scope, retiringPrincipal: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    return page(this.retirableStmt.all(scope.accountId, scope.region, retiringPrincipal, cursor(after), rowsFor(limit)), limit);
  }

  async forGrantee(scope: Scope, keyId: string, granteePrincipal: string): Promise<GrantRecord[]> {
    return this.granteeStmt.all(keyId, scope.accountId, scope.region, granteePrincipal).map(parse);
  }

  async remove(grantId: string): Promise<boolean> {
    return withWriteLock(this.db, () => this.removeStmt.run(grantId)).changes === 1;
  }
}

/** The cursor is the last row's `seq`; anything else starts from the beginning. */
function cursor(after: string | undefined): number {
  const n = after === undefined ? 0 : Number(after);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function page(rows: GrantRow[], limit: number): Page<GrantRecord> {
  return pageOf(rows, limit, parse, (_, row) => String(row.seq));
}
