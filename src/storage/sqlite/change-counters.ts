import type { ChangeCounters } from '../../core/shared-state.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

const COUNTER_MIGRATIONS = [`CREATE TABLE change_counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);`];

/** Moves counter `name` by one; run inside the transaction of the change it stands for. */
export type Bump = (name: string) => void;

/** The change counters on the shared database (part 'counters'), and the statement that moves one. */
export function changeCountersOn(db: Db): ChangeCounters & { bump: Bump } {
  migrate(db, 'counters', COUNTER_MIGRATIONS);
  // A few rows: read whole, with one statement, before every request of a node on a shared store.
  const all = db.prepare<[], { name: string; n: number }>('SELECT name, n FROM change_counters');
  const bump = db.prepare('INSERT INTO change_counters (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1');
  return {
    read: async () => new Map(all.all().map((r) => [r.name, r.n])),
    bump: (name) => void bump.run(name),
  };
}
