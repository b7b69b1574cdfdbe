// The audit trail against a caller who tries to flood or freeze it (issue 10, defect 2): a
// rejected call with a huge body leaves a record of bounded size; verifying and exporting a trail
// of large records (as older versions kept them) holds up no call and answers in bounded pages;
// verification names no other account's record by its id.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { recordsNamed, signedJson, type RawReply } from '../support/signed-call.js';

let server: TestServer;

before(async () => {
  // What is measured and written here is the SQLite store's: its files' growth, and its tables.
  server = await startServer({ store: 'sqlite' });
});

after(async () => {
  await server?.dispose();
});

/** Bytes of every file in the data directory (database, its WAL, the audit log). */
function dataDirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dataDirBytes(path) : statSync(path).size;
  }
  return total;
}

describe('what a record keeps of a request', () => {
  test('five CreateKey calls rejected for a 1.9 MB Description leave records of a few KiB, saying what was cut', async () => {
    const description = 'x'.repeat(1_900_000);
    // Warm up: the first records of a fresh service create the log segment and the tables' pages.
    await signedJson(server.url, 'TrentService.CreateKey', 'kms', { Description: 'warm-up' });
    await recordsNamed(server.url, 'CreateKey');
    const before = dataDirBytes(server.dataDir);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await signedJson(server.url, 'TrentService.CreateKey', 'kms', { Description: description, KeyUsage: 'ENCRYPT_DECRYPT' });
      assert.equal(r.status, 400, r.text.slice(0, 200));
      assert.equal(r.json.__type, 'ValidationException');
      ids.push(r.requestId);
    }
    const records = (await recordsNamed(server.url, 'CreateKey')).filter((r) => ids.includes(r.requestID));
    assert.equal(records.length, 5, 'every rejected call is recorded');
    for (const r of records) {
      assert.ok(JSON.stringify(r).length < 4096, `a record of ${JSON.stringify(r).length} characters`);
      assert.equal(r.errorCode, 'ValidationException');
      assert.equal(r.requestParameters.description, 'x'.repeat(1024) + '…');
      assert.equal(r.requestParameters.keyUsage, 'ENCRYPT_DECRYPT');
      assert.deepEqual(r.additionalEventData.truncated.requestParameters, { cut: { description: 1_900_000 } });
      assert.ok(r.additionalEventData.truncated.errorMessage.length > 1_900_000, 'the error message quoting it is cut too');
    }
    const grown = dataDirBytes(server.dataDir) - before;
    assert.ok(grown < 1024 * 1024, `the data directory grew by ${grown} bytes for five rejected calls`);
  });
});

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const LEGACY_RECORDS = 100;
const LEGACY_BYTES = 2 * 1024 * 1024;

/**
 * Appends records to the trail of a stopped server the way an older version stored a CreateKey
 * rejected for a 2 MB Description: chained on (digest = SHA-256 of the previous digest, a newline
 * and the record's text), with the columns LookupEvents reads, and the head moved on.
 */
function appendLegacyRecords(dataDir: string): Array<{ seq: number; eventId: string; accountId: string }> {
  const db = new Database(join(dataDir, 'keywarden.db'));
  db.pragma('synchronous = OFF');
  const appended: Array<{ seq: number; eventId: string; accountId: string }> = [];
  db.transaction(() => {
    let { seq, digest } = db.prepare("SELECT seq, digest FROM audit_chain WHERE point = 'head'").get() as { seq: number; digest: string };
    const insert = db.prepare(
      `INSERT INTO audit_events (seq, event_time, account_id, region, event_id, event_name, event_source, read_only, username, access_key_id, resources, record, digest)
       VALUES (?, ?, ?, 'us-east-1', ?, 'CreateKey', 'kms.amazonaws.com', 0, 'root', 'test', '', ?, ?)`,
    );
    const second = Math.floor(Date.now() / 1000) * 1000;
    for (let i = 0; i < LEGACY_RECORDS; i++) {
      const accountId = i % 2 === 0 ? ACCOUNT : OTHER;
      const eventId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const record = JSON.stringify({
        eventVersion: '1.08',
        userIdentity: { type: 'Root', principalId: accountId, arn: `arn:aws:iam::${accountId}:root`, accountId, accessKeyId: 'test' },
        eventTime: new Date(second).toISOString().replace('.000Z', 'Z'),
        eventSource: 'kms.amazonaws.com',
        eventName: 'CreateKey',
        awsRegion: 'us-east-1',
        sourceIPAddress: '127.0.0.1',
        userAgent: 'an older version',
        errorCode: 'ValidationException',
        errorMessage: 'rejected',
        requestParameters: { description: String(i % 10).repeat(LEGACY_BYTES) },
        responseElements: null,
        requestID: eventId,
        eventID: eventId,
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: accountId,
        eventCategory: 'Management',
      });
      seq += 1;
      digest = createHash('sha256').update(digest).update('\n').update(record).digest('hex');
      insert.run(seq, second, accountId, eventId, record, digest);
      appended.push({ seq, eventId, accountId });
    }
    db.prepare("UPDATE audit_chain SET seq = ?, digest = ? WHERE point = 'head'").run(seq, digest);
  })();
  db.close();
  return appended;
}

/** Rewrites one stored record's text (its digest no longer covers it). */
function alter(dataDir: string, seq: number, from: string, to: string): void {
  const db = new Database(join(dataDir, 'keywarden.db'));
  const { record } = db.prepare('SELECT record FROM audit_events WHERE seq = ?').get(seq) as { record: string };
  db.prepare('UPDATE audit_events SET record = ? WHERE seq = ?').run(record.replace(from, to), seq);
  db.close();
}

describe('a trail of 200 MB of large records (as older versions kept them)', () => {
  let legacy: Array<{ seq: number; eventId: string; accountId: string }>;
  let keyId: string;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-audit-limits-'));
    keyId = (await signedJson(server.url, 'TrentService.CreateKey', 'kms', { Description: 'for Encrypt' })).json.KeyMetadata.KeyId;
    await server.stop();
    legacy = appendLegacyRecords(server.dataDir);
    await server.restart();
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('VerifyAuditTrail checks it all while Encrypt calls keep being answered: none waits a second', async () => {
    const encrypt = () => signedJson(server.url, 'TrentService.Encrypt', 'kms', { KeyId: keyId, Plaintext: Buffer.from('during verify').toString('base64') });
    let verified: RawReply | undefined;
    const verify = signedJson(server.url, 'KeywardenAdmin.VerifyAuditTrail', 'keywarden', {}).then((r) => (verified = r));
    const answered: RawReply[] = [];
    // One Encrypt after another for as long as the verification runs (bounded: 2,000 calls).
    while (verified === undefined && answered.length < 2000) answered.push(await encrypt());
    await verify;
    assert.equal(verified!.status, 200, verified!.text);
    const during = answered.filter((r) => r.sentAt < verified!.answeredAt);
    for (const r of answered) assert.equal(r.status, 200, r.text);
    const slowest = Math.max(...during.map((r) => r.answeredAt - r.sentAt));
    assert.ok(slowest < 1000, `an Encrypt waited ${Math.round(slowest)} ms for its answer while the trail was verified`);
    assert.ok(during.length >= 3, `${during.length} Encrypt calls were answered while the trail was verified`);
    // The records of those calls came after the verification's view of the trail: they are not
    // records "added" behind its head (one state of the trail is checked, head and records alike).
    assert.equal(verified!.json.Valid, true, verified!.text);
    assert.ok(verified!.json.Checked >= LEGACY_RECORDS, verified!.text);
  });

  test('ExportAuditEvents answers in pages of about 1 MiB, and `keywarden audit export` writes the whole trail of the account', async () => {
    const first = await signedJson(server.url, 'KeywardenAdmin.ExportAuditEvents', 'keywarden', {});
    assert.equal(first.status, 200, first.text.slice(0, 300));
    assert.ok(first.text.length < 4 * 1024 * 1024, `the first page is ${first.text.length} characters`);
    assert.equal(typeof first.json.NextToken, 'string');

    const file = join(work, 'trail.jsonl');
    const exported = await run(process.execPath, [BIN, 'audit', 'export', '--output', file, '--endpoint', server.url], { cwd: ROOT });
    assert.equal(exported.status, 0, exported.stderr);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const ids = new Set(lines.map((l) => JSON.parse(l).eventID as string));
    for (const r of legacy) assert.equal(ids.has(r.eventId), r.accountId === ACCOUNT, `record ${r.seq} of ${r.accountId} is exported only to its account`);
    for (const l of lines) assert.equal(JSON.parse(l).recipientAccountId, ACCOUNT);
  });

  test('a record of another account found altered is named by its place, not its eventID', async () => {
    const theirs = legacy.find((r) => r.accountId === OTHER)!;
    await server.stop();
    alter(server.dataDir, theirs.seq, '"an older version"', '"someone else"');
    await server.restart();
    const r = await signedJson(server.url, 'KeywardenAdmin.VerifyAuditTrail', 'keywarden', {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Valid, false);
    assert.deepEqual({ ...r.json.Problem, Message: undefined }, { Seq: theirs.seq, Kind: 'altered', Message: undefined });
    assert.ok(!r.text.includes(theirs.eventId), 'no eventID of another account in the answer');

    // The same for the caller's own record names it.
    await server.stop();
    alter(server.dataDir, theirs.seq, '"someone else"', '"an older version"');
    const ours = legacy.find((x) => x.accountId === ACCOUNT)!;
    alter(server.dataDir, ours.seq, '"an older version"', '"someone else"');
    await server.restart();
    const own = await signedJson(server.url, 'KeywardenAdmin.VerifyAuditTrail', 'keywarden', {});
    assert.deepEqual({ ...own.json.Problem, Message: undefined }, { Seq: ours.seq, Kind: 'altered', EventId: ours.eventId, Message: undefined });
  });
});
