import { checkValue, RootKeyMismatch, rootKeyMatches, SETTING } from '../root-key-check.js';
import type { PgDatabase } from './database.js';

// The PostgreSQL side of root-key-check.ts: the database remembers the root key it was first used
// with, so that a node started with another key stops before it reads or writes anything with it.
// Every node of a deployment needs the same key.

/** The check value the database holds, if any: read before any part of the schema is created. */
export async function storedRootKeyCheck(db: PgDatabase): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [SETTING]).catch((err: { code?: string }) => {
    // No settings table yet (42P01): a new database.
    if (err.code === '42P01') return { rows: [] };
    throw err;
  });
  return rows[0]?.value;
}

/** Throws RootKeyMismatch unless the database holds `rootKey`'s check value or none. */
export function checkRootKeyFor(stored: string | undefined, rootKey: Buffer, location: string): void {
  if (stored === undefined || rootKeyMatches(stored, rootKey)) return;
  throw new RootKeyMismatch(
    `the root key does not match the one the PostgreSQL database ${location} was first used with; ` +
      'every node needs that key: pass it with --root-key-file or KEYWARDEN_ROOT_KEY',
  );
}

/**
 * Records the check value unless one is (the first node to start on a new database), then checks
 * against what is recorded: of two nodes that started together on a new database with different
 * keys, the one that did not record its key stops here.
 */
export async function recordRootKeyCheckIn(db: PgDatabase, rootKey: Buffer): Promise<void> {
  await db.pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [SETTING, checkValue(rootKey).toString('hex')]);
  checkRootKeyFor(await storedRootKeyCheck(db), rootKey, db.location);
}
