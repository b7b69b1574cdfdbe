import type { LeaseRepository } from '../../core/leases.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';

export const LEASE_SCHEMA: SchemaPart = {
  part: 'leases',
  steps: [
    `CREATE TABLE leases (
       job TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       expires_at BIGINT NOT NULL
     );`,
  ],
};

// Times are the database server's clock in milliseconds, unless the repository was given a clock
// ($last parameter; tests): nodes on several machines share no other clock, and a lease measures
// whether a node is alive in real time, whatever the service clock shows.
const NOW = (n: number) => `COALESCE($${n}::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)`;

const LEASE = {
  // Taken when free, expired, or already the holder's, in one statement: the row's lock orders
  // two nodes claiming at once, and the loser's WHERE sees the winner's lease.
  claim: statement(
    'lease-claim',
    `INSERT INTO leases (job, holder, expires_at) VALUES ($1, $2, ${NOW(4)} + $3)
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= ${NOW(4)}`,
  ),
  renew: statement('lease-renew', `UPDATE leases SET expires_at = ${NOW(4)} + $3 WHERE job = $1 AND holder = $2`),
  release: statement('lease-release', 'DELETE FROM leases WHERE job = $1 AND holder = $2'),
  holder: statement('lease-holder', `SELECT holder, expires_at AS "expiresAt" FROM leases WHERE job = $1 AND expires_at > ${NOW(2)}`),
};

/** Claims on background work, shared by every node on the database. */
export function pgLeaseRepository(db: PgDatabase, now?: () => number): LeaseRepository {
  const at = () => (now ? now() : null);
  return {
    claim: async (job, holder, ttlMs) => (await db.pool.query(LEASE.claim(job, holder, ttlMs, at()))).rowCount === 1,
    renew: async (job, holder, ttlMs) => (await db.pool.query(LEASE.renew(job, holder, ttlMs, at()))).rowCount === 1,
    release: async (job, holder) => void (await db.pool.query(LEASE.release(job, holder))),
    holder: async (job) => (await db.pool.query<{ holder: string; expiresAt: number }>(LEASE.holder(job, at()))).rows[0],
  };
}
