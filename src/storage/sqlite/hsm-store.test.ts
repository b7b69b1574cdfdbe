import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HsmSession } from '../../cluster/model.js';
import { secureRandom } from '../../core/random.js';
import { Sealer } from '../../core/sealer.js';
import { hsmStoreContract } from '../hsm-contract.js';
import { openDatabase } from './database.js';
import { hsmStoreOn } from './hsm-store.js';

const sealer = new Sealer(Buffer.alloc(32, 3), secureRandom);

hsmStoreContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return { ...hsmStoreOn(db, sealer), close: async () => void db.close() };
});

/** A temporary directory for one test, removed after it. */
function withDir(work: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keywarden-hsm-'));
    try {
      await work(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Everything SQLite keeps of the database on disk: the file and its write-ahead log. */
const onDisk = (file: string) =>
  Buffer.concat([readFileSync(file), ...['-wal', '-shm'].filter((x) => existsSync(file + x)).map((x) => readFileSync(file + x))]).toString('latin1');

const session = (sessionId: string): HsmSession => ({ sessionId, clusterId: 'cluster-a', username: 'kmsuser', role: 'crypto-user', client: 'kms', openedAt: 1 });

test(
  'sqlite hsm store: contents and sessions survive reopening the file',
  withDir(async (dir) => {
    const file = join(dir, 'k.db');
    const first = openDatabase(file);
    const a = hsmStoreOn(first, sealer);
    await a.contents.put('cluster-a', { users: [], keys: [], nextHandle: 5 });
    await a.sessions.open({ sessionId: 's', clusterId: 'cluster-a', username: 'kmsuser', role: 'crypto-user', client: 'kms', openedAt: 1 });
    first.close();
    const second = openDatabase(file);
    const b = hsmStoreOn(second, sealer);
    assert.equal((await b.contents.get('cluster-a'))?.nextHandle, 5);
    assert.equal((await b.sessions.get('s'))?.client, 'kms');
    assert.deepEqual((await b.sessions.list('cluster-a')).map((s) => s.sessionId), ['s']);
    second.close();
  }),
);

test(
  'sqlite hsm store: a session token is nowhere in the database file in clear, and is bound to its row',
  withDir(async (dir) => {
    const file = join(dir, 'k.db');
    const token = randomBytes(24).toString('base64url');
    const db = openDatabase(file);
    const store = hsmStoreOn(db, sealer);
    await store.sessions.open(session(token));
    assert.ok(!onDisk(file).includes(token), 'the token is not in the database or its log');
    db.close();
    assert.ok(!onDisk(file).includes(token), 'nor once the log is folded into the file');

    // Opened again, with the root key: the token is found by itself and listed with its session.
    const again = openDatabase(file);
    const reopened = hsmStoreOn(again, sealer);
    assert.deepEqual(await reopened.sessions.get(token), session(token));
    assert.deepEqual(await reopened.sessions.list('cluster-a'), [session(token)]);
    // A sealed token moved to another row does not open there.
    const other = randomBytes(24).toString('base64url');
    await reopened.sessions.open(session(other));
    const docs = again.prepare('SELECT session_id AS id, doc FROM hsm_sessions ORDER BY session_id').all() as Array<{ id: string; doc: string }>;
    again.prepare('UPDATE hsm_sessions SET doc = ? WHERE session_id = ?').run(docs[1]!.doc, docs[0]!.id);
    const fresh = hsmStoreOn(again, sealer);
    await assert.rejects(fresh.sessions.list('cluster-a'), /unable to authenticate|Unsupported state/);
    again.close();
  }),
);

test(
  'sqlite hsm store: sessions an earlier version stored with the token in clear are sealed on opening, and still work',
  withDir(async (dir) => {
    const file = join(dir, 'k.db');
    const token = randomBytes(24).toString('base64url');
    const old = openDatabase(file);
    // The earlier version's schema and row: the token as the key and in the document.
    old.exec(`CREATE TABLE schema_migrations (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES ('hsm', 1);
      CREATE TABLE hsm_contents (cluster_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
      CREATE TABLE hsm_sessions (session_id TEXT PRIMARY KEY, cluster_id TEXT NOT NULL, opened_at INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX hsm_sessions_cluster ON hsm_sessions (cluster_id, opened_at);`);
    old.prepare('INSERT INTO hsm_sessions VALUES (?, ?, ?, ?)').run(token, 'cluster-a', 1, JSON.stringify(session(token)));
    old.close();
    assert.ok(onDisk(file).includes(token), 'the earlier version left the token in clear');

    const db = openDatabase(file);
    const store = hsmStoreOn(db, sealer);
    assert.ok(!onDisk(file).includes(token), 'sealed at once, and the clear text overwritten');
    assert.deepEqual(await store.sessions.get(token), session(token));
    assert.equal(await store.sessions.close(token), true);
    db.close();
  }),
);
