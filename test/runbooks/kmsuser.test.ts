// Runbook scenarios: kmsuser's credentials (INVALID_CREDENTIALS and USER_LOCKED_OUT, repaired
// with the CloudHSM CLI and with cloudhsm_mgmt_util), and working as kmsuser: disconnecting and
// logging in, logging out and reconnecting, what happens when one forgets to log out
// (USER_LOGGED_IN) or to update the store's password (INVALID_CREDENTIALS), and the same with
// the older tools. Two lanes, one store each, at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Lane, runbook, sharedSetup } from '../support/runbook.js';

const book = runbook(['kmsuser-credentials', 'kmsuser-login']);
const setup = sharedSetup(book);
const { ready } = setup;

describe('runbooks: kmsuser', { concurrency: true }, () => {
  test('one store: invalid credentials, then locked out', async (t) => {
    const lane = await ready('kmsuser-a', 'us-west-2');
    await t.test('INVALID_CREDENTIALS: set a known password with user change-password, update the store, connect', async () => {
      for (const step of ['produce-invalid', 'symptom-invalid', 'repair-invalid']) await lane.run(`kmsuser-credentials/${step}`);
    });
    await t.test('USER_LOCKED_OUT: a new password with cloudhsm_mgmt_util changePswd, update the store, connect', async () => {
      for (const step of ['produce-locked', 'symptom-locked', 'repair-locked']) await lane.run(`kmsuser-credentials/${step}`);
    });
  });

  test('one store: logging in as kmsuser and back', async (t) => {
    const lane = await ready('kmsuser-b', 'ca-central-1');
    await t.test('disconnect, reset the password, log in as kmsuser; log out, update the store, reconnect', async () => {
      for (const step of ['disconnect-and-log-in', 'log-out-and-reconnect']) await lane.run(`kmsuser-login/${step}`);
    });
    await t.test('forgetting to log out: USER_LOGGED_IN until the session ends', async () => {
      for (const step of ['forgot-logout', 'forgot-logout-repair']) await lane.run(`kmsuser-login/${step}`);
    });
    await t.test('forgetting to update the key store password: INVALID_CREDENTIALS until it is', async () => {
      for (const step of ['forgot-password', 'forgot-password-repair']) await lane.run(`kmsuser-login/${step}`);
    });
    await t.test('the same with cloudhsm_mgmt_util and key_mgmt_util', async () => {
      await lane.run('kmsuser-login/older-tools');
    });
  });
});

test('every block of this file\u2019s sections ran', () => {
  assert.deepEqual(book.notRun(), []);
});
