// The audit trail against a caller who tries to flood or freeze it (issue 10, defect 2): a
// rejected call with a huge body leaves a record of bounded size.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';
import { recordsNamed, signedJson } from '../support/signed-call.js';

let server: TestServer;

before(async () => {
  server = await startServer();
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
