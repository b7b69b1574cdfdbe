// Verification and export of a trail of large records: read on the reader thread, in pages
// bounded in bytes, while the thread that answers calls keeps running (issue 10, defect 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportRecords, EXPORT_PAGE_BYTES } from '../../audit/export.js';
import { apiCallText } from '../../audit/record.js';
import type { AuditStore } from '../../audit/repository.js';
import { AUDITED_SERVICES } from '../../audit/sources.js';
import { auditStoreOn } from './audit-store.js';
import { AuditTables } from './audit-sql.js';
import { linkRecords } from '../../audit/chain.js';
import { openDatabase, type Db } from './database.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const RECORDS = 100;
const BIG = 1024 * 1024;

/**
 * A record as large as the trail kept before records were bounded: a call rejected for a 1 MB
 * Description, as an older version wrote it.
 */
function legacyRecord(i: number, accountId: string): string {
  const text = apiCallText(
    {
      service: 'TrentService',
      operation: 'CreateKey',
      ctx: { requestId: `r-${i}`, accountId, region: 'us-east-1', principalArn: `arn:aws:iam::${accountId}:root`, accessKeyId: 'test', sourceIp: '127.0.0.1', userAgent: 'unit' },
      input: { Description: 'placeholder' },
      error: { type: 'ValidationException', message: 'rejected' },
    },
    AUDITED_SERVICES.TrentService!,
    undefined,
    Date.UTC(2026, 0, 1) + i * 1000,
    `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
  );
  return text.replace('"placeholder"', JSON.stringify(String(i % 10).repeat(BIG)));
}

describe('the reader thread, on a trail of large records', () => {
  let dir: string;
  let db: Db;
  let store: AuditStore;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-reader-'));
    const file = join(dir, 'keywarden.db');
    db = openDatabase(file);
    // The tables exist once a store was opened on the database; the records go in before the
    // store that reads them is opened, as a trail an earlier version left.
    void auditStoreOn(db);
    db.pragma('synchronous = OFF');
    const tables = new AuditTables(db);
    for (let i = 1; i <= RECORDS; i += 10) {
      const texts = Array.from({ length: 10 }, (_, k) => legacyRecord(i + k, (i + k) % 3 === 0 ? OTHER : ACCOUNT));
      tables.appendAfterHead((head) => linkRecords(head, texts).records);
    }
    db.pragma('synchronous = FULL');
    store = auditStoreOn(db, { logDir: join(dir, 'audit-log'), durable: { file, onError: (err) => assert.fail(String(err)) } });
  });

  after(async () => {
    await store?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the whole chain while this thread keeps answering: no turn of its event loop waits a second', async () => {
    let last = performance.now();
    let longest = 0;
    let turns = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      turns++;
    }, 10);
    try {
      const report = await store.verify();
      // The turn that ends with the answer counts too: a verification on this thread would have
      // held it from the first page to the answer (1.4 s here for twice as much, on the code before this one).
      longest = Math.max(longest, performance.now() - last);
      assert.equal(report.valid, true, JSON.stringify(report.problem));
      assert.equal(report.checked, RECORDS);
    } finally {
      clearInterval(ticker);
    }
    assert.ok(turns > 0, 'the event loop ran while the trail was verified');
    assert.ok(longest < 1000, `the event loop waited ${Math.round(longest)} ms at once`);
  });

  it('exports pages bounded in bytes, with a next page until the last, and only the account asked for', async () => {
    let after = 0;
    let seen = 0;
    for (let pages = 0; ; pages++) {
      assert.ok(pages <= RECORDS, 'the export ends');
      const page = await exportRecords(store, ACCOUNT, { startTime: 0, endTime: Number.MAX_SAFE_INTEGER }, after);
      const bytes = page.records.reduce((n, r) => n + r.length, 0);
      assert.ok(page.records.length >= 1, 'every page holds a record, however large');
      assert.ok(page.records.length === 1 || bytes <= EXPORT_PAGE_BYTES, `a page of ${page.records.length} records, ${bytes} bytes`);
      for (const r of page.records) assert.equal(JSON.parse(r).recipientAccountId, ACCOUNT);
      seen += page.records.length;
      if (page.nextSeq === undefined) break;
      after = page.nextSeq;
    }
    assert.equal(seen, RECORDS - Math.floor(RECORDS / 3));
  });

  it('shares one run among the verifications asked for while one runs', async () => {
    const [a, b, c] = await Promise.all([store.verify(), store.verify(), store.verify()]);
    for (const r of [a, b, c]) assert.equal(r.checked, RECORDS);
    assert.equal(b, c, 'the two asked while the first ran share the next run');
  });
});
