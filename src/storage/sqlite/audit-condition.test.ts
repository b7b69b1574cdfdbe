import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import type { AuditModel } from '../../audit/redaction.js';
import { AuditTrail } from '../../audit/trail.js';
import { secureRandom } from '../../core/random.js';
import { segmentPath } from './audit-log.js';
import { auditStoreOn } from './audit-store.js';
import { openDatabase } from './database.js';

// What health checks and metrics read of the trail's writing side: the records not yet indexed,
// and why records would be lost (the log's file or directory gone while the service writes).

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
const call = (n: number) => ({
  service: 'TrentService',
  operation: 'GenerateRandom',
  ctx: { requestId: `req-${n}`, ...SCOPE, principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' },
  input: { NumberOfBytes: 16 },
  output: {},
});

test('the backlog is what the indexer has not applied; a removed log file or directory is a problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-condition-'));
  const file = join(dir, 'keywarden.db');
  const db = openDatabase(file);
  const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file, onError: () => {} } });
  const trail = new AuditTrail({ store, clock: { now: () => Date.now() }, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });
  try {
    assert.deepEqual(store.condition(), { backlogBytes: 0 });
    await Promise.all([1, 2, 3].map((n) => trail.observe(call(n))));
    const written = store.condition().backlogBytes;
    // Written to the log (three lines of a few hundred bytes); applied within the indexer's tick,
    // or at once when a read asks.
    assert.ok(written === 0 || (written > 300 && written < 10_000), `backlog ${written}`);
    await store.chainEnds();
    assert.deepEqual(store.condition(), { backlogBytes: 0 });

    rmSync(segmentPath(join(dir, 'audit-log'), 1));
    assert.match(store.condition().problem ?? '', /the audit log file .*audit-00000001\.log was removed while in use/);
    rmSync(join(dir, 'audit-log'), { recursive: true });
    assert.match(store.condition().problem ?? '', /the audit log directory .* cannot be written: ENOENT/);
  } finally {
    await store.close().catch(() => {});
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
