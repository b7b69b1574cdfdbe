import type { PgDatabase } from './database.js';

/**
 * A part of the service's schema (kms, cluster, audit, …) and its steps in order. As with the
 * SQLite store, `schema_migrations` records how far each part has come, and appending a step to
 * one part never touches another.
 */
export interface SchemaPart {
  part: string;
  steps: readonly string[];
}

// One bigint for pg_advisory_lock, the same on every node: "KWSCHEMA" in ASCII (0x4b57534348454d41).
const SCHEMA_LOCK = '5428899424258837825';
/** How long a node waits for another that migrates (a large table can take a while). */
const MIGRATION_WAIT_MS = 300_000;

/** The database's schema is newer than this node's code knows: it was migrated by a newer version. */
export class SchemaTooNew extends Error {}

/**
 * Brings every part up to date. Nodes that start together queue on one advisory lock held for the
 * session, so exactly one of them applies each step, each step in a transaction with its record;
 * the others find the work done. A node older than the schema refuses to start rather than write
 * in a shape it does not know.
 */
export async function migrate(db: PgDatabase, parts: readonly SchemaPart[]): Promise<void> {
  const client = await db.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`SET statement_timeout = ${MIGRATION_WAIT_MS}`);
    await client.query(`SELECT pg_advisory_lock(${SCHEMA_LOCK}::bigint)`);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
      const { rows } = await client.query<{ part: string; version: number }>('SELECT part, version FROM schema_migrations');
      const versions = new Map(rows.map((r) => [r.part, r.version]));
      for (const { part, steps } of parts) {
        const at = versions.get(part) ?? 0;
        if (at > steps.length) {
          throw new SchemaTooNew(
            `the database's schema for ${part} is at version ${at}, newer than this Keywarden knows (${steps.length}); run the same version of Keywarden on every node`,
          );
        }
        for (let v = at; v < steps.length; v++) {
          await client.query('BEGIN');
          try {
            await client.query(steps[v]!);
            await client.query(
              'INSERT INTO schema_migrations (part, version) VALUES ($1, $2) ON CONFLICT (part) DO UPDATE SET version = excluded.version',
              [part, v + 1],
            );
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK');
            throw err;
          }
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${SCHEMA_LOCK}::bigint)`);
      await client.query('RESET statement_timeout');
    }
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // A connection that failed mid-migration may still hold the lock: closed rather than reused.
    client.release(broken);
  }
}
