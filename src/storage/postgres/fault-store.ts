import type { Fault, FaultKind, FaultRepository } from '../../cluster/faults.js';
import { FAULTS_COUNTER } from '../../core/shared-state.js';
import { bumpCounter } from './change-counters.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import { inTransaction } from './transaction.js';

export const FAULT_SCHEMA: SchemaPart = {
  part: 'faults',
  steps: [
    `CREATE TABLE faults (
       kind TEXT COLLATE "C" NOT NULL,
       target TEXT COLLATE "C" NOT NULL,
       doc TEXT NOT NULL,
       PRIMARY KEY (kind, target)
     );`,
  ],
};

const FAULT = {
  list: statement('fault-list', 'SELECT doc FROM faults ORDER BY kind, target'),
  put: statement('fault-put', 'INSERT INTO faults (kind, target, doc) VALUES ($1, $2, $3) ON CONFLICT (kind, target) DO UPDATE SET doc = excluded.doc'),
  remove: statement('fault-remove', 'DELETE FROM faults WHERE kind = $1 AND target = $2'),
};

/**
 * The fault registry's rows. Each change moves the faults' counter in its transaction, so that the
 * other nodes reload them before their next request.
 */
export function pgFaultRepository(db: PgDatabase): FaultRepository {
  return {
    list: async () => (await db.pool.query<{ doc: string }>(FAULT.list())).rows.map((r) => JSON.parse(r.doc) as Fault),
    put: (f: Fault) =>
      inTransaction(db.pool, async (tx) => {
        await tx.query(FAULT.put(f.kind, f.target, JSON.stringify(f)));
        await bumpCounter(tx, FAULTS_COUNTER);
      }),
    remove: (kind: FaultKind, target: string) =>
      inTransaction(db.pool, async (tx) => {
        const removed = (await tx.query(FAULT.remove(kind, target))).rowCount === 1;
        if (removed) await bumpCounter(tx, FAULTS_COUNTER);
        return removed;
      }),
  };
}
