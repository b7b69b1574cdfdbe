import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DisabledException, KMSInvalidStateException, UnsupportedOperationException } from './errors.js';
import type { CustomKeyStoreStatus } from './custom-key-store-port.js';
import type { KeyRecord, KeyState } from './key.js';
import { checkKeyState, effectiveState, KEY_STATE_RULES, type KeyStateOperation } from './key-state.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const STATES: KeyState[] = ['Creating', 'Enabled', 'Disabled', 'PendingDeletion', 'PendingImport', 'PendingReplicaDeletion', 'Unavailable', 'Updating'];
const CRYPTO: KeyStateOperation[] = [
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'GetPublicKey',
  'DeriveSharedSecret',
];

function outcome(op: KeyStateOperation, state: KeyState): string {
  try {
    checkKeyState(op, state, ARN);
    return 'ok';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

test('cryptographic operations need an Enabled (or Updating) key, with AWS messages otherwise', () => {
  for (const op of CRYPTO) {
    assert.equal(outcome(op, 'Enabled'), 'ok');
    assert.equal(outcome(op, 'Updating'), 'ok');
    assert.equal(outcome(op, 'Disabled'), `DisabledException: ${ARN} is disabled.`);
    assert.equal(outcome(op, 'PendingDeletion'), `KMSInvalidStateException: ${ARN} is pending deletion.`);
    assert.equal(outcome(op, 'PendingImport'), `KMSInvalidStateException: ${ARN} is pending import.`);
    assert.equal(outcome(op, 'Unavailable'), `KMSInvalidStateException: ${ARN} is unavailable.`);
    assert.equal(outcome(op, 'Creating'), `KMSInvalidStateException: ${ARN} is creating.`);
  }
});

test('EnableKey and DisableKey succeed on Unavailable keys and refuse pending deletion', () => {
  for (const op of ['EnableKey', 'DisableKey'] as const) {
    assert.equal(outcome(op, 'Enabled'), 'ok');
    assert.equal(outcome(op, 'Disabled'), 'ok');
    assert.equal(outcome(op, 'Unavailable'), 'ok');
    assert.match(outcome(op, 'PendingDeletion'), /^KMSInvalidStateException: .* is pending deletion\.$/);
    assert.match(outcome(op, 'Updating'), /is updating\.$/);
  }
});

test('CancelKeyDeletion works only on keys pending deletion', () => {
  for (const state of STATES) {
    const expected = state === 'PendingDeletion' || state === 'PendingReplicaDeletion' ? 'ok' : `KMSInvalidStateException: ${ARN} is not pending deletion.`;
    assert.equal(outcome('CancelKeyDeletion', state), expected, state);
  }
});

test('ScheduleKeyDeletion works in every state but pending deletion and updating', () => {
  for (const state of ['Enabled', 'Disabled', 'PendingImport', 'Unavailable', 'Creating'] as const) {
    assert.equal(outcome('ScheduleKeyDeletion', state), 'ok', state);
  }
  assert.match(outcome('ScheduleKeyDeletion', 'PendingDeletion'), /is pending deletion\.$/);
});

test('rotation of a disabled key is DisabledException; of a key in a custom key store, unsupported', () => {
  assert.throws(() => checkKeyState('EnableKeyRotation', 'Disabled', ARN), DisabledException);
  assert.throws(() => checkKeyState('EnableKeyRotation', 'Unavailable', ARN), UnsupportedOperationException);
  assert.throws(() => checkKeyState('RotateKeyOnDemand', 'PendingDeletion', ARN), KMSInvalidStateException);
});

test('tags, descriptions and aliases cannot change while a key is pending deletion', () => {
  for (const op of ['TagResource', 'UntagResource', 'UpdateKeyDescription', 'CreateAlias'] as const) {
    assert.equal(outcome(op, 'Disabled'), 'ok');
    assert.match(outcome(op, 'PendingDeletion'), /^KMSInvalidStateException/);
  }
});

test('CreateGrant follows the key-state table: refused when disabled, pending deletion, pending import or creating; allowed while Unavailable', () => {
  const expected: Record<KeyState, string> = {
    Enabled: 'ok',
    Updating: 'ok',
    Unavailable: 'ok',
    Disabled: `DisabledException: ${ARN} is disabled.`,
    PendingDeletion: `KMSInvalidStateException: ${ARN} is pending deletion.`,
    PendingReplicaDeletion: `KMSInvalidStateException: ${ARN} is pending deletion.`,
    PendingImport: `KMSInvalidStateException: ${ARN} is pending import.`,
    Creating: `KMSInvalidStateException: ${ARN} is creating.`,
  };
  for (const state of STATES) assert.equal(outcome('CreateGrant', state), expected[state], state);
});

test('every rule in the table names a real key state', () => {
  for (const [op, rules] of Object.entries(KEY_STATE_RULES)) {
    for (const state of Object.keys(rules)) assert.ok(STATES.includes(state as KeyState), `${op}: ${state}`);
  }
});

test('a key in a custom key store is Unavailable unless its store is CONNECTED and holds its backing key; PendingDeletion shows through', () => {
  const key = (state: KeyState, missing?: boolean): KeyRecord => ({
    accountId: '111122223333',
    region: 'us-east-1',
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    createdAt: 0,
    description: '',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'AWS_CLOUDHSM',
    state,
    policy: '{}',
    tags: [],
    customKeyStoreId: 'cks-1234567890abcdef0',
    backingKey: { backingKeyId: '0a1b', keyHandle: 262145, ...(missing ? { missing } : {}) },
    rotation: { enabled: false },
    materials: [],
  });
  const store = (connectionState: CustomKeyStoreStatus['connectionState']): CustomKeyStoreStatus => ({
    customKeyStoreId: 'cks-1234567890abcdef0',
    connectionState,
    clusterId: 'cluster-abcdefghijk',
  });
  for (const state of ['Enabled', 'Disabled'] as const) {
    assert.equal(effectiveState(key(state), store('CONNECTED')), state);
    for (const c of ['DISCONNECTED', 'CONNECTING', 'FAILED', 'DISCONNECTING'] as const) assert.equal(effectiveState(key(state), store(c)), 'Unavailable', c);
    assert.equal(effectiveState(key(state, true), store('CONNECTED')), 'Unavailable', 'backing key missing');
    assert.equal(effectiveState(key(state), undefined), 'Unavailable', 'store gone');
  }
  for (const c of ['CONNECTED', 'DISCONNECTED', 'FAILED'] as const) assert.equal(effectiveState(key('PendingDeletion', true), store(c)), 'PendingDeletion');
  const plain: KeyRecord = { ...key('Disabled'), origin: 'AWS_KMS', customKeyStoreId: undefined, backingKey: undefined };
  assert.equal(effectiveState(plain, undefined), 'Disabled');
});

test('ReplicateKey needs an Enabled primary (or one waiting for its imported material); UpdatePrimaryRegion also takes a Disabled one', () => {
  const table = (op: KeyStateOperation) => Object.fromEntries(STATES.map((s) => [s, outcome(op, s).split(':')[0]]));
  assert.deepEqual(table('ReplicateKey'), {
    Creating: 'KMSInvalidStateException',
    Enabled: 'ok',
    Disabled: 'DisabledException',
    PendingDeletion: 'KMSInvalidStateException',
    PendingImport: 'ok',
    PendingReplicaDeletion: 'KMSInvalidStateException',
    Unavailable: 'ok',
    Updating: 'KMSInvalidStateException',
  });
  assert.deepEqual(table('UpdatePrimaryRegion'), {
    Creating: 'KMSInvalidStateException',
    Enabled: 'ok',
    Disabled: 'ok',
    PendingDeletion: 'KMSInvalidStateException',
    PendingImport: 'ok',
    PendingReplicaDeletion: 'KMSInvalidStateException',
    Unavailable: 'ok',
    Updating: 'KMSInvalidStateException',
  });
  assert.equal(outcome('ReplicateKey', 'PendingReplicaDeletion'), `KMSInvalidStateException: ${ARN} is pending deletion.`);
});
