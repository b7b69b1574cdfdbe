import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secureRandom } from '../core/random.js';
import { ImportTokens, importSecret } from './import-tokens.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER = 'arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321';

describe('import tokens', () => {
  const tokens = new ImportTokens(importSecret(Buffer.alloc(32, 3)), secureRandom);
  const params = { algorithm: 'RSA_AES_KEY_WRAP_SHA_256' as const, privateKey: Buffer.from('private key der'), validTo: 1_800_000_000_123 };

  it('carry the wrapping algorithm, private key and end of validity for their key', () => {
    const token = tokens.issue(ARN, params);
    assert.deepEqual(tokens.open(ARN, token), params);
    assert.notDeepEqual(tokens.issue(ARN, params), token, 'each token is new');
    assert.equal(token.includes(params.privateKey), false, 'the private key is sealed');
    assert.ok(token.length <= 6144, 'within the model');
  });

  it('do not open for another key, when altered, or under another secret', () => {
    const token = tokens.issue(ARN, params);
    assert.equal(tokens.open(OTHER, token), undefined);
    for (let i = 0; i < token.length; i++) {
      const bent = Buffer.from(token);
      bent[i]! ^= 1;
      assert.equal(tokens.open(ARN, bent), undefined, `byte ${i}`);
    }
    assert.equal(tokens.open(ARN, token.subarray(0, 20)), undefined);
    assert.equal(new ImportTokens(importSecret(Buffer.alloc(32, 4)), secureRandom).open(ARN, token), undefined);
  });

  it('fingerprint material per key, the same each time, and differently for other material or keys', () => {
    const m = Buffer.alloc(32, 9);
    assert.match(tokens.fingerprint('k1', m), /^[0-9a-f]{64}$/);
    assert.equal(tokens.fingerprint('k1', m), tokens.fingerprint('k1', Buffer.alloc(32, 9)));
    assert.notEqual(tokens.fingerprint('k1', m), tokens.fingerprint('k2', m));
    assert.notEqual(tokens.fingerprint('k1', m), tokens.fingerprint('k1', Buffer.alloc(32, 8)));
  });
});
