import type { ClusterContent, HsmSession } from '../../cluster/model.js';
import type { ContentRepository, SessionRepository } from '../../cluster/repository.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

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
 * are not content, so a backup never carries them.
 */
export function hsmStoreOn(db: Db): HsmStore {
  migrate(db, 'hsm', HSM_MIGRATIONS);
  return { contents: new SqliteContents(db), sessions: new SqliteSessions(db) };
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

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], DocRow>('SELECT doc FROM hsm_contents WHERE cluster_id = ?');
    this.putStmt = db.prepare(
      'INSERT INTO hsm_contents (cluster_id, doc) VALUES (?, ?) ON CONFLICT (cluster_id) DO UPDATE SET doc = excluded.doc',
    );
    this.writeStmt = db.prepare('UPDATE hsm_contents SET doc = ? WHERE cluster_id = ?');
    this.removeStmt = db.prepare('DELETE FROM hsm_contents WHERE cluster_id = ?');
    this.updateTx = db.transaction((clusterId: string, change: (c: ClusterContent) => ClusterContent) => {
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
    this.putStmt.run(clusterId, JSON.stringify(content));
  }

  async update(clusterId: string, change: (c: ClusterContent) => ClusterContent): Promise<ClusterContent | undefined> {
    return this.updateTx.immediate(clusterId, change);
  }

  async remove(clusterId: string): Promise<void> {
    this.removeStmt.run(clusterId);
  }
}

class SqliteSessions implements SessionRepository {
  private readonly openStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly closeStmt;
  private readonly closeAllStmt;

  constructor(db: Db) {
    this.openStmt = db.prepare('INSERT INTO hsm_sessions (session_id, cluster_id, opened_at, doc) VALUES (?, ?, ?, ?)');
    this.getStmt = db.prepare<[string], DocRow>('SELECT doc FROM hsm_sessions WHERE session_id = ?');
    this.listStmt = db.prepare<[string], DocRow>('SELECT doc FROM hsm_sessions WHERE cluster_id = ? ORDER BY opened_at, session_id');
    this.closeStmt = db.prepare('DELETE FROM hsm_sessions WHERE session_id = ?');
    this.closeAllStmt = db.prepare('DELETE FROM hsm_sessions WHERE cluster_id = ?');
  }

  async open(session: HsmSession): Promise<void> {
    this.openStmt.run(session.sessionId, session.clusterId, session.openedAt, JSON.stringify(session));
  }

  async get(sessionId: string): Promise<HsmSession | undefined> {
    const row = this.getStmt.get(sessionId);
    return row && (JSON.parse(row.doc) as HsmSession);
  }

  async list(clusterId: string): Promise<HsmSession[]> {
    return this.listStmt.all(clusterId).map((r) => JSON.parse(r.doc) as HsmSession);
  }

  async close(sessionId: string): Promise<boolean> {
    return this.closeStmt.run(sessionId).changes === 1;
  }

  async closeAll(clusterId: string): Promise<number> {
    return this.closeAllStmt.run(clusterId).changes;
  }
}
