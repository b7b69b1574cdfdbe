import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kmsModel from '../protocol/models/kms.json' with { type: 'json' };
import { isSecretMember, javaMediumDate, requestParameters, responseElements, type AuditModel } from './redaction.js';

const kms = kmsModel as AuditModel;

describe('redaction', () => {
  it('never keeps a plaintext, ciphertext or key store password, decoded or as the client sent it', () => {
    assert.deepEqual(requestParameters(kms, 'Encrypt', { KeyId: 'k', Plaintext: Buffer.from('secret') }), { keyId: 'k' });
    // A call that failed validation is recorded with the body as sent: blobs are base64 strings there.
    assert.deepEqual(requestParameters(kms, 'Encrypt', { KeyId: 'k', Plaintext: 'c2VjcmV0' }), { keyId: 'k' });
    assert.deepEqual(requestParameters(kms, 'Decrypt', { CiphertextBlob: 'AQIDBA==', KeyId: 'k' }), { keyId: 'k' });
    assert.deepEqual(
      requestParameters(kms, 'UpdateCustomKeyStore', { CustomKeyStoreId: 'cks-1', KeyStorePassword: 'kmsPswd123', CloudHsmClusterId: 'cluster-1' }),
      { customKeyStoreId: 'cks-1', cloudHsmClusterId: 'cluster-1' },
    );
    assert.deepEqual(
      requestParameters(kms, 'CreateCustomKeyStore', {
        CustomKeyStoreName: 'ExampleKeyStore',
        CloudHsmClusterId: 'cluster-1',
        TrustAnchorCertificate: '-----BEGIN CERTIFICATE-----',
        KeyStorePassword: 'kmsPswd123',
      }),
      { customKeyStoreName: 'ExampleKeyStore', cloudHsmClusterId: 'cluster-1' },
    );
  });

  it('never keeps a grant token: not the GrantTokens of a request, not the token CreateGrant returns or RetireGrant takes', () => {
    const create = {
      KeyId: 'k',
      GranteePrincipal: 'arn:aws:iam::111122223333:role/app',
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextSubset: { Dept: 'IT' } },
      GrantTokens: ['token-1'],
      Name: 'n',
    };
    assert.deepEqual(requestParameters(kms, 'CreateGrant', create), {
      keyId: 'k',
      granteePrincipal: 'arn:aws:iam::111122223333:role/app',
      operations: ['Encrypt'],
      constraints: { encryptionContextSubset: { Dept: 'IT' } },
      name: 'n',
    });
    assert.deepEqual(responseElements({ GrantToken: 'token-2', GrantId: 'ab' }), { grantId: 'ab' });
    assert.equal(requestParameters(kms, 'RetireGrant', { GrantToken: 'token-3' }), null);
    assert.equal(requestParameters(kms, 'Encrypt', { KeyId: 'k', GrantTokens: ['token-4'] }, { failed: true })?.grantTokens, undefined);
  });

  it('keeps the key, algorithms and message type of signing and MAC calls, never the message, signature or MAC', () => {
    const sign = { KeyId: 'k', Message: Buffer.from('m'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256', GrantTokens: ['g'] };
    assert.deepEqual(requestParameters(kms, 'Sign', sign), { keyId: 'k', messageType: 'RAW', signingAlgorithm: 'ECDSA_SHA_256' });
    // As sent, in a call that failed validation: base64 strings.
    assert.deepEqual(
      requestParameters(kms, 'Verify', { KeyId: 'k', Message: 'bQ==', Signature: 'c2ln', SigningAlgorithm: 'ECDSA_SHA_256', DryRun: true }, { failed: true }),
      { keyId: 'k', signingAlgorithm: 'ECDSA_SHA_256', dryRun: true },
    );
    assert.deepEqual(requestParameters(kms, 'GenerateMac', { KeyId: 'k', Message: 'bQ==', MacAlgorithm: 'HMAC_SHA_256' }), { keyId: 'k', macAlgorithm: 'HMAC_SHA_256' });
    assert.deepEqual(requestParameters(kms, 'VerifyMac', { KeyId: 'k', Message: 'bQ==', Mac: 'bWFj', MacAlgorithm: 'HMAC_SHA_256' }), { keyId: 'k', macAlgorithm: 'HMAC_SHA_256' });
    assert.deepEqual(responseElements({ KeyId: 'k', Signature: 'c2ln', Mac: 'bWFj', SigningAlgorithm: 'ECDSA_SHA_256' }), { keyId: 'k', signingAlgorithm: 'ECDSA_SHA_256' });
  });

  it('keeps encryption context keys as the caller wrote them, and drops members the model does not know', () => {
    assert.deepEqual(
      requestParameters(kms, 'GenerateDataKey', { KeyId: 'k', KeySpec: 'AES_256', EncryptionContext: { Purpose: 'Test', KeyId: 'x' }, Surprise: 1 }),
      { keyId: 'k', encryptionContext: { Purpose: 'Test', KeyId: 'x' }, keySpec: 'AES_256' },
    );
  });

  it('keeps nothing at all for a body that is not an object', () => {
    assert.equal(requestParameters(kms, 'Encrypt', undefined), null);
    assert.equal(requestParameters(kms, 'Encrypt', 'not json'), null);
    assert.equal(requestParameters(kms, 'Encrypt', { Plaintext: 'c2VjcmV0' }), null);
  });

  it('drops secrets by name where no model describes the value', () => {
    assert.deepEqual(requestParameters(undefined, 'ChangePassword', { Username: 'kmsuser', Password: 'pw', NewPassword: 'pw2' }), { username: 'kmsuser' });
    assert.deepEqual(responseElements({ KeyId: 'k', Plaintext: Buffer.from('x'), CiphertextBlob: 'AAA=', PrivateKeyPlaintext: 'x' }), { keyId: 'k' });
    for (const name of ['Plaintext', 'CiphertextBlob', 'KeyStorePassword', 'kmsuserPassword', 'SecretAccessKey', 'PrivateKeyCiphertextBlob']) {
      assert.ok(isSecretMember(name), name);
    }
    for (const name of ['KeyId', 'CurrentKeyMaterialId', 'EncryptionContext', 'CustomKeyStoreId', 'KeySpec']) assert.ok(!isSecretMember(name), name);
  });

  it('renames output members, keeps data-keyed maps and renders dates', () => {
    assert.deepEqual(
      responseElements({ KeyId: 'arn', DeletionDate: Date.UTC(2021, 3, 12, 18, 58, 30) / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: 20 }),
      { keyId: 'arn', deletionDate: 'Apr 12, 2021, 6:58:30 PM', keyState: 'PendingDeletion', pendingWindowInDays: 20 },
    );
    assert.equal(responseElements({}), null);
  });

  it("prints dates in Java's medium US form", () => {
    assert.equal(javaMediumDate(Date.UTC(2021, 9, 14, 17, 39, 50)), 'Oct 14, 2021, 5:39:50 PM');
    assert.equal(javaMediumDate(Date.UTC(2021, 0, 1, 0, 5, 9)), 'Jan 1, 2021, 12:05:09 AM');
    assert.equal(javaMediumDate(Date.UTC(2021, 0, 1, 12, 0, 0)), 'Jan 1, 2021, 12:00:00 PM');
  });
});
