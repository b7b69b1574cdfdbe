import type pg from 'pg';

// Every read-modify-write of the PostgreSQL stores runs here: BEGIN, the work on one connection,
// COMMIT. Writers of one record queue on its row lock (SELECT … FOR UPDATE) or, where a check
// spans rows that may not exist yet (a name unique in a scope, a quota), on a transaction-scoped
// advisory lock; under READ COMMITTED each statement after the wait sees what the writer before
// committed, so the check repeated inside the transaction holds when it writes. Two nodes can
// still deadlock, or a serializable caller fail to serialize: PostgreSQL then rolls one back, and
// that one runs again from the start, a bounded number of times.

const RETRIED = new Set(['40001', '40P01']);
export const MAX_ATTEMPTS = 8;

export type Tx = pg.PoolClient;

/**
 * `opening`, a statement without parameters (a row to lock and read first), is sent with BEGIN in
 * one round trip, and its rows handed to `work`: on the path of every call, round trips are most
 * of what a transaction costs.
 */
export async function inTransaction<T, R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  work: (tx: Tx, opened: R[]) => Promise<T>,
  opening?: string,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      let opened: R[] = [];
      if (opening === undefined) await client.query('BEGIN');
      else opened = ((await client.query(`BEGIN; ${opening}`)) as unknown as [pg.QueryResult, pg.QueryResult<R>])[1].rows;
      const result = await work(client, opened);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollback) {
        // The connection is unusable: it leaves the pool instead of going back to it.
        broken = rollback as Error;
      }
      if (attempt < MAX_ATTEMPTS && RETRIED.has((err as { code?: string }).code ?? '')) {
        await pause(attempt);
        continue;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** A few milliseconds, more each time and spread out, so that the transactions that collided do not collide again. */
function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
}

/**
 * Takes a lock on `name` (a scope, a key id) until the transaction ends. Class numbers keep the
 * purposes apart; hashtext's collisions only make two unrelated writers wait for each other.
 */
export async function lockName(tx: Tx, lockClass: number, name: string): Promise<void> {
  await tx.query({ name: 'lock-name', text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))', values: [lockClass, name] });
}

export const LOCK = {
  keyStoreScope: 0x4b5701,
  relatedKeys: 0x4b5702,
  networkScope: 0x4b5703,
  auditPurge: 0x4b5704,
} as const;
