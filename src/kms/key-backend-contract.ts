import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { isExtractable, type KeyBackend, type KeyPlacement, type NewKeyMaterial } from './key-backend.js';
import { keyArn, type KeyRecord, type KeyUsage, type Scope } from './key.js';
import { KEY_SPECS, type KeySpec, type UsageAlgorithms } from './key-specs.js';

/** A backend to put through the contract, with what CreateKey would pass it. */
export interface KeyBackendHarness {
  backend: KeyBackend;
  scope: Scope;
  /** Where new keys go besides their id, spec, ARN and time: a custom key store's id, for its backend. */
  placement?: Pick<NewKeyMaterial, 'customKeyStoreId'>;
  /** The same backend as a restarted service gets it: the same root key, the same cluster or token, nothing in memory. */
  reopen(): Promise<KeyBackend>;
  close(): void;
}

const NOW = Date.UTC(2026, 0, 1);

/**
 * The contract every key backend keeps (key-backend.ts), whatever holds its material: the
 * service's root key, a cluster's software engine, a PKCS#11 token. `open` makes a fresh harness
 * for each test.
 */
export function keyBackendContract(name: string, open: () => Promise<KeyBackendHarness>): void {
  const iv = Buffer.alloc(12, 5);
  const aad = Buffer.from('header and encryption context');

  /** A key record as CreateKey would store it, with the material the backend made for it. */
  async function newKey(h: KeyBackendHarness, keySpec: KeySpec = 'SYMMETRIC_DEFAULT'): Promise<KeyRecord> {
    const keyId = randomUUID();
    const placement: KeyPlacement = await h.backend.create(h.scope, { keyId, keySpec, arn: keyArn(h.scope, keyId), now: NOW, ...h.placement });
    const keyUsage = Object.keys(h.backend.capabilities.keySpecs[keySpec] ?? {})[0] as KeyUsage;
    return {
      ...h.scope,
      keyId,
      createdAt: NOW,
      description: '',
      keyUsage,
      keySpec,
      origin: h.placement?.customKeyStoreId === undefined ? 'AWS_KMS' : 'AWS_CLOUDHSM',
      state: 'Enabled',
      policy: '',
      tags: [],
      rotation: { enabled: false },
      ...placement,
    };
  }

  const withHarness = (fn: (h: KeyBackendHarness) => Promise<void>) => async () => {
    const h = await open();
    try {
      await fn(h);
    } finally {
      h.close();
    }
  };

  const isInvalidCiphertext = (err: { type?: string; message?: string }) => {
    assert.equal(err.type, 'InvalidCiphertextException', `expected InvalidCiphertextException, got ${err.type}: ${err.message}`);
    assert.equal(err.message, '', 'AWS sends InvalidCiphertextException without a message');
    return true;
  };

  test(`${name}: capabilities offer symmetric encryption, and only key specs, usages and algorithms KMS knows`, withHarness(async ({ backend }) => {
    const { keySpecs } = backend.capabilities;
    assert.deepEqual(keySpecs.SYMMETRIC_DEFAULT?.ENCRYPT_DECRYPT?.encryption?.includes('SYMMETRIC_DEFAULT'), true);
    for (const [spec, usages] of Object.entries(keySpecs)) {
      const known = KEY_SPECS[spec as KeySpec];
      assert.ok(known, `${spec} is a key spec`);
      assert.ok(Object.keys(usages ?? {}).length > 0, `${spec} has a key usage`);
      for (const [usage, algorithms] of Object.entries(usages ?? {}) as Array<[KeyUsage, UsageAlgorithms]>) {
        const allowed = known.usages[usage];
        assert.ok(allowed, `${spec} is never for ${usage}`);
        for (const [kind, list] of Object.entries(algorithms) as Array<[keyof UsageAlgorithms, readonly string[]]>) {
          for (const algorithm of list) assert.ok((allowed[kind] as readonly string[] | undefined)?.includes(algorithm), `${spec} ${usage} offers no ${algorithm}`);
        }
      }
    }
    assert.equal(isExtractable(backend) && typeof backend.secret === 'function', backend.capabilities.extractable);
  }));

  test(`${name}: a new key's material encrypts as its current version, found again by that version only`, withHarness(async (h) => {
    const key = await newKey(h);
    const current = h.backend.current(key);
    assert.ok(Number.isSafeInteger(current.version) && current.version >= 0);
    assert.deepEqual(h.backend.find(key, current.version), current);
    assert.equal(h.backend.find(key, current.version + 1), undefined);
    if (current.materialId !== undefined) assert.match(current.materialId, /^[0-9a-f]{64}$/);
  }));

  test(`${name}: AES-GCM round trip with the caller's IV and associated data`, withHarness(async (h) => {
    const key = await newKey(h);
    const { version } = h.backend.current(key);
    const plaintext = Buffer.from('what the key protects');
    const sealed = await h.backend.encrypt(key, version, plaintext, iv, aad);
    assert.equal(sealed.ciphertext.length, plaintext.length);
    assert.equal(sealed.tag.length, 16);
    assert.notDeepEqual(sealed.ciphertext, plaintext);
    assert.deepEqual(await h.backend.decrypt(key, version, { ...sealed, iv }, aad), plaintext);
  }));

  test(`${name}: a changed body, tag, IV or associated data is InvalidCiphertextException with no message`, withHarness(async (h) => {
    const key = await newKey(h);
    const { version } = h.backend.current(key);
    const sealed = await h.backend.encrypt(key, version, Buffer.from('payload'), iv, aad);
    const body = Buffer.from(sealed.ciphertext);
    body[0]! ^= 1;
    await assert.rejects(h.backend.decrypt(key, version, { ciphertext: body, tag: sealed.tag, iv }, aad), isInvalidCiphertext);
    await assert.rejects(h.backend.decrypt(key, version, { ciphertext: sealed.ciphertext, tag: Buffer.alloc(16), iv }, aad), isInvalidCiphertext);
    await assert.rejects(h.backend.decrypt(key, version, { ...sealed, iv: Buffer.alloc(12, 6) }, aad), isInvalidCiphertext);
    await assert.rejects(h.backend.decrypt(key, version, { ...sealed, iv }, Buffer.from('other context')), isInvalidCiphertext);
  }));

  test(`${name}: each key has material of its own`, withHarness(async (h) => {
    const a = await newKey(h);
    const b = await newKey(h);
    const sealed = await h.backend.encrypt(a, h.backend.current(a).version, Buffer.from('for a'), iv, aad);
    await assert.rejects(h.backend.decrypt(b, h.backend.current(b).version, { ...sealed, iv }, aad), isInvalidCiphertext);
  }));

  test(`${name}: material outlives the backend instance that made it`, withHarness(async (h) => {
    const key = await newKey(h);
    const { version } = h.backend.current(key);
    const sealed = await h.backend.encrypt(key, version, Buffer.from('kept'), iv, aad);
    const again = await h.reopen();
    assert.equal((await again.decrypt(key, version, { ...sealed, iv }, aad)).toString(), 'kept');
  }));

  test(`${name}: every key spec it lists can be made; only an extractable backend's key records hold material`, withHarness(async (h) => {
    // One spec per kind of material keeps the RSA key generation this costs bounded.
    const seen = new Set<string>();
    for (const spec of Object.keys(h.backend.capabilities.keySpecs) as KeySpec[]) {
      const recipe = KEY_SPECS[spec].material;
      if (seen.has(recipe.kind)) continue;
      seen.add(recipe.kind);
      const key = await newKey(h, spec);
      const { backend } = h;
      if (!isExtractable(backend)) {
        assert.ok(key.materials.every((m) => m.wrapped === ''), `${spec}: a non-extractable backend keeps its material to itself`);
        continue;
      }
      const material = key.materials.find((m) => m.version === backend.current(key).version) ?? key.materials[0]!;
      const secret = backend.secret(key.keyId, material, (raw) => Buffer.from(raw));
      if (recipe.kind === 'aes' || recipe.kind === 'hmac') assert.equal(secret.length, recipe.bytes, spec);
      else assert.ok(material.publicKey && secret.length > 0, `${spec}: a key pair keeps its public key beside the sealed private key`);
      assert.ok(!Buffer.from(material.wrapped, 'base64').includes(secret), `${spec}: the record holds the material sealed, not in clear`);
    }
  }));
}
