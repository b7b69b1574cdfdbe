import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import type { AuditModel } from '../../audit/redaction.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyTrail } from '../../audit/verify.js';
import { secureRandom } from '../../core/random.js';
import type { IndexerData, IndexerReply, IndexerRequest } from './audit-indexer-thread.js';
import { INDEXER_THREAD_NAME, segmentPath, sharedPosition } from './audit-log.js';
import { auditStoreOn } from './audit-store.js';
import { openDatabase } from './database.js';

// The indexer thread applies the write-ahead log a chunk at a time, so that what it holds in
// memory is bounded by a chunk rather than by the backlog a burst leaves. Here the chunk is made
// smaller than records (every record is read whole past its chunk) or a few records long (chunks
// end inside records): every record must still be applied once, in order, on an unbroken chain,
// in the segment being written and in a segment the writer has left (sealed) alike.

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
const trailOn = (store: ReturnType<typeof auditStoreOn>) =>
  new AuditTrail({ store, clock: { now: () => Date.now() }, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });
const call = (i: number) => ({
  service: 'TrentService',
  operation: 'DescribeKey',
  ctx: { requestId: `req-${i}`, ...SCOPE, principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: `unit ${'x'.repeat(i * 7)}` },
  input: { KeyId: `alias/key-${i}` },
  output: {},
});

describe('the audit indexer thread', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-indexer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Under `nice -n 5` or more the whole process is already there, and no thread can be told apart.
  const skipNice = process.platform !== 'linux' ? "per-thread nice values are Linux's" : getPriority() >= 5 ? 'the tests run at nice 5 or more' : false;
  it('runs below the priority of the thread that answers calls, under a name of its own', { skip: skipNice }, async () => {
    const niceOfThreads = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    const file = join(dir, 'keywarden.db');
    const db = openDatabase(file);
    const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file, onError: (e) => assert.fail(String(e)) } });
    try {
      await trailOn(store).observe(call(1));
      // Applied by the indexer, so its thread is up and has set its priority.
      assert.equal((await verifyTrail(store)).checked, 1);
      const nice = niceOfThreads();
      assert.equal(nice.filter((n) => n === 5).length, 1, `one thread at nice 5: ${nice.join(' ')}`);
      assert.ok(nice.every((n) => n === 5 || n === getPriority()), `the others at the process's: ${nice.join(' ')}`);
      // And it says which thread it is, where every other one is `node`.
      const names = readdirSync('/proc/self/task').map((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim());
      assert.equal(names.filter((n) => n === INDEXER_THREAD_NAME).length, 1, names.join(' '));
    } finally {
      await store.close();
      db.close();
    }
  });

  for (const chunk of [200, 1500]) {
    it(`applies a backlog in chunks of ${chunk} bytes: every record once, in order, the chain whole`, async () => {
      const file = join(dir, 'keywarden.db');
      const db = openDatabase(file);
      const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file, onError: (e) => assert.fail(String(e)), applyChunkBytes: chunk } });
      const trail = trailOn(store);
      try {
        // One turn's worth: all of it is in the log before the indexer looks.
        await Promise.all(Array.from({ length: 60 }, (_, i) => trail.observe(call(i))));
        const report = await verifyTrail(store);
        assert.equal(report.valid, true, report.problem?.message);
        assert.equal(report.checked, 60);
        const ids = (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => JSON.parse(r.record).requestID);
        assert.deepEqual(ids, Array.from({ length: 60 }, (_, i) => `req-${i}`));
      } finally {
        await store.close();
        db.close();
      }
    });
  }

  /** Record texts as the trail writes them to its log, made on a database of their own. */
  async function recordTexts(count: number): Promise<string[]> {
    const db = openDatabase(':memory:');
    const store = auditStoreOn(db);
    try {
      const trail = trailOn(store);
      for (let i = 0; i < count; i++) await trail.observe(call(i));
      return (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => r.record);
    } finally {
      await store.close();
      db.close();
    }
  }

  for (const chunk of [200, 1500]) {
    it(`applies a sealed segment in chunks of ${chunk} bytes, then the writer's, and removes the sealed one`, { timeout: 60_000 }, async () => {
      const texts = await recordTexts(16);
      const file = join(dir, 'keywarden.db');
      const db = openDatabase(file);
      await auditStoreOn(db).close();
      // Segment 1 is sealed (the writer is in segment 2), with what an earlier version preallocated after its last record.
      const logDir = join(dir, 'audit-log');
      mkdirSync(logDir);
      const lines = (from: number, to: number) => texts.slice(from, to).map((t) => `${t}\n`).join('');
      writeFileSync(segmentPath(logDir, 1), lines(0, 10) + '\0'.repeat(300));
      writeFileSync(segmentPath(logDir, 2), lines(10, 16));
      const written = new SharedArrayBuffer(8);
      sharedPosition(written).store({ segment: 2, end: Buffer.byteLength(lines(10, 16)) });
      const workerData: IndexerData = { file, root: logDir, log: '', from: { segment: 1, end: 0 }, written, shared: false, applyChunkBytes: chunk };
      const worker = new Worker(new URL('./audit-indexer-thread.js', import.meta.url), { workerData });
      const failure = new Promise<never>((_, reject) => {
        worker.on('error', reject);
        worker.on('message', (r: IndexerReply) => r.id === 0 && !r.ok && reject(new Error(r.message)));
      });
      const ask = (msg: IndexerRequest) =>
        Promise.race([
          failure,
          new Promise<IndexerReply>((resolve) => {
            const on = (r: IndexerReply) => {
              if (r.id !== msg.id) return;
              worker.off('message', on);
              resolve(r);
            };
            worker.on('message', on);
            worker.postMessage(msg);
          }),
        ]);
      try {
        assert.deepEqual(await ask({ type: 'flush', id: 1 }), { id: 1, ok: true });
        const ids = (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => JSON.parse(r.record).requestID);
        assert.deepEqual(ids, Array.from({ length: 16 }, (_, i) => `req-${i}`));
        assert.equal(existsSync(segmentPath(logDir, 1)), false, 'the sealed segment, wholly applied, is removed');
        assert.deepEqual(await ask({ type: 'close', id: 2 }), { id: 2, ok: true });
      } finally {
        await worker.terminate();
        db.close();
      }
    });
  }
});
