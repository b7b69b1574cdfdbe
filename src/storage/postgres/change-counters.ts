import type { ChangeCounters } from '../../core/shared-state.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import type { Tx } from './transaction.js';

export const COUNTER_SCHEMA: SchemaPart = {
  part: 'counters',
  steps: [`CREATE TABLE change_counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL);`],
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
