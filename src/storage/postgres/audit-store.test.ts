import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import { freshSchema } from '../../../test/support/postgres.js';
import { chainDigest, GENESIS_DIGEST } from '../../audit/chain.js';
import { exportRecords } from '../../audit/export.js';
import { lookupEvents } from '../../audit/lookup.js';
import type { AuditModel } from '../../audit/redaction.js';
import type { AuditStore } from '../../audit/repository.js';
import { AuditTrail } from '../../audit/trail.js';
import { verifyTrail } from '../../audit/verify.js';
import type { ApiCall } from '../../core/api-call.js';
import { DAY_MS } from '../../core/clock.js';
import { secureRandom } from '../../core/random.js';
import { pgAuditStore } from './audit-store.js';
import { openPgDatabase, type PgDatabase } from './database.js';
import { migrate } from './schema.js';
import { SCHEMA } from './stores.js';

// The audit trail's PostgreSQL store as the trail uses it: one chain whatever the number of
// nodes appending, LookupEvents' filters, export, verification and retention.

const ACCOUNT = '111122223333';
const SCOPE = { accountId: ACCOUNT, region: 'us-east-1' };
let calls = 0;

function encryptCall(accountId = ACCOUNT): ApiCall {
  calls++;
  const keyId = `0000000${calls % 10}-0000-0000-0000-000000000000`;
  return {
    service: 'TrentService',
    operation: 'Encrypt',
    ctx: { requestId: `req-${calls}`, accountId, region: 'us-east-1', principalArn: `arn:aws:iam::${accountId}:root`, accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' },
    input: { KeyId: keyId, Plaintext: Buffer.from('attack at dawn') },
    output: { KeyId: `arn:aws:kms:us-east-1:${accountId}:key/${keyId}`, CiphertextBlob: 'c2VjcmV0' },
  };
}

async function node(url: string): Promise<{ db: PgDatabase; store: AuditStore }> {
  const db = await openPgDatabase(url);
  await migrate(db, SCHEMA);
  return { db, store: pgAuditStore(db) };
}

describe('the audit trail on PostgreSQL', () => {
  let url: string;
  let a: { db: PgDatabase; store: AuditStore };
  let now = Date.UTC(2026, 0, 1);
  const trailOn = (store: AuditStore) => new AuditTrail({ store, clock: { now: () => now }, random: secureRandom, models: { TrentService: kmsModel as AuditModel } });

  before(async () => {
    url = await freshSchema();
    a = await node(url);
  });
  after(async () => {
    await a.store.close();
    await a.db.close();
  });

  it('a lookup by a value holding a NUL finds nothing, as no record can hold one, rather than failing', async () => {
    for (const key of ['EventName', 'ResourceName', 'Username', 'AccessKeyId', 'EventId'] as const) {
      assert.deepEqual(await a.store.lookup({ ...SCOPE, attribute: { key, value: 'a\u0000b' }, startTime: 0, endTime: Date.UTC(2100, 0, 1), limit: 10 }), [], key);
    }
  });

  it('has no head before its first record, and verifies empty', async () => {
    assert.deepEqual(await a.store.chainEnds(), { anchor: { seq: 0, digest: GENESIS_DIGEST }, head: undefined, losses: [] });
    const report = await verifyTrail(a.store);
    assert.equal(report.valid, true);
    assert.equal(report.head, undefined);
  });

  it('appends the records of two nodes to one chain, every record answered there, in one sequence', async () => {
    const b = await node(url);
    try {
      const [ta, tb] = [trailOn(a.store), trailOn(b.store)];
      await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? ta : tb).observe(encryptCall())));
      const rows = (await a.db.pool.query<{ seq: number; record: string; digest: string }>('SELECT seq, record, digest FROM audit_events ORDER BY seq')).rows;
      assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 60 }, (_, i) => i + 1));
      let prev = GENESIS_DIGEST;
      for (const r of rows) {
        assert.equal(r.digest, chainDigest(prev, r.record));
        prev = r.digest;
      }
      const report = await b.store.verify();
      assert.equal(report.valid, true, report.problem?.message);
      assert.equal(report.checked, 60);
      assert.deepEqual(report.head, { seq: 60, digest: prev });
    } finally {
      await b.store.close();
      await b.db.close();
    }
  });

  it('finds an altered record', async () => {
    await a.db.pool.query(`UPDATE audit_events SET record = replace(record, '"Encrypt"', '"Decrypt"') WHERE seq = 7`);
    const report = await verifyTrail(a.store);
    assert.equal(report.problem?.seq, 7);
    assert.equal(report.problem?.kind, 'altered');
    await a.db.pool.query(`UPDATE audit_events SET record = replace(record, '"Decrypt"', '"Encrypt"') WHERE seq = 7`);
    assert.equal((await verifyTrail(a.store)).valid, true);
  });

  it('looks up records newest first, by attribute and time, page by page', async () => {
    const trail = trailOn(a.store);
    const start = (now += 60_000);
    for (let i = 0; i < 5; i++) {
      await trail.observe(encryptCall());
      now += 1000;
    }
    await trail.observe(encryptCall('444455556666'));
    const recent = { startTime: start, endTime: now };
    const all = await lookupEvents(a.store, SCOPE, recent);
    assert.deepEqual(all.events.map((e) => e.eventTime), [4, 3, 2, 1, 0].map((i) => start + i * 1000));
    const first = await lookupEvents(a.store, SCOPE, { ...recent, maxResults: 2 });
    const second = await lookupEvents(a.store, SCOPE, { ...recent, maxResults: 2, nextToken: first.nextToken });
    const third = await lookupEvents(a.store, SCOPE, { ...recent, maxResults: 2, nextToken: second.nextToken });
    assert.equal(third.nextToken, undefined);
    assert.deepEqual([...first.events, ...second.events, ...third.events].map((e) => e.eventId), all.events.map((e) => e.eventId));
    const byId = await lookupEvents(a.store, SCOPE, { attributes: [{ key: 'EventId', value: all.events[2]!.eventId }] });
    assert.deepEqual(byId.events.map((e) => e.eventId), [all.events[2]!.eventId]);
    const keyId = '00000001-0000-0000-0000-000000000000';
    const byKeyId = await lookupEvents(a.store, SCOPE, { attributes: [{ key: 'ResourceName', value: keyId }] });
    const byArn = await lookupEvents(a.store, SCOPE, { attributes: [{ key: 'ResourceName', value: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}` }] });
    assert.ok(byKeyId.events.length > 0);
    assert.deepEqual(byKeyId.events, byArn.events);
    // CloudTrail counts the use of a key among the reads.
    assert.equal((await lookupEvents(a.store, SCOPE, { ...recent, attributes: [{ key: 'ReadOnly', value: 'true' }] })).events.length, 5);
    assert.equal((await lookupEvents(a.store, SCOPE, { ...recent, attributes: [{ key: 'ReadOnly', value: 'false' }] })).events.length, 0);
    assert.equal((await lookupEvents(a.store, SCOPE, { ...recent, attributes: [{ key: 'ResourceType', value: 'AWS::KMS::Key' }] })).events.length, 5);
    assert.equal((await lookupEvents(a.store, SCOPE, { ...recent, attributes: [{ key: 'EventName', value: 'Decrypt' }] })).events.length, 0);
  });

  it('exports an account’s records oldest first, page by page, exactly as stored', async () => {
    const range = { startTime: 0, endTime: Number.MAX_SAFE_INTEGER };
    const stored = (await a.db.pool.query<{ record: string }>('SELECT record FROM audit_events WHERE account_id = $1 ORDER BY seq', [ACCOUNT])).rows.map((r) => r.record);
    const exported: string[] = [];
    let after = 0;
    for (let pages = 0; pages < 100; pages++) {
      const page = await exportRecords(a.store, ACCOUNT, range, after, 7);
      exported.push(...page.records);
      if (page.nextSeq === undefined) break;
      after = page.nextSeq;
    }
    assert.deepEqual(exported, stored);
  });

  it('purges records past retention and goes on verifying from the anchor they leave, and appending after it', async () => {
    const trail = trailOn(a.store);
    const head = (await a.store.chainEnds()).head!;
    now += 100 * DAY_MS;
    await trail.observe(encryptCall());
    assert.equal(await trail.purgeExpired(), head.seq);
    assert.equal(await trail.purgeExpired(), 0, 'nothing is left to purge');
    const report = await verifyTrail(a.store);
    assert.equal(report.valid, true, report.problem?.message);
    assert.deepEqual(report.anchor, head);
    assert.equal(report.checked, 1);
    await a.db.pool.query('DELETE FROM audit_events WHERE seq = $1', [head.seq + 1]);
    assert.equal((await verifyTrail(a.store)).problem?.kind, 'removed');
  });
});
