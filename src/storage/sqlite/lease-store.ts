import type { LeaseRepository } from '../../core/leases.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { withWriteLock } from './write-lock.js';

const LEASE_MIGRATIONS = [
  `CREATE TABLE leases (
     job TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
];

export interface SqliteLeases extends LeaseRepository {
  /**
   * Forgets every lease: for a service that holds the data directory alone, which knows that
   * whoever held them is gone (they would otherwise hold its jobs up until they expire).
   */
  clear(): void;
}

/**
 * Leases on the shared database (part 'leases'). Every change is one statement, so SQLite's write
 * lock makes it atomic across the processes on the file. Times are the system's real time
 * (processes sharing a SQLite file share a machine, so they share its clock); `now` is for tests.
 */
export function leaseStoreOn(db: Db, now: () => number = Date.now): SqliteLeases {
  migrate(db, 'leases', LEASE_MIGRATIONS);
  // Taken when free, expired, or already the holder's; `changes` says whether it was.
  const claimStmt = db.prepare(
    `INSERT INTO leases (job, holder, expires_at) VALUES (@job, @holder, @until)
     ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
  );
  const renewStmt = db.prepare('UPDATE leases SET expires_at = @until WHERE job = @job AND holder = @holder');
  const releaseStmt = db.prepare('DELETE FROM leases WHERE job = ? AND holder = ?');
  const holderStmt = db.prepare<[string, number], { holder: string; expiresAt: number }>(
    'SELECT holder, expires_at AS expiresAt FROM leases WHERE job = ? AND expires_at > ?',
  );
  const clearStmt = db.prepare('DELETE FROM leases');
  return {
    async claim(job, holder, ttlMs) {
      const t = now();
      return withWriteLock(db, () => claimStmt.run({ job, holder, until: t + ttlMs, now: t })).changes === 1;
    },
    async renew(job, holder, ttlMs) {
      return withWriteLock(db, () => renewStmt.run({ job, holder, until: now() + ttlMs })).changes === 1;
    },
    async release(job, holder) {
      withWriteLock(db, () => releaseStmt.run(job, holder));
    },
    async holder(job) {
      return holderStmt.get(job, now());
    },
    clear() {
      withWriteLock(db, () => clearStmt.run());
    },
  };
}
