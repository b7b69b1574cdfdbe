import assert from 'node:assert/strict';
import { test } from 'node:test';
import kmsModel from '../protocol/models/kms.json' with { type: 'json' };
import { CONSTRAINABLE_OPERATIONS, ENCRYPTION_CONTEXT_OPERATIONS, GRANT_OPERATIONS, grantOperationOf, KMS_ACTIONS, KMS_OPERATIONS } from './actions.js';

const model = kmsModel as unknown as { operations: Record<string, unknown>; shapes: Record<string, { enum?: string[] }> };

test('the catalogue covers every operation of the KMS model, and nothing else', () => {
  assert.deepEqual(Object.keys(KMS_OPERATIONS).sort(), Object.keys(model.operations).sort());
});

test('every operation is kms:<Operation>, except ReEncrypt, which needs ReEncryptFrom and ReEncryptTo', () => {
  for (const [op, authz] of Object.entries(KMS_OPERATIONS)) {
    assert.deepEqual(authz.actions, op === 'ReEncrypt' ? ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] : [`kms:${op}`], op);
  }
  assert.equal(KMS_ACTIONS.has('kms:ReEncrypt'), false);
  assert.equal(KMS_ACTIONS.has('kms:ReEncryptTo'), true);
});

test('operations without a key are the account-level ones IAM alone governs', () => {
  const account = Object.entries(KMS_OPERATIONS).filter(([, a]) => a.scope === 'account').map(([op]) => op).sort();
  assert.deepEqual(account, [
    'ConnectCustomKeyStore',
    'CreateCustomKeyStore',
    'CreateKey',
    'DeleteCustomKeyStore',
    'DescribeCustomKeyStores',
    'DisconnectCustomKeyStore',
    'GenerateRandom',
    'ListAliases',
    'ListKeys',
    'ListRetirableGrants',
    'UpdateCustomKeyStore',
  ]);
  assert.equal(KMS_OPERATIONS.RetireGrant!.scope, 'grant');
  assert.equal(KMS_OPERATIONS.CreateAlias!.scope, 'alias');
});

test('grant operations are the model GrantOperation enumeration', () => {
  assert.deepEqual([...GRANT_OPERATIONS].sort(), [...model.shapes.GrantOperation!.enum!].sort());
  for (const op of GRANT_OPERATIONS) assert.ok(KMS_ACTIONS.has(`kms:${op}`), op);
});

test('encryption-context constraints apply to the operations that take a context', () => {
  for (const op of ENCRYPTION_CONTEXT_OPERATIONS) {
    const input = (model.operations[op === 'ReEncryptFrom' || op === 'ReEncryptTo' ? 'ReEncrypt' : op] as { input: string }).input;
    const members = (model.shapes[input] as unknown as { members: Record<string, unknown> }).members;
    assert.ok(Object.keys(members).some((m) => m.endsWith('EncryptionContext')), `${op} takes an encryption context`);
  }
  assert.deepEqual(
    [...CONSTRAINABLE_OPERATIONS].filter((op) => !ENCRYPTION_CONTEXT_OPERATIONS.has(op)).sort(),
    ['CreateGrant', 'DescribeKey', 'RetireGrant'],
  );
  for (const op of ['Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetPublicKey', 'DeriveSharedSecret'] as const) assert.equal(CONSTRAINABLE_OPERATIONS.has(op), false, op);
});

test('actions map to grant operations without regard to case', () => {
  assert.equal(grantOperationOf('kms:Decrypt'), 'Decrypt');
  assert.equal(grantOperationOf('KMS:decrypt'), 'Decrypt');
  assert.equal(grantOperationOf('kms:ScheduleKeyDeletion'), undefined);
  assert.equal(grantOperationOf('s3:Decrypt'), undefined);
});
