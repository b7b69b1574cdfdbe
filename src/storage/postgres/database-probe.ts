import type { QueryConfig } from 'pg';
import type { PgDatabase } from './database.js';

/** How often, at most, a health check asks the database again. */
const PROBE_INTERVAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Why the database cannot be used now, for /health and /ready, which answer at once: the answer of
 * the last probe (SELECT 1, within PROBE_TIMEOUT_MS), and a new probe started when that one is
 * older than PROBE_INTERVAL_MS. A database that went away shows on the next check but one.
 */
export function pgDatabaseProblem(db: PgDatabase): () => string | undefined {
  let problem: string | undefined;
  let probedAt = 0;
  let probing = false;
  const probe = async () => {
    probing = true;
    try {
      const client = await db.pool.connect();
      try {
        await client.query({ text: 'SELECT 1', query_timeout: PROBE_TIMEOUT_MS } as QueryConfig);
        problem = undefined;
        client.release();
      } catch (err) {
        client.release(err as Error);
        throw err;
      }
    } catch (err) {
      problem = `the PostgreSQL database ${db.location} does not answer: ${(err as Error).message || String(err)}`;
    } finally {
      probedAt = Date.now();
      probing = false;
    }
  };
  return () => {
    if (!probing && Date.now() - probedAt >= PROBE_INTERVAL_MS) void probe();
    return problem;
  };
}
