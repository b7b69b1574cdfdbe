// Runbook scenarios: keys that show Unavailable, keys that fail (store disconnected, key material
// deleted and recovered from a backup, no HSMs, cluster deleted, PKCS #11 sessions exhausted) and
// both messages of a failing cryptographic call. Each lane is one reader with one cluster and key
// store, in a Region of its own, running the blocks of docs/runbooks.md in order; the lanes run at
// the same time against one server started as the guide says.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Lane, runbook, sharedSetup } from '../support/runbook.js';
import { keywardenCall } from '../support/sdk-setup.js';

const book = runbook([
  'setup',
  'unavailable-keys',
  'disconnected-store',
  'material-deleted',
  'recover-from-backup',
  'no-hsms',
  'cluster-deleted',
  'pkcs11-sessions',
  'cannot-communicate',
  'kmsuser-locked-out',
]);
const setup = sharedSetup(book);
const { ready } = setup;

/** After a procedure that moved the store to a new cluster, that cluster is the store's. */
const movedTo = (lane: Lane) => lane.set('cluster-id', lane.get('new-cluster-id'));

describe('runbooks: unavailable and failing keys', { concurrency: true }, () => {
  test('one store: unavailable keys, a disconnected store, a cut network path, exhausted sessions', async (t) => {
    // This file proves "Before you start": one lane runs its blocks as written.
    const lane = await ready('keys-a', 'us-east-1', { byTheGuide: true });
    await t.test('unavailable keys after a disconnect, each back to its previous state after reconnecting', async () => {
      for (const step of ['prepare', 'symptom', 'manage', 'repair']) await lane.run(`unavailable-keys/${step}`);
    });
    await t.test('creating and using keys in a disconnected store', async () => {
      for (const step of ['symptom', 'repair']) await lane.run(`disconnected-store/${step}`);
    });
    await t.test('"KMS cannot communicate with your CloudHSM cluster": a cut network path, retried, restored', async () => {
      for (const step of ['produce', 'symptom', 'repair']) await lane.run(`cannot-communicate/${step}`);
    });
    await t.test('no PKCS #11 sessions: KMSInternalException, back off and retry', async () => {
      for (const step of ['produce', 'symptom', 'repair']) await lane.run(`pkcs11-sessions/${step}`);
    });
  });

  test('one store: key material deleted from the cluster, recovered from a backup', async (t) => {
    const lane = await ready('keys-b', 'us-east-2');
    await t.test('the key turns Unavailable while the store stays connected; CloudTrail names its backing key, which the cluster no longer holds', async () => {
      await lane.run('material-deleted/produce');
      // The reader waits a few seconds for KMS's health check; here the service clock moves past
      // the check's interval, which runs it, instead of the guide's loop polling in real time.
      await keywardenCall(setup.url(), 'KeywardenAdmin.AdvanceClock', { Duration: '5s' });
      for (const step of ['symptom', 'find-backing-key', 'investigate']) await lane.run(`material-deleted/${step}`);
    });
    await t.test('a cluster from a backup that holds the material; the store pointed at it', async () => {
      for (const step of ['find', 'restore', 'repoint']) await lane.run(`recover-from-backup/${step}`);
    });
  });

  test('one store: no HSMs, the cluster deleted, kmsuser locked out', async (t) => {
    const lane = await ready('keys-c', 'us-west-1');
    await t.test('all HSMs deleted: cannot communicate while CONNECTED; adding HSMs is enough', async () => {
      for (const step of ['produce', 'symptom', 'repair']) await lane.run(`no-hsms/${step}`);
    });
    await t.test('cluster deleted: a cluster from its newest backup, the store pointed at it', async () => {
      for (const step of ['produce', 'symptom', 'repair']) await lane.run(`cluster-deleted/${step}`);
      movedTo(lane);
    });
    await t.test('"… because the kmsuser is locked out": reset the password, update the store, reconnect', async () => {
      for (const step of ['produce', 'symptom', 'repair']) await lane.run(`kmsuser-locked-out/${step}`);
    });
  });
});

test('every block of this file\u2019s sections ran', () => {
  assert.deepEqual(book.notRun(), []);
});
