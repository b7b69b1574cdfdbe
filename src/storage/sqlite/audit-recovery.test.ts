import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import { lookupEvents } from '../../audit/lookup.js';
import type { AuditModel } from '../../audit/redaction.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyTrail } from '../../audit/verify.js';
import { secureRandom } from '../../core/random.js';
import { segmentPath } from './audit-log.js';
import { auditStoreOn } from './audit-store.js';
import { openDatabase } from './database.js';

// What a restart finds in the audit trail's write-ahead log against what the database says was
// applied and written. Records the log should still hold and does not were acknowledged and are
// lost: `audit verify` must say so, and the service goes on.

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };
let n = 0;
const call = () => ({
  service: 'TrentService',
  operation: 'GenerateRandom',
  ctx: { requestId: `req-${++n}`, ...SCOPE, principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' },
  input: { NumberOfBytes: 16 },
  output: {},
});

describe('audit log recovery', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-recovery-'));
  });
  /** Stores still open when a test ends (it failed): closed, or their threads would keep the run alive. */
  let opened: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logDir = () => join(dir, 'audit-log');
  const open = () => {
    const db = openDatabase(join(dir, 'keywarden.db'));
    const store = auditStoreOn(db, { logDir: logDir(), durable: { file: join(dir, 'keywarden.db'), onError: (e) => assert.fail(String(e)) } });
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

  /** Four records through the log, stopped cleanly; returns their texts as stored. */
  async function fourRecords(): Promise<string[]> {
    const a = open();
    for (let i = 0; i < 4; i++) await a.trail.observe(call());
    await a.close();
    const db = openDatabase(join(dir, 'keywarden.db'));
    const texts = (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => r.record);
    db.close();
    assert.equal(texts.length, 4);
    return texts;
  }

  /**
   * Puts the database and the log in the state a crash leaves: the tables hold the first `stored`
   * records and record the log applied up to `applied` and written up to `written`; the log's
   * segments hold `files`.
   */
  function crashState(o: { stored: number; applied: [number, number]; written?: [number, number]; files: Record<number, string> }) {
    const db = openDatabase(join(dir, 'keywarden.db'));
    db.prepare('DELETE FROM audit_events WHERE seq > ?').run(o.stored);
    const head = db.prepare('SELECT seq, digest FROM audit_events WHERE seq = ?').get(o.stored) as { seq: number; digest: string };
    db.prepare("UPDATE audit_chain SET seq = ?, digest = ? WHERE point = 'head'").run(head.seq, head.digest);
    db.prepare("UPDATE audit_logs SET applied_segment = ?, applied_end = ? WHERE log = ''").run(...o.applied);
    db.prepare("UPDATE audit_logs SET written_segment = ?, written_end = ? WHERE log = ''").run(...(o.written ?? o.applied));
    db.close();
    for (const [segment, text] of Object.entries(o.files)) writeFileSync(segmentPath(logDir(), Number(segment)), text);
  }

  const bytes = (records: string[]) => Buffer.byteLength(records.map((r) => r + '\n').join(''));

  it('reports the records after the last one stored when the live segment was emptied or cut below what was applied', async () => {
    const r = await fourRecords();
    crashState({ stored: 4, applied: [7, bytes(r)], files: { 7: '' } });
    const b = open();
    const report = await verifyTrail(b.store);
    assert.equal(report.valid, false);
    assert.equal(report.checked, 4);
    assert.deepEqual({ ...report.problem, message: undefined }, { seq: 5, kind: 'removed', message: undefined });
    assert.match(report.problem!.message, new RegExp(`^the audit log lost what was written after record 4 before it was stored: segment 7 of the log holds 0 bytes; ${bytes(r)} had been written and ${bytes(r)} applied$`));
    // The service goes on, and the report stays: a record appended now is stored after the gap.
    await b.trail.observe(call());
    const again = await verifyTrail(b.store);
    assert.equal(again.problem?.seq, 5);
    assert.equal((await lookupEvents(b.store, SCOPE, {})).events.length, 5);
    await b.close();
  });

  it('reports the same when the live segment was cut short in the middle of a record', async () => {
    const r = await fourRecords();
    const kept = r[0] + '\n' + r[1]!.slice(0, 30);
    crashState({ stored: 4, applied: [2, bytes(r)], files: { 2: kept } });
    const b = open();
    const report = await verifyTrail(b.store);
    assert.equal(report.problem?.seq, 5);
    assert.match(report.problem!.message, new RegExp(`segment 2 of the log holds ${Buffer.byteLength(kept)} bytes; ${bytes(r)} had been written`));
    await b.close();
  });

  it('reports records written beyond what the log still holds while applying waited, and applies what is there', async () => {
    const r = await fourRecords();
    // Two records applied, the log recorded written up to the end of the fourth, but cut after the third.
    crashState({ stored: 2, applied: [3, bytes(r.slice(0, 2))], written: [3, bytes(r)], files: { 3: r.slice(0, 3).map((t) => t + '\n').join('') } });
    const b = open();
    const report = await verifyTrail(b.store);
    assert.equal(report.checked, 3, 'the third record, still in the log, was applied');
    assert.equal(report.problem?.seq, 4);
    assert.match(report.problem!.message, new RegExp(`^the audit log lost what was written after record 3 before it was stored: segment 3 of the log holds whole records up to byte ${bytes(r.slice(0, 3))}; ${bytes(r)} bytes had been written$`));
    await b.close();
  });

  it('reports a missing segment between the one applied and the one written, and applies the next', async () => {
    const r = await fourRecords();
    crashState({ stored: 1, applied: [4, bytes(r.slice(0, 1))], written: [6, bytes(r.slice(3))], files: { 6: r.slice(3).map((t) => t + '\n').join('') } });
    const b = open();
    const report = await verifyTrail(b.store);
    assert.equal(report.checked, 1, 'the walk stops where the records went missing');
    assert.equal(report.problem?.seq, 2);
    assert.equal((await lookupEvents(b.store, SCOPE, {})).events.length, 2, 'the record in the segment after the gap was applied');
    assert.match(report.problem!.message, /^the audit log lost what was written after record 1 before it was stored: segment 4 of the log is missing; \d+ bytes of it had been written$/);
    await b.close();
  });

  it('finds nothing lost after clean stops and after a crash that tore the last line, and never reuses a segment number', async () => {
    const r = await fourRecords();
    const torn = r[3]!.slice(0, 40);
    crashState({ stored: 2, applied: [2, bytes(r.slice(0, 2))], files: { 2: r.slice(0, 3).map((t) => t + '\n').join('') + torn } });
    const b = open();
    const used = readdirSync(logDir());
    assert.deepEqual(used, ['audit-00000003.log'], 'the crashed segment is gone, the next number is in use');
    await b.trail.observe(call());
    await b.close();
    const c = open();
    const report = await verifyTrail(c.store);
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 4);
    await c.close();
  });
});
