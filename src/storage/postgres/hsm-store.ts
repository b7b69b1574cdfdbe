import type { ClusterContent, HsmSession } from '../../cluster/model.js';
import type { ContentRepository, SessionRepository } from '../../cluster/repository.js';
import type { Sealer } from '../../core/sealer.js';
import { SessionTokens, tokenDigest } from '../session-tokens.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import { inTransaction } from './transaction.js';
import { cannotBeStored } from './text-values.js';

// hsm_sessions.session_id holds the SHA-256 of the session's token, not the token (session-tokens.ts).
export const HSM_SCHEMA: SchemaPart = {
  part: 'hsm',
  steps: [
    `CREATE TABLE hsm_contents (
       cluster_id TEXT PRIMARY KEY,
       doc TEXT NOT NULL
     );
     CREATE TABLE hsm_sessions (
       session_id TEXT COLLATE "C" PRIMARY KEY,
       cluster_id TEXT NOT NULL,
       opened_at BIGINT NOT NULL,
       doc TEXT NOT NULL
     );
     CREATE INDEX hsm_sessions_cluster ON hsm_sessions (cluster_id, opened_at, session_id);`,
  ],
};

export interface HsmStore {
  contents: ContentRepository;
  sessions: SessionRepository;
}

/**
 * What the HSMs of each cluster hold (one JSON document per cluster) and the login sessions open
 * on them, rows of their own: they are not content, so a backup never carries them.
 */
export function pgHsmStore(db: PgDatabase, sealer: Sealer): HsmStore {
  return { contents: new PgContents(db), sessions: new PgSessions(db, sealer) };
}

interface DocRow {
  doc: string;
}

const CONTENT = {
  get: statement('hsm-content-get', 'SELECT doc FROM hsm_contents WHERE cluster_id = $1'),
  locked: statement('hsm-content-locked', 'SELECT doc FROM hsm_contents WHERE cluster_id = $1 FOR UPDATE'),
  put: statement('hsm-content-put', 'INSERT INTO hsm_contents (cluster_id, doc) VALUES ($1, $2) ON CONFLICT (cluster_id) DO UPDATE SET doc = excluded.doc'),
  write: statement('hsm-content-write', 'UPDATE hsm_contents SET doc = $2 WHERE cluster_id = $1'),
  remove: statement('hsm-content-remove', 'DELETE FROM hsm_contents WHERE cluster_id = $1'),
};

const content = (rows: DocRow[]) => (rows[0] ? (JSON.parse(rows[0].doc) as ClusterContent) : undefined);

class PgContents implements ContentRepository {
  constructor(private readonly db: PgDatabase) {}

  async get(clusterId: string): Promise<ClusterContent | undefined> {
    if (cannotBeStored(clusterId)) return undefined;
    return content((await this.db.pool.query<DocRow>(CONTENT.get(clusterId))).rows);
  }

  async put(clusterId: string, c: ClusterContent): Promise<void> {
    await this.db.pool.query(CONTENT.put(clusterId, JSON.stringify(c)));
  }

  async update(clusterId: string, change: (c: ClusterContent) => ClusterContent): Promise<ClusterContent | undefined> {
    if (cannotBeStored(clusterId)) return undefined;
    return inTransaction(this.db.pool, async (tx) => {
      const current = content((await tx.query<DocRow>(CONTENT.locked(clusterId))).rows);
      if (!current) return undefined;
      const next = change(current);
      await tx.query(CONTENT.write(clusterId, JSON.stringify(next)));
      return next;
    });
  }

  async remove(clusterId: string): Promise<void> {
    await this.db.pool.query(CONTENT.remove(clusterId));
  }
}

interface KeyedRow {
  digest: string;
  doc: string;
}

const SESSION = {
  open: statement('hsm-session-open', 'INSERT INTO hsm_sessions (session_id, cluster_id, opened_at, doc) VALUES ($1, $2, $3, $4)'),
  get: statement('hsm-session-get', 'SELECT session_id AS digest, doc FROM hsm_sessions WHERE session_id = $1'),
  list: statement('hsm-session-list', 'SELECT session_id AS digest, doc FROM hsm_sessions WHERE cluster_id = $1 ORDER BY opened_at, session_id'),
  close: statement('hsm-session-close', 'DELETE FROM hsm_sessions WHERE session_id = $1'),
  closeAll: statement('hsm-session-close-all', 'DELETE FROM hsm_sessions WHERE cluster_id = $1 RETURNING session_id AS digest'),
};

class PgSessions implements SessionRepository {
  private readonly tokens: SessionTokens;

  constructor(
    private readonly db: PgDatabase,
    sealer: Sealer,
  ) {
    this.tokens = new SessionTokens(sealer);
  }

  async open(session: HsmSession): Promise<void> {
    const digest = tokenDigest(session.sessionId);
    await this.db.pool.query(SESSION.open(digest, session.clusterId, session.openedAt, this.tokens.sealed(session, digest)));
  }

  async get(sessionId: string): Promise<HsmSession | undefined> {
    const row = (await this.db.pool.query<KeyedRow>(SESSION.get(tokenDigest(sessionId)))).rows[0];
    return row && this.tokens.session(row.digest, row.doc);
  }

  async list(clusterId: string): Promise<HsmSession[]> {
    if (cannotBeStored(clusterId)) return [];
    return (await this.db.pool.query<KeyedRow>(SESSION.list(clusterId))).rows.map((r) => this.tokens.session(r.digest, r.doc));
  }

  async close(sessionId: string): Promise<boolean> {
    const digest = tokenDigest(sessionId);
    this.tokens.forget(digest);
    return (await this.db.pool.query(SESSION.close(digest))).rowCount === 1;
  }

  async closeAll(clusterId: string): Promise<number> {
    if (cannotBeStored(clusterId)) return 0;
    const closed = (await this.db.pool.query<{ digest: string }>(SESSION.closeAll(clusterId))).rows;
    for (const r of closed) this.tokens.forget(r.digest);
    return closed.length;
  }
}
