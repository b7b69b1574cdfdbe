import type { ClusterContent, HsmSession } from '../../cluster/model.js';
import type { ContentRepository, SessionRepository } from '../../cluster/repository.js';
import type { Sealer } from '../../core/sealer.js';
import { SessionTokens, tokenDigest } from '../session-tokens.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { withWriteLock, writeTransaction } from './write-lock.js';

// hsm_sessions.session_id holds the SHA-256 of the session's token, not the token (see SqliteSessions).
const HSM_MIGRATIONS = [
  `CREATE TABLE hsm_contents (
     cluster_id TEXT PRIMARY KEY,
     doc TEXT NOT NULL
   );
   CREATE TABLE hsm_sessions (
     session_id TEXT PRIMARY KEY,
     cluster_id TEXT NOT NULL,
     opened_at INTEGER NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX hsm_sessions_cluster ON hsm_sessions (cluster_id, opened_at);`,
];

export interface HsmStore {
  contents: ContentRepository;
  sessions: SessionRepository;
}

/**
 * What the HSMs of each cluster hold (users and key objects, one JSON document per cluster) and
 * the login sessions open on them, on the shared database. Sessions are rows of their own: they
 * are not content, so a backup never carries them. Their tokens are sealed under the root key.
 */
export function hsmStoreOn(db: Db, sealer: Sealer): HsmStore {
  migrate(db, 'hsm', HSM_MIGRATIONS);
  return { contents: new SqliteContents(db), sessions: new SqliteSessions(db, sealer) };
}

interface DocRow {
  doc: string;
}

class SqliteContents implements ContentRepository {
  private readonly getStmt;
  private readonly putStmt;
  private readonly writeStmt;
  private readonly removeStmt;
  private readonly updateTx;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], DocRow>('SELECT doc FROM hsm_contents WHERE cluster_id = ?');
    this.putStmt = db.prepare(
      'INSERT INTO hsm_contents (cluster_id, doc) VALUES (?, ?) ON CONFLICT (cluster_id) DO UPDATE SET doc = excluded.doc',
    );
    this.writeStmt = db.prepare('UPDATE hsm_contents SET doc = ? WHERE cluster_id = ?');
    this.removeStmt = db.prepare('DELETE FROM hsm_contents WHERE cluster_id = ?');
    this.updateTx = writeTransaction(db, (clusterId: string, change: (c: ClusterContent) => ClusterContent) => {
      const row = this.getStmt.get(clusterId);
      if (!row) return undefined;
      const next = change(JSON.parse(row.doc) as ClusterContent);
      this.writeStmt.run(JSON.stringify(next), clusterId);
      return next;
    });
  }

  async get(clusterId: string): Promise<ClusterContent | undefined> {
    const row = this.getStmt.get(clusterId);
    return row && (JSON.parse(row.doc) as ClusterContent);
  }

  async put(clusterId: string, content: ClusterContent): Promise<void> {
    withWriteLock(this.db, () => this.putStmt.run(clusterId, JSON.stringify(content)));
  }

  async update(clusterId: string, change: (c: ClusterContent) => ClusterContent): Promise<ClusterContent | undefined> {
    return this.updateTx(clusterId, change);
  }

  async remove(clusterId: string): Promise<void> {
    withWriteLock(this.db, () => this.removeStmt.run(clusterId));
  }
}

/** Sessions keyed by their token's digest, the token sealed in the row (session-tokens.ts). */
class SqliteSessions implements SessionRepository {
  private readonly openStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly closeStmt;
  private readonly closeAllStmt;
  private readonly tokens: SessionTokens;

  constructor(
    private readonly db: Db,
    sealer: Sealer,
  ) {
    this.tokens = new SessionTokens(sealer);
    this.openStmt = db.prepare('INSERT INTO hsm_sessions (session_id, cluster_id, opened_at, doc) VALUES (?, ?, ?, ?)');
    this.getStmt = db.prepare<[string], KeyedRow>('SELECT session_id AS digest, doc FROM hsm_sessions WHERE session_id = ?');
    this.listStmt = db.prepare<[string], KeyedRow>('SELECT session_id AS digest, doc FROM hsm_sessions WHERE cluster_id = ? ORDER BY opened_at, session_id');
    this.closeStmt = db.prepare('DELETE FROM hsm_sessions WHERE session_id = ?');
    this.closeAllStmt = db.prepare('DELETE FROM hsm_sessions WHERE cluster_id = ?');
    this.sealRowsInClear();
  }

  async open(session: HsmSession): Promise<void> {
    const digest = tokenDigest(session.sessionId);
    const sealed = this.tokens.sealed(session, digest);
    withWriteLock(this.db, () => this.openStmt.run(digest, session.clusterId, session.openedAt, sealed));
  }

  async get(sessionId: string): Promise<HsmSession | undefined> {
    const row = this.getStmt.get(tokenDigest(sessionId));
    return row && this.tokens.session(row.digest, row.doc);
  }

  async list(clusterId: string): Promise<HsmSession[]> {
    return this.listStmt.all(clusterId).map((r) => this.tokens.session(r.digest, r.doc));
  }

  async close(sessionId: string): Promise<boolean> {
    const digest = tokenDigest(sessionId);
    this.tokens.forget(digest);
    return withWriteLock(this.db, () => this.closeStmt.run(digest)).changes === 1;
  }

  async closeAll(clusterId: string): Promise<number> {
    for (const r of this.listStmt.all(clusterId)) this.tokens.forget(r.digest);
    return withWriteLock(this.db, () => this.closeAllStmt.run(clusterId)).changes;
  }

  /**
   * Rows an earlier version wrote with the token in clear (login sessions outlive restarts) are
   * sealed once, with SQLite overwriting what it deletes and the write-ahead log emptied after,
   * so that the clear tokens are gone from the files too.
   */
  private sealRowsInClear(): void {
    const clear = this.db.prepare<[], { id: string; doc: string }>("SELECT session_id AS id, doc FROM hsm_sessions WHERE json_extract(doc, '$.sessionId') IS NOT NULL").all();
    if (clear.length === 0) return;
    const secureDelete = this.db.pragma('secure_delete', { simple: true });
    this.db.pragma('secure_delete = ON');
    try {
      writeTransaction(this.db, () => {
        for (const row of clear) {
          const session = JSON.parse(row.doc) as HsmSession;
          const digest = tokenDigest(session.sessionId);
          this.closeStmt.run(row.id);
          this.openStmt.run(digest, session.clusterId, session.openedAt, this.tokens.sealed(session, digest));
        }
      })();
    } finally {
      this.db.pragma(`secure_delete = ${Number(secureDelete)}`);
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

interface KeyedRow {
  digest: string;
  doc: string;
}

