import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { hsmEngineContract } from '../cluster/hsm-engine-contract.js';
import { checkValue, SoftwareEngine } from './software.js';

const ROOT = Buffer.alloc(32, 3);

hsmEngineContract('software', async () => new SoftwareEngine(new Sealer(ROOT, secureRandom), secureRandom));

test('software: material is sealed to the key object id, not to a cluster', async () => {
  const engine = new SoftwareEngine(new Sealer(ROOT, secureRandom), secureRandom);
  const { material } = await engine.generateAesKey('1a2b3c4d5e6f7a8b', 32);
  const iv = Buffer.alloc(12);
  // The same object id in another cluster (a restore from backup) opens it…
  await engine.encrypt({ objectId: '1a2b3c4d5e6f7a8b', material }, Buffer.from('x'), iv, Buffer.alloc(0));
  // …another object id does not, and neither does another root key.
  await assert.rejects(engine.encrypt({ objectId: 'ffffffffffffffff', material }, Buffer.from('x'), iv, Buffer.alloc(0)), /does not open/);
  const other = new SoftwareEngine(new Sealer(Buffer.alloc(32, 4), secureRandom), secureRandom);
  await assert.rejects(other.encrypt({ objectId: '1a2b3c4d5e6f7a8b', material }, Buffer.from('x'), iv, Buffer.alloc(0)), /does not open/);
});

test('software: the check value is AES-ECB of a zero block, first 3 bytes', () => {
  // Key 00..1f is FIPS-197 appendix C.3's; its ECB of one zero block is f29000b6 2a49….
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  assert.equal(checkValue(key), 'f29000');
});
