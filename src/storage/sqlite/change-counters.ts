import { CLUSTER_STATE_COUNTER, type ChangeCounters, type OtherCommits } from '../../core/shared-state.js';
import { CLUSTER_STATE_TABLES } from '../cluster-state-cache.js';
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

const CLUSTER_STATE_MIGRATIONS = [
  CLUSTER_STATE_TABLES.flatMap((table) =>
    ['INSERT', 'UPDATE', 'DELETE'].map(
      (event) =>
        `CREATE TRIGGER ${table}_${event.toLowerCase()}_moves_cluster_state AFTER ${event} ON ${table} BEGIN
           INSERT INTO change_counters (name, n) VALUES ('${CLUSTER_STATE_COUNTER}', 1) ON CONFLICT (name) DO UPDATE SET n = n + 1;
         END;`,
    ),
  ).join('\n'),
];

/**
 * Triggers that move CLUSTER_STATE_COUNTER with every change of a custom key store, a cluster, its
 * content or its sessions, in the change's own transaction (part 'cluster-state', once those
 * tables and the counters exist): a node that keeps those records (storage/cluster-state-cache.ts)
 * learns from one read of the counters whether another node changed any of them.
 */
export function clusterStateCounterOn(db: Db): void {
  migrate(db, 'cluster-state', CLUSTER_STATE_MIGRATIONS);
}

/**
 * SQLite's data_version of `db`: it moves when another connection commits to the file (another
 * process sharing the data directory, or this process's audit indexer), never for `db`'s own.
 */
export function otherCommitsOn(db: Db): OtherCommits {
  const version = db.prepare<[], number>('PRAGMA data_version').pluck();
  return { read: () => version.get()! };
}
