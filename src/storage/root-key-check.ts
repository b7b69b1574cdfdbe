import { createHmac, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import type { Db } from './sqlite/database.js';

// The database remembers which root key it was created with, so that a start with another one
// stops before anything is read or written with it: not the key, but an HMAC under it of a fixed
// text, from which the key cannot be found. Without it, a lost or replaced root.key started a
// service whose stored keys all failed with an internal error.

/** The setting that holds the check value, in every store. */
export const SETTING = 'rootKey.check';
export const checkValue = (rootKey: Buffer) => createHmac('sha256', rootKey).update('keywarden root key check').digest();

/** Whether a stored check value (hex) is `rootKey`'s. */
export function rootKeyMatches(stored: string, rootKey: Buffer): boolean {
  const expected = Buffer.from(stored, 'hex');
  const actual = checkValue(rootKey);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The root key given is not the one the data directory's database was created with. */
export class RootKeyMismatch extends Error {}

/**
 * Throws RootKeyMismatch unless the database recorded `rootKey`'s check value or none at all. Only
 * reads: it runs before any part of the schema is created or migrated.
 */
export function checkRootKey(db: Db, rootKey: Buffer, dataDir: string): void {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get()) return;
  const stored = db.prepare<[string], string>('SELECT value FROM settings WHERE name = ?').pluck().get(SETTING);
  if (stored === undefined) return;
  if (!rootKeyMatches(stored, rootKey)) {
    throw new RootKeyMismatch(
      `the root key does not match the one the data directory ${resolve(dataDir)} was created with; ` +
        'restore its root.key from a backup, or pass that key with --root-key-file or KEYWARDEN_ROOT_KEY',
    );
  }
}

/**
 * Records the check value if none is (a new data directory, or one an earlier version made: its
 * key is taken as the right one from then on). Needs the settings table.
 */
export function recordRootKeyCheck(db: Db, rootKey: Buffer): void {
  db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(SETTING, checkValue(rootKey).toString('hex'));
}
