import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:http';

// How long the endpoint waits on a caller, and how many callers it holds at once. AWS SDKs send a
// KMS call as soon as the connection is open and keep it for the next call only briefly, so a
// connection that stays silent is one nobody will use: holding it costs a file descriptor, and
// descriptors are what the database and the audit trail need too.

/** An idle keep-alive connection is closed after this; SDKs open a new one without an error. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A request's headers must have arrived this long after its connection opened (or its previous request ended). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A request must have arrived whole (headers and body) this long after it started; answering may take longer. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often the two timeouts above are checked, so a silent connection goes within a second of its deadline. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * Descriptors the service needs besides connections: the database and its journal (twice: the
 * indexer thread has its own connection), the audit log's segments, the runtime's own (event loop,
 * worker threads, standard streams) and headroom for a TLS key or a credentials file read later.
 */
export const RESERVED_DESCRIPTORS = 64;

/** The options every endpoint server is created with (http and https alike). */
export function timeoutOptions(): ServerOptions {
  return {
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
}

export interface ConnectionLimit {
  maxConnections: number;
  /** Set when the limit leaves the service too few descriptors: one sentence for the operator. */
  warning?: string;
}

/**
 * The most connections held at once. Without `requested`, the default, lowered when the process's
 * open-file limit would run out first; a `requested` value is kept, with a warning when it is
 * more than the limit leaves. `fileLimit` is the limit on open files (undefined when unknown).
 */
export function connectionLimit(requested: number | undefined, fileLimit: number | undefined): ConnectionLimit {
  const room = fileLimit === undefined ? undefined : Math.max(1, fileLimit - RESERVED_DESCRIPTORS);
  if (requested === undefined) {
    return { maxConnections: room === undefined ? DEFAULT_MAX_CONNECTIONS : Math.min(DEFAULT_MAX_CONNECTIONS, room) };
  }
  if (room !== undefined && requested > room) {
    return {
      maxConnections: requested,
      warning:
        `--max-connections ${requested} is more than the open-file limit (${fileLimit}) leaves after the ` +
        `${RESERVED_DESCRIPTORS} descriptors the service keeps for itself; raise the limit (ulimit -n) or lower --max-connections.`,
    };
  }
  return { maxConnections: requested };
}

/** The process's soft limit on open files, where the system says (Linux); undefined elsewhere. */
export function openFileLimit(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
