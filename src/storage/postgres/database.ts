import pg from 'pg';

/**
 * A pool of connections to one PostgreSQL database, shared by every store of the service. The
 * pool is bounded, and so is every statement: a database that stops answering fails calls within
 * STATEMENT_TIMEOUT_MS instead of holding them (and their connections) for ever.
 */
export interface PgDatabase {
  readonly pool: pg.Pool;
  /** The database as the operator named it, without a password (for /health and messages). */
  readonly location: string;
  close(): Promise<void>;
}

export const POOL_SIZE = 10;
export const STATEMENT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** A --store value that is not a PostgreSQL URL. */
export class StoreUrlError extends Error {}

/**
 * Parses a `postgres://` (or `postgresql://`) URL. Anything else is refused here, before a
 * connection is tried, with what was wrong.
 */
export function parseStoreUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreUrlError(`--store takes a PostgreSQL URL such as postgres://user@host:5432/keywarden, not '${redact(text)}'`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreUrlError(`--store takes a PostgreSQL URL (postgres://user@host:5432/database), not a ${url.protocol.replace(/:$/, '')} URL`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) throw new StoreUrlError(`--store ${redact(text)} names no host: postgres://user@host:5432/database`);
  if (url.pathname.length <= 1) throw new StoreUrlError(`--store ${redact(text)} names no database: postgres://user@host:5432/database`);
  return url;
}

/** The URL with its password replaced, so that it can be logged and shown. */
export function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
  }
}

// int8 columns hold times in milliseconds and sequence numbers, all within 2^53: numbers, not strings.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Opens the pool and checks that the database answers, so that a wrong URL or a database that is
 * not there stops the start with one line naming --store.
 */
export async function openPgDatabase(text: string): Promise<PgDatabase> {
  const url = parseStoreUrl(text);
  const location = redact(url.toString());
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: POOL_SIZE,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // The server ends a statement after STATEMENT_TIMEOUT_MS; this catches a server that went silent.
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
    idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS * 2,
    application_name: 'keywarden',
    keepAlive: true,
    types,
  });
  let closing: Promise<void> | undefined;
  const db: PgDatabase = { pool, location, close: () => (closing ??= pool.end()) };
  // An idle connection the server dropped (a restart, a failover) leaves the pool; the next query
  // opens another, and the health probe reports a database that stays away. Unhandled, the event
  // would end the process.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot use the PostgreSQL database of --store ${location}: ${(err as Error).message || (err as { code?: string }).code || String(err)}`);
  }
  return db;
}

/** Whatever runs a query: the pool, or a transaction's connection. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * A statement that each connection prepares once, under its name, and then only executes (the
 * key lookups run on every call). A name must mean one text across the service: each module's
 * names start with its own prefix.
 */
export function statement(name: string, text: string): (...values: unknown[]) => pg.QueryConfig {
  return (...values) => ({ name, text, values });
}
