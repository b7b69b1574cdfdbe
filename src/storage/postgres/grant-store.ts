import type { Scope } from '../../kms/key.js';
import type { GrantFilter, GrantInsert, GrantRecord, GrantRepository, Page } from '../../kms/repository.js';
import { type PgDatabase, statement } from './database.js';
import { inTransaction } from './transaction.js';
import { pageOf, rowsFor } from '../paging.js';

// The grants table is a step of the KMS schema (kms-store.ts). `seq` orders a key's grants by
// creation and is the paging cursor; the columns beside `doc` are what the lookups search.

interface GrantRow {
  seq: number;
  doc: string;
}

const GRANT = {
  insert: statement(
    'kms-grant-insert',
    `INSERT INTO grants (grant_id, key_id, account_id, region, name, grantee_principal, retiring_principal, doc)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  // The key's row, held until the grant is written: grants on one key are added one at a time, so
  // the quota and the named-grant check see every grant before them, and a key removed meanwhile
  // is seen as gone (a key is its id, account and Region: related multi-Region keys share an id, not their grants).
  lockKey: statement('kms-grant-lock-key', 'SELECT 1 FROM keys WHERE key_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  named: statement('kms-grant-named', 'SELECT seq, doc FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3 AND name = $4 ORDER BY seq'),
  count: statement('kms-grant-count', 'SELECT count(*)::int AS n FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3'),
  get: statement('kms-grant-get', 'SELECT seq, doc FROM grants WHERE grant_id = $1'),
  list: statement('kms-grant-list', 'SELECT seq, doc FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3 AND seq > $4 ORDER BY seq LIMIT $5'),
  listById: statement(
    'kms-grant-list-by-id',
    'SELECT seq, doc FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3 AND seq > $4 AND grant_id = $6 ORDER BY seq LIMIT $5',
  ),
  listByGrantee: statement(
    'kms-grant-list-by-grantee',
    'SELECT seq, doc FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3 AND seq > $4 AND grantee_principal = $6 ORDER BY seq LIMIT $5',
  ),
  retirable: statement(
    'kms-grant-retirable',
    'SELECT seq, doc FROM grants WHERE account_id = $1 AND region = $2 AND retiring_principal = $3 AND seq > $4 ORDER BY seq LIMIT $5',
  ),
  grantee: statement(
    'kms-grant-grantee',
    'SELECT seq, doc FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3 AND grantee_principal = $4 ORDER BY seq',
  ),
  remove: statement('kms-grant-remove', 'DELETE FROM grants WHERE grant_id = $1'),
};

const parse = (row: GrantRow): GrantRecord => JSON.parse(row.doc) as GrantRecord;

export class PgGrants implements GrantRepository {
  constructor(private readonly db: PgDatabase) {}

  async insert(grant: GrantRecord, limit: number, same: (g: GrantRecord) => boolean): Promise<GrantInsert> {
    return inTransaction(this.db.pool, async (tx): Promise<GrantInsert> => {
      const key = [grant.keyId, grant.accountId, grant.region];
      if ((await tx.query(GRANT.lockKey(...key))).rowCount === 0) return { outcome: 'noKey' };
      if (grant.name !== undefined) {
        const match = (await tx.query<GrantRow>(GRANT.named(...key, grant.name))).rows.map(parse).find(same);
        if (match) return { outcome: 'existing', grant: match };
      }
      if ((await tx.query<{ n: number }>(GRANT.count(...key))).rows[0]!.n >= limit) return { outcome: 'limit' };
      await tx.query(
        GRANT.insert(grant.grantId, grant.keyId, grant.accountId, grant.region, grant.name ?? null, grant.granteePrincipal, grant.retiringPrincipal ?? null, JSON.stringify(grant)),
      );
      return { outcome: 'created', grant };
    });
  }

  async get(grantId: string): Promise<GrantRecord | undefined> {
    const row = (await this.db.pool.query<GrantRow>(GRANT.get(grantId))).rows[0];
    return row && parse(row);
  }

  async listForKey(scope: Scope, keyId: string, limit: number, after?: string, filter: GrantFilter = {}): Promise<Page<GrantRecord>> {
    const page = [keyId, scope.accountId, scope.region, cursor(after), rowsFor(limit)];
    const query =
      filter.grantId !== undefined
        ? GRANT.listById(...page, filter.grantId)
        : filter.granteePrincipal !== undefined
          ? GRANT.listByGrantee(...page, filter.granteePrincipal)
          : GRANT.list(...page);
    const rows = (await this.db.pool.query<GrantRow>(query)).rows;
    // A grant id names one grant, so both filters at once keep the rows that match the second too.
    const kept = filter.grantId !== undefined && filter.granteePrincipal !== undefined ? rows.filter((r) => parse(r).granteePrincipal === filter.granteePrincipal) : rows;
    return paged(kept, limit);
  }

  async listRetirable(scope: Scope, retiringPrincipal: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    return paged((await this.db.pool.query<GrantRow>(GRANT.retirable(scope.accountId, scope.region, retiringPrincipal, cursor(after), rowsFor(limit)))).rows, limit);
  }

  async forGrantee(scope: Scope, keyId: string, granteePrincipal: string): Promise<GrantRecord[]> {
    return (await this.db.pool.query<GrantRow>(GRANT.grantee(keyId, scope.accountId, scope.region, granteePrincipal))).rows.map(parse);
  }

  async remove(grantId: string): Promise<boolean> {
    return (await this.db.pool.query(GRANT.remove(grantId))).rowCount === 1;
  }
}

/** The cursor is the last row's `seq`; anything else starts from the beginning. */
function cursor(after: string | undefined): number {
  const n = after === undefined ? 0 : Number(after);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function paged(rows: GrantRow[], limit: number): Page<GrantRecord> {
  return pageOf(rows, limit, parse, (_, row) => String(row.seq));
}
