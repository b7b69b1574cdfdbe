import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import kmsModel from '../protocol/models/kms.json' with { type: 'json' };
import type { ApiCall } from '../core/api-call.js';
import { DAY_MS } from '../core/clock.js';
import { secureRandom } from '../core/random.js';
import { auditStoreOn } from '../storage/sqlite/audit-store.js';
import { openDatabase, type Db } from '../storage/sqlite/database.js';
import { chainDigest, GENESIS_DIGEST } from './chain.js';
import { exportRecords } from './export.js';
import { lookupEvents } from './lookup.js';
import type { AuditModel } from './redaction.js';
import type { AuditStore } from './repository.js';
import { AuditTrail } from './trail.js';
import { verifyTrail } from './verify.js';

/** dist/src, and the repository root, from this compiled file (dist/src/audit). */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(DIST, '../..');
const ACCOUNT = '111122223333';
const SCOPE = { accountId: ACCOUNT, region: 'us-east-1' };

let seq = 0;
function encryptCall(plaintext = 'attack at dawn', accountId = ACCOUNT): ApiCall {
  seq++;
  return {
    service: 'TrentService',
    operation: 'Encrypt',
    ctx: {
      requestId: `req-${seq}`,
      accountId,
      region: 'us-east-1',
      principalArn: `arn:aws:iam::${accountId}:root`,
      accessKeyId: 'test',
      sourceIp: '127.0.0.1',
      userAgent: 'unit',
    },
    input: { KeyId: `0000000${seq % 10}-0000-0000-0000-000000000000`, Plaintext: Buffer.from(plaintext) },
    output: { KeyId: `arn:aws:kms:us-east-1:${accountId}:key/0000000${seq % 10}-0000-0000-0000-000000000000`, CiphertextBlob: 'c2VjcmV0' },
  };
}

function trailOn(store: AuditStore, clock: { now(): number }) {
  return new AuditTrail({ store, clock, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });
}

describe('the audit trail on an in-memory store', () => {
  let db: Db;
  let store: AuditStore;
  let now: number;
  let trail: AuditTrail;

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = auditStoreOn(db);
    now = Date.UTC(2026, 0, 1);
    trail = trailOn(store, { now: () => now });
  });
  afterEach(async () => {
    await store.close();
    db.close();
  });

  async function record(n: number) {
    for (let i = 0; i < n; i++) {
      await trail.observe(encryptCall());
      now += 1000;
    }
  }

  it('asks the store to have a record on disk before answering when the call changed something', async () => {
    const asked: Array<[string, boolean | undefined]> = [];
    const spy = { ...store, append: (record: string, changed?: boolean) => (asked.push([JSON.parse(record).eventName, changed]), Promise.resolve()) };
    const t = trailOn(spy as AuditStore, { now: () => now });
    const ctx = { requestId: 'r', accountId: ACCOUNT, region: 'us-east-1', principalArn: `arn:aws:iam::${ACCOUNT}:root`, accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' };
    await t.observe({ service: 'TrentService', operation: 'Encrypt', ctx, input: { KeyId: 'k' }, output: {} });
    await t.observe({ service: 'TrentService', operation: 'CreateKey', ctx, input: {}, output: { KeyMetadata: {} } });
    await t.observe({ service: 'TrentService', operation: 'CreateKey', ctx, input: {}, error: { type: 'LimitExceededException', message: 'too many' } });
    await t.emit({ eventSource: 'kms.amazonaws.com', eventName: 'DeleteKey', accountId: ACCOUNT, region: 'us-east-1', eventTime: now });
    assert.deepEqual(asked, [
      ['Encrypt', false],
      ['CreateKey', true],
      ['CreateKey', false],
      ['DeleteKey', true],
    ]);
  });

  it('tells of each successful call, once its record is written, the event id and time the record has', async () => {
    const told: Array<{ operation: string; eventId: string; eventTime: number; keyArns: string[] }> = [];
    const t = new AuditTrail({
      store,
      clock: { now: () => now + 999 },
      random: secureRandom,
      models: { TrentService: kmsModel as AuditModel },
      onRecorded: (call, rec) => told.push({ operation: call.operation, ...rec }),
    });
    const ctx = { requestId: 'r', accountId: ACCOUNT, region: 'us-east-1', principalArn: `arn:aws:iam::${ACCOUNT}:root`, accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' };
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
    await t.observe({ service: 'TrentService', operation: 'Encrypt', ctx, input: { KeyId: arn }, output: { KeyId: arn } });
    await t.observe({ service: 'TrentService', operation: 'Encrypt', ctx, input: { KeyId: arn }, error: { type: 'DisabledException', message: 'disabled' } });
    assert.equal(told.length, 1, 'a failed call is not told');
    const rows = db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>;
    const written = JSON.parse(rows[0]!.record);
    assert.equal(told[0]!.eventId, written.eventID);
    assert.equal(told[0]!.eventTime, Date.parse(written.eventTime));
    assert.equal(told[0]!.eventTime, now, 'whole seconds, as the record has');
    assert.deepEqual(told[0]!.keyArns, [arn]);
  });

  it('does not record calls of services it does not audit', () => {
    assert.equal(trail.observe({ ...encryptCall(), service: 'KeywardenHsm' }), undefined);
    assert.equal(trail.observe({ ...encryptCall(), service: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', operation: 'LookupEvents' }), undefined);
    assert.equal(trail.observe({ ...encryptCall(), service: 'KeywardenAdmin', operation: 'VerifyAuditTrail' }), undefined);
  });

  it('chains every record to the one before it', async () => {
    await record(3);
    const rows = db.prepare('SELECT seq, record, digest FROM audit_events ORDER BY seq').all() as Array<{ seq: number; record: string; digest: string }>;
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3]);
    let prev = GENESIS_DIGEST;
    for (const r of rows) {
      assert.equal(r.digest, chainDigest(prev, r.record));
      prev = r.digest;
    }
    const report = await verifyTrail(store);
    assert.equal(report.valid, true);
    assert.equal(report.checked, 3);
    assert.deepEqual(report.head, { seq: 3, digest: prev });
  });

  it('finds an altered record', async () => {
    await record(5);
    db.prepare("UPDATE audit_events SET record = replace(record, '\"Encrypt\"', '\"Decrypt\"') WHERE seq = 3").run();
    const r = await verifyTrail(store);
    assert.equal(r.valid, false);
    assert.equal(r.problem?.seq, 3);
    assert.equal(r.problem?.kind, 'altered');
    assert.match(r.problem!.message, /^record 3 was altered/);
    assert.match(r.problem!.eventId!, /^[0-9a-f-]{36}$/);
    assert.equal(r.problem!.accountId, ACCOUNT, 'whose record it is');
    assert.ok(!r.problem!.message.includes(r.problem!.eventId!), 'the message names no record by its id');
    assert.equal(r.checked, 2);
  });

  it('finds an altered record whose digest was recomputed, at the record after it', async () => {
    await record(4);
    const row = db.prepare('SELECT record FROM audit_events WHERE seq = 2').get() as { record: string };
    const prev = (db.prepare('SELECT digest FROM audit_events WHERE seq = 1').get() as { digest: string }).digest;
    const forged = row.record.replace('"unit"', '"forged"');
    db.prepare('UPDATE audit_events SET record = ?, digest = ? WHERE seq = 2').run(forged, chainDigest(prev, forged));
    const r = await verifyTrail(store);
    assert.equal(r.problem?.seq, 3);
    assert.equal(r.problem?.kind, 'altered');
  });

  it('finds a searchable column changed behind the record', async () => {
    await record(2);
    db.prepare("UPDATE audit_events SET event_name = 'Decrypt' WHERE seq = 2").run();
    const r = await verifyTrail(store);
    assert.equal(r.problem?.seq, 2);
    assert.match(r.problem!.message, /event name column/);
  });

  it('finds a removed record, in the middle or at the end', async () => {
    await record(5);
    db.prepare('DELETE FROM audit_events WHERE seq = 3').run();
    let r = await verifyTrail(store);
    assert.equal(r.problem?.seq, 3);
    assert.equal(r.problem?.kind, 'removed');
    assert.match(r.problem!.message, /records 3 were removed \(the trail jumps from record 2 to record 4\)/);

    db.prepare('DELETE FROM audit_events WHERE seq >= 3').run();
    r = await verifyTrail(store);
    assert.equal(r.problem?.kind, 'removed');
    assert.match(r.problem!.message, /records 3 to 5 were removed from the end of the trail/);
  });

  it('keeps verifying after retention purges old records, from the anchor they leave', async () => {
    await record(3);
    now += 100 * DAY_MS;
    await record(2);
    assert.equal(await trail.purgeExpired(), 3);
    const r = await verifyTrail(store);
    assert.equal(r.valid, true, r.problem?.message);
    assert.equal(r.checked, 2);
    assert.equal(r.anchor.seq, 3);
    // Removing the oldest remaining record is still a removal.
    db.prepare('DELETE FROM audit_events WHERE seq = 4').run();
    assert.equal((await verifyTrail(store)).problem?.seq, 4);
  });

  it('continues the chain with the next sequence number after records were purged', async () => {
    await record(2);
    now += 100 * DAY_MS;
    await trail.purgeExpired();
    await record(1);
    const r = await verifyTrail(store);
    assert.equal(r.valid, true, r.problem?.message);
    assert.deepEqual(r.head?.seq, 3);
  });

  it('looks up the caller’s records newest first, by attribute and time, page by page', async () => {
    const start = now;
    await record(5);
    await trail.observe(encryptCall('x', '444455556666'));
    const all = await lookupEvents(store, SCOPE, {});
    assert.equal(all.events.length, 5);
    assert.deepEqual(all.events.map((e) => e.eventTime), [4, 3, 2, 1, 0].map((i) => start + i * 1000));

    const first = await lookupEvents(store, SCOPE, { maxResults: 2 });
    assert.equal(first.events.length, 2);
    assert.ok(first.nextToken);
    const second = await lookupEvents(store, SCOPE, { maxResults: 2, nextToken: first.nextToken });
    const third = await lookupEvents(store, SCOPE, { maxResults: 2, nextToken: second.nextToken });
    assert.equal(third.nextToken, undefined);
    assert.deepEqual([...first.events, ...second.events, ...third.events].map((e) => e.eventId), all.events.map((e) => e.eventId));

    const ranged = await lookupEvents(store, SCOPE, { startTime: start + 1000, endTime: start + 3000 });
    assert.equal(ranged.events.length, 3);
    const byId = await lookupEvents(store, SCOPE, { attributes: [{ key: 'EventId', value: all.events[2]!.eventId }] });
    assert.deepEqual(byId.events.map((e) => e.eventId), [all.events[2]!.eventId]);
    const keyId = '00000001-0000-0000-0000-000000000000';
    const byKeyId = await lookupEvents(store, SCOPE, { attributes: [{ key: 'ResourceName', value: keyId }] });
    const byArn = await lookupEvents(store, SCOPE, { attributes: [{ key: 'ResourceName', value: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}` }] });
    assert.ok(byKeyId.events.length > 0);
    assert.deepEqual(byKeyId.events, byArn.events);
    await assert.rejects(
      lookupEvents(store, SCOPE, { maxResults: 2, nextToken: first.nextToken, attributes: [{ key: 'EventName', value: 'Encrypt' }] }),
      (e: { type?: string }) => e.type === 'InvalidNextTokenException',
    );
  });

  it('exports an account’s records oldest first, page by page, exactly as stored', async () => {
    await record(5);
    const page1 = await exportRecords(store, ACCOUNT, { startTime: 0, endTime: Number.MAX_SAFE_INTEGER }, 0, 3);
    assert.equal(page1.records.length, 3);
    const page2 = await exportRecords(store, ACCOUNT, { startTime: 0, endTime: Number.MAX_SAFE_INTEGER }, page1.nextSeq!, 3);
    assert.equal(page2.records.length, 2);
    assert.equal(page2.nextSeq, undefined);
    const stored = (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => r.record);
    assert.deepEqual([...page1.records, ...page2.records], stored);
  });
});

describe('the audit trail through its write-ahead log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => {
    const db = openDatabase(join(dir, 'keywarden.db'));
    const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file: join(dir, 'keywarden.db'), onError: (e) => assert.fail(String(e)) } });
    return { db, store, trail: trailOn(store, { now: () => Date.now() }) };
  };
  const logText = () =>
    readdirSync(join(dir, 'audit-log'))
      .map((f) => readFileSync(join(dir, 'audit-log', f), 'utf8'))
      .join('');

  it('has an acknowledged record in the log before the call is answered, and in the tables after a crash', async () => {
    // The writing process acknowledges 20 calls, checks each record is already in the log, then
    // dies on the spot: no close, no flush, its indexer thread killed with it.
    const script = join(dir, 'crash.mjs');
    writeFileSync(
      script,
      `
        import { readdirSync, readFileSync } from 'node:fs';
        import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
        import kms from ${JSON.stringify(join(ROOT, 'src/protocol/models/kms.json'))} with { type: 'json' };
        import { openDatabase } from ${JSON.stringify(join(DIST, 'storage/sqlite/database.js'))};
        import { auditStoreOn } from ${JSON.stringify(join(DIST, 'storage/sqlite/audit-store.js'))};
        import { AuditTrail } from ${JSON.stringify(join(DIST, 'audit/trail.js'))};
        import { secureRandom } from ${JSON.stringify(join(DIST, 'core/random.js'))};
        const dir = process.argv[2];
        const db = openDatabase(join(dir, 'keywarden.db'));
        const store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file: join(dir, 'keywarden.db'), onError: () => {} } });
        const trail = new AuditTrail({ store, clock: { now: () => Date.now() }, random: secureRandom, models: { TrentService: kms } });
        const call = (i) => ({ service: 'TrentService', operation: 'Encrypt', input: { KeyId: 'k' }, output: {},
          ctx: { requestId: 'crash-' + i, accountId: '111122223333', region: 'us-east-1', principalArn: 'arn:aws:iam::111122223333:root', accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'crash' } });
        await Promise.all(Array.from({ length: 20 }, (_, i) => trail.observe(call(i))));
        const text = readdirSync(join(dir, 'audit-log')).map((f) => readFileSync(join(dir, 'audit-log', f), 'utf8')).join('');
        for (let i = 0; i < 20; i++) if (!text.includes('"requestID":"crash-' + i + '"')) { console.log('missing crash-' + i); process.exit(3); }
        console.log('acknowledged 20');
        process.kill(process.pid, 'SIGKILL');
        `,
    );
    const child = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    assert.equal(child.stdout.trim(), 'acknowledged 20');
    const b = open();
    const found = await lookupEvents(b.store, SCOPE, {});
    assert.deepEqual(found.events.map((e) => JSON.parse(e.cloudTrailEvent).requestID).sort(), Array.from({ length: 20 }, (_, i) => `crash-${i}`).sort());
    assert.equal((await verifyTrail(b.store)).valid, true);
    await b.store.close();
    b.db.close();
  });

  it('reads everything acknowledged, clears the log on close, and continues the chain after a restart', async () => {
    const a = open();
    await Promise.all(Array.from({ length: 7 }, () => a.trail.observe(encryptCall())));
    assert.equal((await lookupEvents(a.store, SCOPE, {})).events.length, 7);
    await a.trail.flush();
    await a.store.close();
    a.db.close();
    assert.equal(logText().replace(/\0/g, ''), '');
    const b = open();
    await b.trail.observe(encryptCall());
    const report = await verifyTrail(b.store);
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 8);
    await b.store.close();
    b.db.close();
  });

  it('after a crash, applies exactly what the log holds beyond the applied position, and drops a torn last line', async () => {
    const a = open();
    await Promise.all(Array.from({ length: 3 }, () => a.trail.observe(encryptCall())));
    await a.store.close();
    a.db.close();
    // The state a crash leaves: two records in the tables, the log still holding them (applied up
    // to the end of the second) and two more, the last cut short by the crash.
    const db = openDatabase(join(dir, 'keywarden.db'));
    const stored = (db.prepare('SELECT record FROM audit_events ORDER BY seq').all() as Array<{ record: string }>).map((r) => r.record);
    db.prepare('DELETE FROM audit_events WHERE seq = 3').run();
    const head = db.prepare('SELECT seq, digest FROM audit_events WHERE seq = 2').get() as { seq: number; digest: string };
    db.prepare("UPDATE audit_chain SET seq = ?, digest = ? WHERE point = 'head'").run(head.seq, head.digest);
    const fourth = stored[2]!.replace(/"requestID":"[^"]+"/, '"requestID":"after-crash"');
    const applied = Buffer.byteLength(`${stored[0]}\n${stored[1]}\n`);
    db.prepare("UPDATE audit_logs SET applied_segment = 1, applied_end = ? WHERE log = ''").run(applied);
    db.close();
    writeFileSync(join(dir, 'audit-log', 'audit-00000001.log'), `${stored[0]}\n${stored[1]}\n${stored[2]}\n${fourth}\n{"eventVersion":"1.08","torn`);

    const b = open();
    const ids = (await lookupEvents(b.store, SCOPE, {})).events.map((e) => JSON.parse(e.cloudTrailEvent).requestID as string);
    assert.equal(ids.length, 4, 'no record applied twice, none lost, the torn line dropped');
    assert.deepEqual(ids.slice(0, 1), ['after-crash']);
    const report = await verifyTrail(b.store);
    assert.equal(report.valid, true, report.problem?.message);
    assert.equal(report.checked, 4);
    await b.store.close();
    b.db.close();
  });

  it('never writes a secret of a call anywhere', async () => {
    const a = open();
    const secret = 'PLAINTEXT-never-to-be-logged';
    await a.trail.observe(encryptCall(secret));
    const text = logText();
    assert.ok(!text.includes(secret) && !text.includes(Buffer.from(secret).toString('base64')) && !text.includes('c2VjcmV0'));
    await a.store.close();
    const all = readFileSync(join(dir, 'keywarden.db')).toString('latin1') + readFileSync(join(dir, 'keywarden.db-wal'), { flag: 'a+' }).toString('latin1');
    assert.ok(!all.includes(secret));
    a.db.close();
  });
});
