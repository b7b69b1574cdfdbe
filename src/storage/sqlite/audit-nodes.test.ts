import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import { lookupEvents } from '../../audit/lookup.js';
import { apiCallText } from '../../audit/record.js';
import { AUDITED_SERVICES } from '../../audit/sources.js';
import type { AuditModel } from '../../audit/redaction.js';
import { AuditTrail } from '../../audit/trail.js';
import { secureRandom } from '../../core/random.js';
import { tryLockFile } from '../file-lock.js';
import { segmentPath } from './audit-log.js';
import { AUDIT_MIGRATIONS } from './audit-sql.js';
import { auditStoreOn, type SqliteAuditStore } from './audit-store.js';
import { openDatabase } from './database.js';
import { migrate } from './schema.js';

// Several processes writing one trail (serve --shared-store): each node its own write-ahead log,
// one chain in the database, reads that see every node's acknowledged records, and the log of a
// node that died applied by another.

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
let n = 0;
const call = () => ({
  service: 'TrentService',
  operation: 'GenerateRandom',
  ctx: { requestId: `req-${++n}`, ...SCOPE, principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' },
  input: { NumberOfBytes: 16 },
  output: {},
});

describe('one audit trail written by several nodes', () => {
  let dir: string;
  let opened: Array<() => Promise<void>> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-nodes-'));
  });
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = () => join(dir, 'keywarden.db');
  const logRoot = () => join(dir, 'audit-log');
  /** A node (or, without a name, a service alone on the directory) with its own connection, log and threads. */
  const open = (node?: string) => {
    const db = openDatabase(file());
    const store: SqliteAuditStore = auditStoreOn(db, { logDir: logRoot(), durable: { file: file(), onError: (e) => assert.fail(String(e)) }, ...(node ? { node } : {}) });
    const trail = new AuditTrail({ store, clock: { now: () => Date.now() }, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await store.close();
      db.close();
    };
    opened.push(close);
    return { db, store, trail, close };
  };
  /** A record as a node's trail writes it. */
  const text = () => apiCallText(call(), AUDITED_SERVICES.TrentService!, kmsModel as AuditModel, Date.now(), secureRandom.uuid());
  /** The log of a node that is not one of the stores above: `held` while its process lives. */
  const foreignLog = (name: string, records: string[], held: boolean) => {
    const d = join(logRoot(), name);
    mkdirSync(d, { recursive: true });
    const lock = tryLockFile(join(d, 'owner.lock'))!;
    writeFileSync(segmentPath(d, 1), records.map((r) => r + '\n').join(''));
    if (!held) lock.release();
    else opened.push(async () => lock.release());
    return d;
  };

  it('records appended on two nodes at once form one chain: one sequence, each record once', async () => {
    const a = open('node-a');
    const b = open('node-b');
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).trail.observe(call())));
    for (let i = 0; i < 20; i++) await (i % 2 ? b : a).trail.observe(call());
    const report = await a.store.verify();
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 60);
    assert.deepEqual(report.head, { seq: 60, digest: report.head!.digest });
    assert.equal((await b.store.verify()).checked, 60);
  });

  it('a read on one node sees the records another live node acknowledged and has not applied', async () => {
    const a = open('node-a');
    const other = [text(), text(), text()];
    foreignLog('node-b', other, true);
    // Its last line is still being written: not a record yet, and not applied.
    writeFileSync(segmentPath(join(logRoot(), 'node-b'), 1), other.map((r) => r + '\n').join('') + '{"eventVersion":"1.0');
    await a.trail.observe(call());
    const found = await lookupEvents(a.store, SCOPE, {});
    assert.equal(found.events.length, 4);
    const report = await a.store.verify();
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 4);
    // The live node's log is its own: nothing of it was removed, and none of it is applied twice.
    assert.ok(existsSync(segmentPath(join(logRoot(), 'node-b'), 1)));
    await a.trail.observe(call());
    assert.equal((await a.store.verify()).checked, 5);
  });

  it('the log of a node that died is adopted: applied to the end, once, and removed; a live one is left alone', async () => {
    const a = open('node-a');
    foreignLog('node-dead', [text(), text()], false);
    foreignLog('node-alive', [text()], true);
    assert.equal(await a.store.adoptOrphanLogs(), 1);
    assert.deepEqual(readdirSync(logRoot()).sort(), ['node-a', 'node-alive']);
    assert.equal(await a.store.adoptOrphanLogs(), 0);
    const report = await a.store.verify();
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 3, 'the dead node’s two records, and the live one’s');
  });

  it('a node’s log directory goes at a clean stop; a service alone on the directory adopts what nodes left', async () => {
    const a = open('node-a');
    await a.trail.observe(call());
    await a.close();
    assert.deepEqual(readdirSync(logRoot()), []);
    foreignLog('node-dead', [text()], false);
    const alone = open();
    assert.equal(await alone.store.adoptOrphanLogs(), 1);
    await alone.trail.observe(call());
    const report = await alone.store.verify();
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 3);
  });

  it('a node adopts the log a service alone on the directory left behind when it crashed', async () => {
    const alone = open();
    await alone.trail.observe(call());
    await alone.close();
    writeFileSync(segmentPath(logRoot(), 9), text() + '\n');
    const a = open('node-a');
    assert.equal(await a.store.adoptOrphanLogs(), 1);
    assert.equal(existsSync(segmentPath(logRoot(), 9)), false);
    const report = await a.store.verify();
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 2);
  });

  it('a trail from before several logs keeps its position: the one log becomes the service’s own', async () => {
    const db = openDatabase(file());
    migrate(db, 'audit', AUDIT_MIGRATIONS.slice(0, 3));
    db.prepare('INSERT INTO audit_log_applied (id, segment, end_offset) VALUES (1, 4, 0)').run();
    db.prepare('INSERT INTO audit_log_written (id, segment, end_offset) VALUES (1, 4, 0)').run();
    db.close();
    const a = open();
    await a.trail.observe(call());
    assert.deepEqual(readdirSync(logRoot()).filter((f) => f.endsWith('.log')), ['audit-00000004.log']);
    assert.equal((await a.store.verify()).checked, 1);
  });
});
