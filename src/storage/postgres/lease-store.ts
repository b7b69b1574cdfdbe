import type { LeaseRepository } from '../../core/leases.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';

export const LEASE_SCHEMA: SchemaPart = {
  part: 'leases',
  steps: [
    `CREATE TABLE leases (
       job TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       expires_at TIMESTAMPTZ NOT NULL
     );`,
  ],
};

// Times are the database server's (now()): nodes on several machines share no other clock, and a
// lease measures whether a node is alive in real time, whatever the service clock shows.
const LEASE = {
  // Taken when free, expired, or already the holder's, in one statement: the row's lock orders
  // two nodes claiming at once, and the loser's WHERE sees the winner's lease.
  claim: statement(
    'lease-claim',
    `INSERT INTO leases (job, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= now()`,
  ),
  renew: statement('lease-renew', "UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond' WHERE job = $1 AND holder = $2 AND expires_at > now()"),
  release: statement('lease-release', 'DELETE FROM leases WHERE job = $1 AND holder = $2'),
  holder: statement(
    'lease-holder',
    'SELECT holder, (extract(epoch FROM expires_at) * 1000)::float8 AS "expiresAt" FROM leases WHERE job = $1 AND expires_at > now()',
  ),
};

/** Claims on background work, shared by every node on the database. */
export function pgLeaseRepository(db: PgDatabase): LeaseRepository {
  return {
    claim: async (job, holder, ttlMs) => (await db.pool.query(LEASE.claim(job, holder, ttlMs))).rowCount === 1,
    renew: async (job, holder, ttlMs) => (await db.pool.query(LEASE.renew(job, holder, ttlMs))).rowCount === 1,
    release: async (job, holder) => void (await db.pool.query(LEASE.release(job, holder))),
    holder: async (job) => (await db.pool.query<{ holder: string; expiresAt: number }>(LEASE.holder(job))).rows[0],
  };
}
