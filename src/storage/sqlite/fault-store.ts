import type { Fault, FaultKind, FaultRepository } from '../../cluster/faults.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

const FAULT_MIGRATIONS = [
  `CREATE TABLE faults (
     kind TEXT NOT NULL,
     target TEXT NOT NULL,
     doc TEXT NOT NULL,
     PRIMARY KEY (kind, target)
   );`,
];

/** The fault registry's rows on the shared database (part 'faults'). */
export function faultStoreOn(db: Db): FaultRepository {
  migrate(db, 'faults', FAULT_MIGRATIONS);
  const listStmt = db.prepare<[], { doc: string }>('SELECT doc FROM faults ORDER BY kind, target');
  const putStmt = db.prepare('INSERT INTO faults (kind, target, doc) VALUES (?, ?, ?) ON CONFLICT (kind, target) DO UPDATE SET doc = excluded.doc');
  const removeStmt = db.prepare('DELETE FROM faults WHERE kind = ? AND target = ?');
  return {
    list: async () => listStmt.all().map((r) => JSON.parse(r.doc) as Fault),
    put: async (f: Fault) => void putStmt.run(f.kind, f.target, JSON.stringify(f)),
    remove: async (kind: FaultKind, target: string) => removeStmt.run(kind, target).changes === 1,
  };
}
