import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import type { KmsDeps } from './context.js';
import type { MacAlgorithm } from './key-specs.js';
import { KeyService, type KeyView } from './keys.js';
import { MacService } from './mac.js';

const SPECS = [
  ['HMAC_224', 'HMAC_SHA_224', 28],
  ['HMAC_256', 'HMAC_SHA_256', 32],
  ['HMAC_384', 'HMAC_SHA_384', 48],
  ['HMAC_512', 'HMAC_SHA_512', 64],
] as const;

describe('MacService', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let mac: MacService;
  const made = new Map<string, KeyView>();

  before(async () => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    keys = new KeyService(deps);
    mac = new MacService(deps, keys);
    for (const [spec] of SPECS) made.set(spec, await keys.create(CALLER, { keySpec: spec, keyUsage: 'GENERATE_VERIFY_MAC' }));
  });
  after(() => deps.store.close());

  it('makes HMACs as long as the digest that verify, and refuses one changed bit', async () => {
    for (const [spec, algorithm, length] of SPECS) {
      const keyId = made.get(spec)!.key.keyId;
      const message = Buffer.from(`token for ${spec}`);
      const { mac: tag } = await mac.generate(CALLER, { keyId, message, algorithm });
      assert.equal(tag.length, length);
      // Deterministic: the same message gives the same MAC; another key a different one.
      assert.deepEqual((await mac.generate(CALLER, { keyId, message, algorithm })).mac, tag);
      assert.equal((await mac.verify(CALLER, { keyId, message, algorithm, mac: tag })).arn, made.get(spec)!.arn);
      const flipped = Buffer.from(tag);
      flipped[0]! ^= 1;
      await rejectsWith(mac.verify(CALLER, { keyId, message, algorithm, mac: flipped }), 'KMSInvalidMacException', '');
      await rejectsWith(mac.verify(CALLER, { keyId, message, algorithm, mac: tag.subarray(1) }), 'KMSInvalidMacException', '');
      await rejectsWith(mac.verify(CALLER, { keyId, message: Buffer.from('other'), algorithm, mac: tag }), 'KMSInvalidMacException', '');
    }
    const a = await mac.generate(CALLER, { keyId: made.get('HMAC_256')!.key.keyId, message: Buffer.from('m'), algorithm: 'HMAC_SHA_256' });
    const other = await keys.create(CALLER, { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    const b = await mac.generate(CALLER, { keyId: other.key.keyId, message: Buffer.from('m'), algorithm: 'HMAC_SHA_256' });
    assert.notDeepEqual(a.mac, b.mac);
  });

  it("refuses other keys and algorithms with AWS's messages, and answers DryRun", async () => {
    const hmac224 = made.get('HMAC_224')!;
    const message = Buffer.from('m');
    await rejectsWith(
      mac.generate(CALLER, { keyId: hmac224.key.keyId, message, algorithm: 'HMAC_SHA_256' }),
      'InvalidKeyUsageException',
      'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.',
    );
    const symmetric = await keys.create(CALLER, {});
    await rejectsWith(
      mac.generate(CALLER, { keyId: symmetric.key.keyId, message, algorithm: 'HMAC_SHA_256' as MacAlgorithm }),
      'InvalidKeyUsageException',
      `${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.`,
    );
    await rejectsWith(
      mac.verify(CALLER, { keyId: symmetric.key.keyId, message, algorithm: 'HMAC_SHA_256', mac: Buffer.alloc(32) }),
      'InvalidKeyUsageException',
      `${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for VerifyMac.`,
    );
    await rejectsWith(mac.generate(CALLER, { keyId: hmac224.key.keyId, message, algorithm: 'HMAC_SHA_224', dryRun: true }), 'DryRunOperationException');
    await rejectsWith(mac.verify(CALLER, { keyId: hmac224.key.keyId, message, algorithm: 'HMAC_SHA_224', mac: Buffer.alloc(28), dryRun: true }), 'DryRunOperationException');
    await keys.disable(CALLER, hmac224.key.keyId);
    await rejectsWith(mac.generate(CALLER, { keyId: hmac224.key.keyId, message, algorithm: 'HMAC_SHA_224' }), 'DisabledException');
  });
});
