import { CLUSTER_STATE_COUNTER, type ChangeCounters } from '../../core/shared-state.js';
import { CLUSTER_STATE_TABLES } from '../cluster-state-cache.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import type { Tx } from './transaction.js';

export const COUNTER_SCHEMA: SchemaPart = {
  part: 'counters',
  steps: [`CREATE TABLE change_counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL);`],
};

/**
 * Triggers that move CLUSTER_STATE_COUNTER with every statement that changes a custom key store, a
 * cluster, its content or its sessions, in that statement's transaction: a node that keeps those
 * records (storage/cluster-state-cache.ts) learns from its read of the counters before each request
 * whether another node changed any of them. After the tables and the counters (last in SCHEMA).
 */
export const CLUSTER_STATE_SCHEMA: SchemaPart = {
  part: 'cluster-state',
  steps: [
    `CREATE OR REPLACE FUNCTION keywarden_cluster_state_moved() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO change_counters (name, n) VALUES ('${CLUSTER_STATE_COUNTER}', 1) ON CONFLICT (name) DO UPDATE SET n = change_counters.n + 1;
       RETURN NULL;
     END $$;
     ${CLUSTER_STATE_TABLES.map(
       (table) => `CREATE TRIGGER ${table}_moves_cluster_state AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION keywarden_cluster_state_moved();`,
     ).join('\n     ')}`,
  ],
};

const COUNTER = {
  // A few rows, read whole with one statement before every request of every node.
  all: statement('counters-all', 'SELECT name, n FROM change_counters'),
  bump: statement('counters-bump', 'INSERT INTO change_counters (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = change_counters.n + 1'),
};

/** Moves counter `name` by one, inside the transaction of the change it stands for. */
export async function bumpCounter(tx: Tx, name: string): Promise<void> {
  await tx.query(COUNTER.bump(name));
}

export function pgChangeCounters(db: PgDatabase): ChangeCounters {
  return {
    read: async () => new Map((await db.pool.query<{ name: string; n: number }>(COUNTER.all())).rows.map((r) => [r.name, r.n])),
  };
}
