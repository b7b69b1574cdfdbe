// Runbook scenario: orphaned key material. Two keys' waiting periods end while their store is
// disconnected (the service's clock moved forward), so their backing keys stay in the cluster;
// the DeleteKey events CloudTrail's LookupEvents returns name them with deletionStatus FAILURE,
// and they are deleted as kmsuser with the CloudHSM CLI (key delete --filter attr.id=0x…) and
// with key_mgmt_util (deleteKey -k <handle>). Moving the clock affects the whole server, so this
// file has a server of its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runbook } from '../support/runbook.js';
import { setUpAsTheGuideDoes } from '../support/runbook-setup.js';
import type { TestServer } from '../support/server.js';

const book = runbook(['orphaned-material']);
let server: TestServer;

before(async () => {
  server = await book.server('setup/serve');
});

after(async () => {
  await server?.dispose();
  book.close();
});

test('orphaned key material: found through the audit trail, deleted with key delete and with deleteKey, the store reconnected', async (t) => {
  const lane = book.lane('orphans', server.url);
  await setUpAsTheGuideDoes(lane, server.url);
  await t.test('the waiting periods end while the store is disconnected', async () => {
    await lane.run('orphaned-material/produce');
  });
  await t.test('LookupEvents EventName=DeleteKey: backingKeysDeletionStatus FAILURE, with the backing key id and handle', async () => {
    await lane.run('orphaned-material/find');
  });
  await t.test('key delete --filter attr.id=0x<backing-key-id> as kmsuser (CloudHSM CLI)', async () => {
    await lane.run('orphaned-material/delete-with-cloudhsm-cli');
  });
  await t.test('deleteKey -k <key-handle> as kmsuser (key_mgmt_util)', async () => {
    await lane.run('orphaned-material/delete-with-key-mgmt-util');
  });
  await t.test('log out, update the password, reconnect: nothing left in the cluster', async () => {
    await lane.run('orphaned-material/reconnect');
  });
});

test('every block of this file\u2019s sections ran', () => {
  assert.deepEqual(book.notRun(), []);
});
