import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArnException } from './errors.js';
import {
  atLeastAsStrict,
  checkGrant,
  checkPrincipal,
  constraintsAllow,
  GRANT_OPERATIONS,
  grantOperationsFor,
  normalConstraints,
  sameTerms,
  type GrantConstraints,
  type GrantedKey,
  type GrantOperation,
} from './grant-rules.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SYMMETRIC: GrantedKey = { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' };
const RSA_ENCRYPT: GrantedKey = { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' };
const ECC_SIGN: GrantedKey = { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' };
const HMAC: GrantedKey = { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' };
const ECDH: GrantedKey = { keySpec: 'ECC_NIST_P384', keyUsage: 'KEY_AGREEMENT' };

/** The ValidationException message checkGrant throws, or 'ok'. */
function verdict(key: GrantedKey, operations: GrantOperation[], constraints?: GrantConstraints): string {
  try {
    checkGrant(key, ARN, operations, constraints);
    return 'ok';
  } catch (e) {
    assert.equal((e as { type?: string }).type, 'ValidationException', (e as Error).message);
    return (e as Error).message;
  }
}

describe('grant operations by key', () => {
  // AWS's grant documentation, "Grant operations": what each kind of key can be granted.
  const table: Array<[string, GrantedKey, GrantOperation[]]> = [
    ['symmetric encryption', SYMMETRIC, ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']],
    ['asymmetric encryption', RSA_ENCRYPT, ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey']],
    ['signing', ECC_SIGN, ['Sign', 'Verify', 'GetPublicKey']],
    ['HMAC', HMAC, ['GenerateMac', 'VerifyMac']],
    ['key agreement', ECDH, ['DeriveSharedSecret', 'GetPublicKey']],
  ];
  for (const [kind, key, own] of table) {
    it(`a ${kind} key allows its own operations and CreateGrant, RetireGrant, DescribeKey, nothing else`, () => {
      const expected = [...own, 'CreateGrant', 'RetireGrant', 'DescribeKey'].sort();
      assert.deepEqual([...grantOperationsFor(key)].sort(), expected);
      for (const op of GRANT_OPERATIONS) {
        const result = verdict(key, [op, 'DescribeKey']);
        if (expected.includes(op)) assert.equal(result, 'ok', op);
        else assert.match(result, new RegExp(`^The grant operations \\[${op}\\] are not valid for ${ARN}, whose KeySpec is ${key.keySpec} and KeyUsage ${key.keyUsage}\\.`), op);
      }
    });
  }

  it('names every operation that does not fit, once', () => {
    assert.match(verdict(SYMMETRIC, ['Sign', 'Encrypt', 'Verify', 'Sign']), /^The grant operations \[Sign, Verify\] are not valid/);
  });

  it('refuses an empty list, and a grant of CreateGrant alone with AWS text', () => {
    assert.match(verdict(SYMMETRIC, []), /at least one operation/);
    assert.equal(verdict(SYMMETRIC, ['CreateGrant']), 'Grants must not contain only the CreateGrant operation.');
    assert.equal(verdict(SYMMETRIC, ['CreateGrant', 'CreateGrant']), 'Grants must not contain only the CreateGrant operation.');
    assert.equal(verdict(SYMMETRIC, ['CreateGrant', 'Decrypt']), 'ok');
  });
});

describe('encryption context constraints', () => {
  const subset = { encryptionContextSubset: { Dept: 'IT' } };

  it('are allowed with the operations of a symmetric encryption key and the three of any key', () => {
    assert.equal(verdict(SYMMETRIC, ['Encrypt', 'Decrypt', 'GenerateDataKeyPair', 'ReEncryptTo', 'CreateGrant', 'RetireGrant', 'DescribeKey'], subset), 'ok');
    assert.equal(verdict(RSA_ENCRYPT, ['DescribeKey', 'RetireGrant'], subset), 'ok');
  });

  it('are refused for operations that take no encryption context: those of asymmetric and HMAC keys', () => {
    for (const [key, ops] of [
      [RSA_ENCRYPT, ['Encrypt', 'Decrypt']],
      [ECC_SIGN, ['Sign']],
      [HMAC, ['GenerateMac', 'VerifyMac']],
      [ECDH, ['DeriveSharedSecret']],
    ] as const) {
      assert.match(verdict(key, [...ops, 'DescribeKey'], subset), new RegExp(`^Encryption context grant constraints are not supported for the grant operations \\[${ops.join(', ')}\\] on ${ARN}`));
    }
  });

  it('take one of Equals and Subset, not both (AWS: More than one constraint supplied)', () => {
    assert.equal(verdict(SYMMETRIC, ['Decrypt'], { encryptionContextEquals: { a: '1' }, encryptionContextSubset: { a: '1' } }), 'More than one constraint supplied');
  });

  it('hold at most 8 pairs, each value at most 384 characters', () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    assert.equal(verdict(SYMMETRIC, ['Decrypt'], { encryptionContextEquals: pairs(8) }), 'ok');
    assert.match(verdict(SYMMETRIC, ['Decrypt'], { encryptionContextEquals: pairs(9) }), /EncryptionContextEquals grant constraint has 9 encryption context pairs; at most 8/);
    assert.equal(verdict(SYMMETRIC, ['Decrypt'], { encryptionContextSubset: { k: 'v'.repeat(384) } }), 'ok');
    assert.match(verdict(SYMMETRIC, ['Decrypt'], { encryptionContextSubset: { k: 'v'.repeat(385) } }), /key 'k' in the EncryptionContextSubset grant constraint is 385 characters long; at most 384/);
  });

  it('an empty Constraints member constrains nothing', () => {
    assert.equal(normalConstraints({}), undefined);
    assert.equal(normalConstraints(undefined), undefined);
    assert.deepEqual(normalConstraints({ encryptionContextSubset: {} }), { encryptionContextSubset: {} });
  });

  it('Equals lets through exactly its context, Subset any context that holds its pairs', () => {
    const equals = { encryptionContextEquals: { Dept: 'IT', App: 'pay' } };
    assert.equal(constraintsAllow(equals, { App: 'pay', Dept: 'IT' }), true);
    assert.equal(constraintsAllow(equals, { App: 'pay', Dept: 'IT', more: 'x' }), false);
    assert.equal(constraintsAllow(equals, { Dept: 'IT' }), false);
    assert.equal(constraintsAllow(equals, { App: 'pay', Dept: 'it' }), false, 'values are case-sensitive');
    assert.equal(constraintsAllow(subset, { Dept: 'IT', more: 'x' }), true);
    assert.equal(constraintsAllow(subset, {}), false);
    assert.equal(constraintsAllow(subset, undefined), false);
    assert.equal(constraintsAllow(undefined, undefined), true);
    assert.equal(constraintsAllow({ encryptionContextEquals: {} }, undefined), true);
    assert.equal(constraintsAllow({ encryptionContextSubset: { toString: 'x' } }, {}), false, 'only own keys count');
  });

  it('a grant made through a constrained grant must be constrained at least as strictly', () => {
    assert.equal(atLeastAsStrict(undefined, undefined), true);
    assert.equal(atLeastAsStrict(subset, undefined), false);
    assert.equal(atLeastAsStrict(subset, { encryptionContextSubset: { Dept: 'IT', App: 'pay' } }), true);
    assert.equal(atLeastAsStrict(subset, { encryptionContextEquals: { Dept: 'IT' } }), true);
    assert.equal(atLeastAsStrict(subset, { encryptionContextSubset: { App: 'pay' } }), false);
    const equals = { encryptionContextEquals: { Dept: 'IT' } };
    assert.equal(atLeastAsStrict(equals, { encryptionContextEquals: { Dept: 'IT' } }), true);
    assert.equal(atLeastAsStrict(equals, { encryptionContextSubset: { Dept: 'IT' } }), false);
  });
});

describe('Name idempotence', () => {
  const base = { granteePrincipal: 'arn:aws:iam::111122223333:role/app', operations: ['Encrypt', 'Decrypt'] as GrantOperation[] };

  it('the same principals, the same operations in any order and the same constraint are the same grant', () => {
    assert.equal(sameTerms(base, { ...base, operations: ['Decrypt', 'Encrypt', 'Decrypt'] }), true);
    assert.equal(sameTerms({ ...base, constraints: { encryptionContextSubset: { a: '1' } } }, { ...base, constraints: { encryptionContextSubset: { a: '1' } } }), true);
    assert.equal(sameTerms({ ...base, constraints: {} }, base), true);
  });

  it('any difference is another grant', () => {
    assert.equal(sameTerms(base, { ...base, granteePrincipal: 'arn:aws:iam::111122223333:role/other' }), false);
    assert.equal(sameTerms(base, { ...base, retiringPrincipal: 'arn:aws:iam::111122223333:role/app' }), false);
    assert.equal(sameTerms(base, { ...base, operations: ['Encrypt'] }), false);
    assert.equal(sameTerms(base, { ...base, operations: ['Encrypt', 'Decrypt', 'DescribeKey'] }), false);
    assert.equal(sameTerms({ ...base, constraints: { encryptionContextSubset: { a: '1' } } }, { ...base, constraints: { encryptionContextEquals: { a: '1' } } }), false);
    assert.equal(sameTerms({ ...base, constraints: { encryptionContextSubset: { a: '1' } } }, { ...base, constraints: { encryptionContextSubset: { a: '2' } } }), false);
    assert.equal(sameTerms({ ...base, constraints: { encryptionContextSubset: { a: '1' } } }, base), false);
  });
});

describe('principals', () => {
  it('accepts accounts, IAM users and roles, sessions, federated users and service principals', () => {
    for (const p of [
      'arn:aws:iam::111122223333:root',
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:iam::111122223333:role/path/app',
      'arn:aws:sts::111122223333:assumed-role/app/session-1',
      'arn:aws:sts::111122223333:federated-user/bob',
      'arn:aws-cn:iam::111122223333:role/app',
      '111122223333',
      'rds.amazonaws.com',
      'logs.us-east-1.amazonaws.com',
    ]) {
      assert.doesNotThrow(() => checkPrincipal(p, 'GranteePrincipal'), p);
    }
  });

  it('refuses anything else with InvalidArnException naming the member', () => {
    for (const p of ['alice', 'arn:aws:iam::1111:user/alice', 'arn:aws:s3:::bucket', 'arn:aws:iam::111122223333:group/admins', 'example.com']) {
      assert.throws(() => checkPrincipal(p, 'RetiringPrincipal'), (e: Error) => e instanceof InvalidArnException && e.message.startsWith(`RetiringPrincipal '${p}' is not a valid principal`), p);
    }
  });
});
