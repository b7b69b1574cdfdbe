import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { keyBackendContract } from './key-backend-contract.js';
import { ServiceKeyBackend } from './service-key-backend.js';

const SCOPE = { accountId: '111122223333', region: 'us-east-1' };

const backendOn = (root: Buffer) => new ServiceKeyBackend(new Sealer(root, secureRandom), secureRandom);

keyBackendContract('service', async () => {
  const root = secureRandom.bytes(32);
  return { backend: backendOn(root), scope: SCOPE, reopen: async () => backendOn(root), close: () => {} };
});

test('service: material sealed under one root key does not open under another', async () => {
  const made = await backendOn(secureRandom.bytes(32)).create(SCOPE, { keyId: 'k', keySpec: 'SYMMETRIC_DEFAULT', arn: 'arn', now: 0 });
  const other = backendOn(secureRandom.bytes(32));
  const key = { ...SCOPE, keyId: 'k', materials: made.materials } as Parameters<typeof other.encrypt>[0];
  await assert.rejects(other.encrypt(key, 1, Buffer.from('x'), Buffer.alloc(12), Buffer.alloc(0)));
});

test('service: material imported again for the same version is used, not the old one kept in memory', async () => {
  const backend = backendOn(secureRandom.bytes(32));
  const first = backend.importedMaterial('k', 1, Buffer.alloc(32, 1), 'a'.repeat(64), 0);
  const second = backend.importedMaterial('k', 1, Buffer.alloc(32, 2), 'b'.repeat(64), 0);
  const keyWith = (m: typeof first) => ({ ...SCOPE, keyId: 'k', materials: [m] }) as Parameters<typeof backend.encrypt>[0];
  const iv = Buffer.alloc(12);
  const sealed = await backend.encrypt(keyWith(first), 1, Buffer.from('x'), iv, Buffer.alloc(0));
  await assert.rejects(backend.decrypt(keyWith(second), 1, { ...sealed, iv }, Buffer.alloc(0)), (err: { type?: string }) => err.type === 'InvalidCiphertextException');
});
