import { existsSync } from 'node:fs';
import type { Db } from './database.js';

/**
 * Why the database cannot be used now, or undefined: it must answer a query, and a database file
 * must still be where it was opened. SQLite goes on writing to a file that was deleted while
 * open, and everything written then is gone at the next start.
 */
export function databaseProblem(db: Db): string | undefined {
  try {
    db.prepare('SELECT 1').get();
  } catch (err) {
    return `the database does not answer: ${(err as Error).message}`;
  }
  if (!db.memory && !existsSync(db.name)) return `the database file ${db.name} was removed while in use`;
  return undefined;
}
