import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import type { AuditModel } from '../../audit/redaction.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyTrail } from '../../audit/verify.js';
import { secureRandom } from '../../core/random.js';
import { auditStoreOn } from './audit-store.js';
import { openDatabase } from './database.js';

// The indexer thread applies the write-ahead log a chunk at a time, so that what it holds in
// memory is bounded by a chunk rather than by the backlog a burst leaves. Here the chunk is made
// smaller than records (every record is read whole past its chunk) or a few records long (chunks
// end inside records): every record must still be applied once, in order, on an unbroken chain.

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
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

  for (const chunk of [200, 1500]) {
    it(`applies a backlog in chunks of ${chunk} bytes: every record once, in order, the chain whole`, async () => {
      const file = join(dir, 'keywarden.db');
      const db = openDatabase(file);
      const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file, onError: (e) => assert.fail(String(e)), applyChunkBytes: chunk } });
      const trail = new AuditTrail({ store, clock: { now: () => Date.now() }, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });
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
});
