import type { Fault, FaultKind, FaultRepository } from '../../cluster/faults.js';
import { FAULTS_COUNTER } from '../../core/shared-state.js';
import { changeCountersOn } from './change-counters.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { writeTransaction } from './write-lock.js';

const FAULT_MIGRATIONS = [
  `CREATE TABLE faults (
     kind TEXT NOT NULL,
     target TEXT NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (kind, target)
   );`,
];

/**
 * The fault registry's rows on the shared database (part 'faults'). Each change moves the faults'
 * counter in its transaction, so that the other nodes of a shared store reload them.
 */
export function faultStoreOn(db: Db): FaultRepository {
  migrate(db, 'faults', FAULT_MIGRATIONS);
  const counters = changeCountersOn(db);
  const listStmt = db.prepare<[], { doc: string }>('SELECT doc FROM faults ORDER BY kind, target');
  const putStmt = db.prepare('INSERT INTO faults (kind, target, doc) VALUES (?, ?, ?) ON CONFLICT (kind, target) DO UPDATE SET doc = excluded.doc');
  const removeStmt = db.prepare('DELETE FROM faults WHERE kind = ? AND target = ?');
  const putTx = writeTransaction(db, (f: Fault) => {
    putStmt.run(f.kind, f.target, JSON.stringify(f));
    counters.bump(FAULTS_COUNTER);
  });
  const removeTx = writeTransaction(db, (kind: FaultKind, target: string): boolean => {
    const removed = removeStmt.run(kind, target).changes === 1;
    if (removed) counters.bump(FAULTS_COUNTER);
    return removed;
  });
  return {
    list: async () => listStmt.all().map((r) => JSON.parse(r.doc) as Fault),
    put: async (f: Fault) => putTx(f),
    remove: async (kind: FaultKind, target: string) => removeTx(kind, target),
  };
}
