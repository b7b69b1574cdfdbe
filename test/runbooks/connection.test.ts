// Runbook scenarios: connection attempts that fail. A FAILED store must be disconnected first, and
// each ConnectionErrorCode of the cluster's own making is produced, observed in
// DescribeCustomKeyStores and repaired with the guide's commands (INVALID_CREDENTIALS,
// USER_LOCKED_OUT and USER_LOGGED_IN are kmsuser's: test/runbooks/kmsuser.test.ts). The lanes run
// at once, each in a Region of its own: deleting or exhausting a subnet touches only its Region.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Lane, runbook, sharedSetup } from '../support/runbook.js';

const book = runbook([
  'failed-must-disconnect',
  'network-errors',
  'internal-error',
  'insufficient-hsms',
  'cluster-not-found',
  'insufficient-addresses',
  'subnet-not-found',
  'user-not-found',
]);
const setup = sharedSetup(book);
const { ready } = setup;

const procedure = async (lane: Lane, section: string) => {
  for (const step of ['produce', 'symptom', 'repair']) await lane.run(`${section}/${step}`);
};

describe('runbooks: connection failures', { concurrency: true }, () => {
  test('one store: NETWORK_ERRORS, INTERNAL_ERROR, and a FAILED store disconnected before it connects', async (t) => {
    const lane = await ready('connect-a', 'eu-west-1');
    await t.test('NETWORK_ERRORS: disconnect, let the network recover, connect', () => procedure(lane, 'network-errors'));
    await t.test('INTERNAL_ERROR: disconnect, connect again', () => procedure(lane, 'internal-error'));
    await t.test('a FAILED store refuses connect and update until it is disconnected', () => procedure(lane, 'failed-must-disconnect'));
  });

  test('one store: INSUFFICIENT_CLOUDHSM_HSMS, then CLUSTER_NOT_FOUND', async (t) => {
    const lane = await ready('connect-b', 'eu-west-2');
    await t.test('INSUFFICIENT_CLOUDHSM_HSMS: add HSMs, disconnect, connect', () => procedure(lane, 'insufficient-hsms'));
    await t.test('CLUSTER_NOT_FOUND: a cluster from the deleted one\u2019s newest backup', () => procedure(lane, 'cluster-not-found'));
  });

  test('one store: INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET, then SUBNET_NOT_FOUND', async (t) => {
    const lane = await ready('connect-c', 'eu-central-1');
    await t.test('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: free an address, disconnect, connect', () => procedure(lane, 'insufficient-addresses'));
    await t.test('SUBNET_NOT_FOUND: a cluster from a recent backup in subnets that exist', () => procedure(lane, 'subnet-not-found'));
  });

  test('a store without keys: USER_NOT_FOUND', async (t) => {
    const lane = book.lane('connect-d', setup.url(), { region: 'ap-southeast-2' });
    await lane.run('setup/env');
    await lane.run('user-not-found/prepare');
    await t.test('USER_NOT_FOUND: create kmsuser, give the store its password, connect', () => procedure(lane, 'user-not-found'));
  });
});

test('every block of this file\u2019s sections ran', () => {
  assert.deepEqual(book.notRun(), []);
});
