// Records acknowledged and then lost from the audit trail's write-ahead log before they reached
// the database: a crashed service whose live log segment is emptied or cut short before the
// restart. The database knows how far the log had come; `keywarden audit verify` says what is
// missing, and the service goes on.
import assert from 'node:assert/strict';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { LOOKUP_EVENTS, signedJson } from '../support/signed-call.js';

// The calls and lookups are made from this process; `keywarden audit verify` is under test.

async function createKey(server: TestServer): Promise<string> {
  const r = await signedJson(server.url, 'TrentService.CreateKey', 'kms', {});
  assert.equal(r.status, 200, r.text);
  return r.json.KeyMetadata.KeyId;
}

async function createKeyEvents(server: TestServer): Promise<number> {
  const r = await signedJson(server.url, LOOKUP_EVENTS, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateKey' }] });
  assert.equal(r.status, 200, r.text);
  return r.json.Events.length;
}

for (const [how, cut] of [
  ['emptied', (_size: number) => 0],
  ['cut short in the middle of a record', (size: number) => Math.floor(size / 2)],
] as const) {
  test(`a live audit log segment ${how} while the service was down is reported by \`audit verify\` after the restart`, async () => {
    const server = await startServer();
    try {
      await Promise.all([createKey(server), createKey(server), createKey(server)]);
      // Reading the trail applies the log to the tables: the database records how far it got.
      assert.equal(await createKeyEvents(server), 3);
      await server.crash();
      const dir = join(server.dataDir, 'audit-log');
      const live = readdirSync(dir).filter((f) => statSync(join(dir, f)).size > 0);
      assert.equal(live.length, 1, `one segment holds the records: ${readdirSync(dir).join(', ')}`);
      const path = join(dir, live[0]!);
      truncateSync(path, cut(statSync(path).size));

      await server.restart();
      const verify = await run(process.execPath, [BIN, 'audit', 'verify', '--endpoint', server.url], { cwd: ROOT });
      assert.equal(verify.status, 1, `audit verify should fail:\n${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /^audit trail BROKEN at record 4: the audit log lost what was written after record 3 before it was stored: segment \d+ of the log holds \d+ bytes; \d+ had been written and \d+ applied\. 3 records before it are intact\.\n$/);
      const json = await run(process.execPath, [BIN, 'audit', 'verify', '--json', '--endpoint', server.url], { cwd: ROOT });
      assert.equal(json.json.Valid, false);
      assert.equal(json.json.Problem.Kind, 'removed');

      // The service goes on recording, and the loss stays reported.
      await createKey(server);
      assert.equal(await createKeyEvents(server), 4);
      const again = await run(process.execPath, [BIN, 'audit', 'verify', '--endpoint', server.url], { cwd: ROOT });
      assert.equal(again.status, 1);
      assert.match(again.stdout, /BROKEN at record 4: the audit log lost what was written after record 3/);
    } finally {
      await server.dispose();
    }
  });
}
