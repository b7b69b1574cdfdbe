import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { KmsStore } from '../../kms/repository.js';
import { storedKey } from '../contract.js';
import { openDatabase } from './database.js';
import { openSqliteStore } from './sqlite-store.js';
import { withWriteLock, writeTransaction } from './write-lock.js';

// Writes on the service's connection while another connection on another thread holds SQLite's
// write lock, as the audit indexer does while it commits a pass, with this thread sampled by V8's
// CPU profiler as under `node --cpu-prof` (bench/profile.ts): the profiler's signals cut the
// sleeps of SQLite's busy handler short, which once made writes fail with SQLITE_BUSY after some
// 15 ms although busy_timeout allows 5 s. A write must wait for the lock and then succeed.

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
/** Long against the 10-70 ms in which the profiler's signals used up SQLite's allowance, short against the 5 s a write may wait. */
const HOLD_MS = 400;

let dir: string;
let file: string;
let store: KmsStore;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'keywarden-write-lock-'));
  file = join(dir, 'keywarden.db');
  store = openSqliteStore(file);
});

after(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `work` with this thread sampled every 100 µs, as `node --cpu-prof --cpu-prof-interval 100` samples it. */
async function profiled<T>(work: () => Promise<T>): Promise<T> {
  const profiler = new Session();
  profiler.connect();
  try {
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    await profiler.post('Profiler.start');
    try {
      return await work();
    } finally {
      await profiler.post('Profiler.stop');
    }
  } finally {
    profiler.disconnect();
  }
}

// The other connection opens the file as the indexer thread does (openDatabase), takes the lock
// with a write of its own, and commits HOLD_MS later.
const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.database).then(({ openDatabase }) => {
  const db = openDatabase(workerData.file);
  db.exec('BEGIN IMMEDIATE');
  db.prepare("INSERT INTO settings (name, value) VALUES ('holder', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(workerData.value);
  parentPort.postMessage('held');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
  db.exec('COMMIT');
  db.close();
  parentPort.postMessage('committed');
});
`;

/** Runs `write` while the other connection holds the lock; returns how long the write took. */
async function whileLockHeld(value: string, write: () => Promise<unknown>): Promise<number> {
  const worker = new Worker(HOLDER, { eval: true, workerData: { database: new URL('./database.js', import.meta.url).href, file, value, holdMs: HOLD_MS } });
  const messages: string[] = [];
  const committed = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: string) => {
      messages.push(m);
      if (m === 'committed') resolve();
    });
    worker.on('error', reject);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const started = performance.now();
    try {
      await write();
    } finally {
      // Also when the write failed: a thread stopped while it holds the lock would keep it.
      await committed;
    }
    const took = performance.now() - started;
    assert.deepEqual(messages, ['held', 'committed']);
    return took;
  } finally {
    await worker.terminate();
  }
}

test('CreateKey (a write transaction) waits for the lock the other connection holds', async () => {
  const took = await profiled(() => whileLockHeld('during insert', () => store.keys.insert(storedKey(SCOPE, 'k-1'))));
  // It waited for the other connection's commit: the lock was taken when it began.
  assert.ok(took >= HOLD_MS / 2, `the insert took ${took.toFixed(1)} ms: the lock was not held while it ran`);
  assert.equal((await store.keys.get(SCOPE, 'k-1'))?.keyId, 'k-1');
  assert.equal(await store.settings.get('holder'), 'during insert');
});

test('CreateAlias (one statement) waits for the lock the other connection holds', async () => {
  const alias = { ...SCOPE, aliasName: 'alias/waited', targetKeyId: 'k-1', createdAt: 1, updatedAt: 1 };
  const took = await profiled(() => whileLockHeld('during alias', () => store.aliases.insert(alias)));
  assert.ok(took >= HOLD_MS / 2, `the insert took ${took.toFixed(1)} ms: the lock was not held while it ran`);
  assert.equal((await store.aliases.get(SCOPE, 'alias/waited'))?.targetKeyId, 'k-1');
  assert.equal(await store.settings.get('holder'), 'during alias');
});

test('a write still fails with SQLITE_BUSY once the lock has been held for longer than the wait allows', { timeout: 30_000 }, async () => {
  // The other connection never lets go within the wait (5 s): the write gives up, it does not hang.
  // Not profiled: SQLite's own wait is the first attempt, and it takes the whole allowance.
  const db = openDatabase(file);
  const other = openDatabase(file);
  try {
    other.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    assert.throws(() => withWriteLock(db, () => db.prepare("INSERT INTO settings (name, value) VALUES ('late', '1')").run()), { code: 'SQLITE_BUSY' });
    const took = performance.now() - started;
    assert.ok(took >= 4_900 && took < 10_000, `gave up after ${took.toFixed(0)} ms`);
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    db.close();
  }
});

test('a transaction that fails once it has begun is not run again', () => {
  const db = openDatabase(':memory:');
  try {
    let runs = 0;
    const failing = writeTransaction(db, () => {
      runs++;
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    });
    assert.throws(() => failing(), { code: 'SQLITE_BUSY' });
    assert.equal(runs, 1);
  } finally {
    db.close();
  }
});
