import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { rejectsWith } from '../../test/support/cluster-deps.js';
import { ADMIN_PASSWORD, CALLER, KMSUSER_PASSWORD, readyWorld, SCOPE, testCa, type KeyStoreWorld } from '../../test/support/keystore-world.js';
import type { ClusterRecord } from '../cluster/model.js';
import { DAY_MS } from '../core/clock.js';
import { parseCiphertext } from '../kms/ciphertext.js';
import { deleteDueKeys } from '../kms/deletion.js';
import { keyArn } from '../kms/key.js';
import { CANNOT_COMMUNICATE, KMSUSER_LOCKED_OUT } from './messages.js';

describe('KMS keys in a custom key store', () => {
  let w: KeyStoreWorld;
  let cluster: ClusterRecord;
  let id: string;
  let keyId: string;

  const state = async (k = keyId) => (await w.kms.keys.describe(CALLER, k)).state;
  const encrypt = (text = 'secret', k = keyId) => w.kms.crypto.encrypt(CALLER, k, Buffer.from(text), { purpose: 'test' });
  const decrypt = async (blob: Buffer) => (await w.kms.crypto.decrypt(CALLER, blob, { purpose: 'test' })).plaintext.toString();
  const connect = async () => {
    await w.ks.stores.connect(SCOPE, id);
    assert.equal(await w.settle(id), 'CONNECTED');
  };
  const disconnect = () => w.ks.stores.disconnect(SCOPE, id);
  const kmsuserKeys = async () => {
    const s = await w.login(cluster.clusterId, 'admin', ADMIN_PASSWORD, 'admin');
    try {
      return await w.hsm.keys.list(SCOPE, cluster.clusterId, s);
    } finally {
      await w.hsm.users.logout(SCOPE, cluster.clusterId, s);
    }
  };

  /**
   * What a person does to delete a backing key (seed 000): disconnect, reset kmsuser's password as
   * admin, log in as kmsuser, `key delete`, log out, tell the store the password, reconnect.
   */
  async function deleteBackingKeyByHand(backingKeyId: string): Promise<void> {
    await disconnect();
    const admin = await w.login(cluster.clusterId, 'admin', ADMIN_PASSWORD, 'admin');
    await w.hsm.users.changePassword(SCOPE, cluster.clusterId, admin, { username: 'kmsuser', role: 'crypto-user', password: 'HandPassword1' });
    await w.hsm.users.logout(SCOPE, cluster.clusterId, admin);
    const me = await w.login(cluster.clusterId, 'kmsuser', 'HandPassword1');
    await w.hsm.keys.remove(SCOPE, cluster.clusterId, me, { id: backingKeyId });
    await w.hsm.users.logout(SCOPE, cluster.clusterId, me);
    await w.ks.stores.update(SCOPE, id, { password: 'HandPassword1' });
    await connect();
  }

  beforeEach(async () => {
    ({ w, cluster } = await readyWorld());
    id = await w.ks.stores.create(SCOPE, { name: 'ExampleKeyStore', clusterId: cluster.clusterId, trustAnchor: (await testCa()).certificatePem, password: KMSUSER_PASSWORD });
    await connect();
    keyId = (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id, description: 'in the cluster' })).key.keyId;
  });
  afterEach(() => w.close());

  describe('CreateKey', () => {
    it('makes the backing key in the cluster, owned by kmsuser and labelled with the key ARN', async () => {
      const view = await w.kms.keys.describe(CALLER, keyId);
      assert.equal(view.state, 'Enabled');
      assert.equal(view.key.origin, 'AWS_CLOUDHSM');
      assert.equal(view.customKeyStore?.clusterId, cluster.clusterId);
      assert.deepEqual(view.key.materials, []);
      const [object] = await kmsuserKeys();
      assert.equal(object?.label, keyArn(CALLER, keyId));
      assert.equal(object?.owner, 'kmsuser');
      assert.equal(object?.id, view.key.backingKey?.backingKeyId);
      assert.equal(object?.handle, view.key.backingKey?.keyHandle);
      assert.equal(object?.extractable, false);
    });

    it('refuses mismatches, other key types, multi-Region keys, unknown and disconnected stores', async () => {
      const make = (req: Parameters<typeof w.kms.keys.create>[1]) => w.kms.keys.create(CALLER, req);
      await rejectsWith(make({ customKeyStoreId: id }), 'UnsupportedOperationException', /Origin AWS_CLOUDHSM/);
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM' }), 'UnsupportedOperationException', /specify its CustomKeyStoreId/);
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM', customKeyStoreId: id, keySpec: 'RSA_2048' }), 'UnsupportedOperationException');
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM', customKeyStoreId: id, keyUsage: 'GENERATE_VERIFY_MAC' }), 'UnsupportedOperationException');
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM', customKeyStoreId: id, multiRegion: true }), 'UnsupportedOperationException');
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-00000000000000000' }), 'CustomKeyStoreNotFoundException');
      await disconnect();
      await rejectsWith(make({ origin: 'AWS_CLOUDHSM', customKeyStoreId: id }), 'CustomKeyStoreInvalidStateException', /is DISCONNECTED/);
      assert.equal((await kmsuserKeys()).length, 1, 'no backing key was made');
    });

    it('every refusal keeps its exact text: key specs, usages, multi-Region, unknown and disconnected stores', async () => {
      const make = (req: Parameters<typeof w.kms.keys.create>[1]) => w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id, ...req });
      const only = 'is not supported in a custom key store; only SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT are.';
      await rejectsWith(make({ keySpec: 'RSA_2048' }), 'UnsupportedOperationException', `KeySpec RSA_2048 with KeyUsage ENCRYPT_DECRYPT ${only}`);
      await rejectsWith(make({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }), 'UnsupportedOperationException', `KeySpec HMAC_256 with KeyUsage GENERATE_VERIFY_MAC ${only}`);
      await rejectsWith(make({ keyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException', `KeySpec SYMMETRIC_DEFAULT with KeyUsage SIGN_VERIFY ${only}`);
      await rejectsWith(make({ multiRegion: true }), 'UnsupportedOperationException', 'Multi-Region keys cannot be created in a custom key store.');
      const unknown = 'cks-00000000000000000';
      const notFound = `Custom key store ${unknown} does not exist in this account and Region.`;
      await rejectsWith(make({ customKeyStoreId: unknown }), 'CustomKeyStoreNotFoundException', notFound);
      await rejectsWith(w.kms.crypto.generateRandom(CALLER, 8, unknown), 'CustomKeyStoreNotFoundException', notFound);
      const arn = keyArn(CALLER, keyId);
      const origin = `${arn} origin is AWS_CLOUDHSM which is not valid for this operation.`;
      await rejectsWith(w.kms.dataKeyPairs.generate(CALLER, keyId, 'ECC_NIST_P256', undefined, 'GenerateDataKeyPair'), 'UnsupportedOperationException', origin);
      await rejectsWith(w.kms.rotation.enable(CALLER, keyId), 'UnsupportedOperationException', origin);
      await rejectsWith(w.kms.rotation.rotateOnDemand(CALLER, keyId), 'UnsupportedOperationException', origin);
      await disconnect();
      const disconnected = `Custom key store ${id} is DISCONNECTED. KMS keys can be created and random bytes generated in it only when it is CONNECTED.`;
      await rejectsWith(make({}), 'CustomKeyStoreInvalidStateException', disconnected);
      await rejectsWith(w.kms.crypto.generateRandom(CALLER, 8, id), 'CustomKeyStoreInvalidStateException', disconnected);
      await rejectsWith(encrypt(), 'KMSInvalidStateException', `${arn} is unavailable.`);
    });

    it('CloudHsmClusterInvalidConfigurationException when the cluster is down to one active HSM', async () => {
      await w.cluster.s.clusters.deleteHsm(SCOPE, cluster.clusterId, { hsmId: cluster.hsms[0]!.hsmId });
      await rejectsWith(w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id }), 'CloudHsmClusterInvalidConfigurationException');
    });
  });

  describe('cryptography in the cluster', () => {
    it('Encrypt, Decrypt, GenerateDataKey and ReEncrypt; ciphertexts carry material version 0 and no KeyMaterialId', async () => {
      const sealed = await encrypt('hello cluster');
      assert.equal(sealed.materialId, undefined);
      assert.equal(parseCiphertext(sealed.ciphertext).materialVersion, 0);
      assert.equal(await decrypt(sealed.ciphertext), 'hello cluster');
      await rejectsWith(w.kms.crypto.decrypt(CALLER, sealed.ciphertext, { purpose: 'other' }), 'InvalidCiphertextException');
      const tampered = Buffer.from(sealed.ciphertext);
      tampered[40]! ^= 1;
      await rejectsWith(w.kms.crypto.decrypt(CALLER, tampered, { purpose: 'test' }), 'InvalidCiphertextException');

      const dk = await w.kms.crypto.generateDataKey(CALLER, keyId, { keySpec: 'AES_256', context: { purpose: 'test' } }, 'GenerateDataKey');
      assert.equal(dk.plaintext.length, 32);
      assert.deepEqual((await w.kms.crypto.decrypt(CALLER, dk.ciphertext, { purpose: 'test' })).plaintext, dk.plaintext);

      const plain = (await w.kms.keys.create(CALLER, {})).key.keyId;
      const moved = await w.kms.crypto.reEncrypt(CALLER, sealed.ciphertext, { context: { purpose: 'test' } }, { keyId: plain });
      assert.equal((await w.kms.crypto.decrypt(CALLER, moved.sealed.ciphertext)).plaintext.toString(), 'hello cluster');
      const back = await w.kms.crypto.reEncrypt(CALLER, moved.sealed.ciphertext, {}, { keyId, context: { purpose: 'test' } });
      assert.equal(await decrypt(back.sealed.ciphertext), 'hello cluster');
    });

    it('GenerateRandom with the store id takes bytes from the cluster; unknown or disconnected stores are refused', async () => {
      assert.equal((await w.kms.crypto.generateRandom(CALLER, 24, id)).length, 24);
      await rejectsWith(w.kms.crypto.generateRandom(CALLER, 24, 'cks-00000000000000000'), 'CustomKeyStoreNotFoundException');
      await disconnect();
      await rejectsWith(w.kms.crypto.generateRandom(CALLER, 24, id), 'CustomKeyStoreInvalidStateException', /is DISCONNECTED/);
    });
  });

  describe('key states follow the store', () => {
    it('Unavailable while disconnected; reconnecting restores each previous state, with Enable/Disable made meanwhile applied', async () => {
      const blob = (await encrypt('before')).ciphertext;
      const disabled = (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id })).key.keyId;
      await w.kms.keys.disable(CALLER, disabled);
      const enableLater = (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id })).key.keyId;
      await w.kms.keys.disable(CALLER, enableLater);
      const pending = (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id })).key.keyId;
      const cancelled = (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id })).key.keyId;
      await w.kms.keys.scheduleDeletion(CALLER, pending, 7);

      await disconnect();
      assert.deepEqual(
        await Promise.all([keyId, disabled, enableLater, pending, cancelled].map((k) => state(k))),
        ['Unavailable', 'Unavailable', 'Unavailable', 'PendingDeletion', 'Unavailable'],
      );
      await rejectsWith(encrypt(), 'KMSInvalidStateException', `${keyArn(CALLER, keyId)} is unavailable.`);
      await rejectsWith(w.kms.crypto.decrypt(CALLER, blob, { purpose: 'test' }), 'KMSInvalidStateException', /is unavailable\.$/);
      // Management works; EnableKey and DisableKey succeed without changing what the key shows.
      await w.kms.keys.enable(CALLER, enableLater);
      assert.equal(await state(enableLater), 'Unavailable');
      await w.kms.keys.disable(CALLER, keyId);
      await w.kms.keys.enable(CALLER, keyId);
      await w.kms.keys.scheduleDeletion(CALLER, cancelled, 7);
      assert.equal(await state(cancelled), 'PendingDeletion');
      await w.kms.keys.cancelDeletion(CALLER, cancelled);
      assert.equal(await state(cancelled), 'Unavailable');
      await w.kms.keys.tag(CALLER, keyId, [{ key: 'k', value: 'v' }]);

      await connect();
      assert.deepEqual(
        await Promise.all([keyId, disabled, enableLater, pending, cancelled].map((k) => state(k))),
        ['Enabled', 'Disabled', 'Enabled', 'PendingDeletion', 'Disabled'],
      );
      assert.equal(await decrypt(blob), 'before');
    });

    it('a backing key deleted from the cluster makes the key Unavailable; a cluster restored from a backup that holds it brings it back', async () => {
      const blob = (await encrypt('kept')).ciphertext;
      const backup = await w.cluster.s.clusters.backupNow(SCOPE, cluster.clusterId);
      const { backingKeyId } = (await w.kms.keys.describe(CALLER, keyId)).key.backingKey!;
      await deleteBackingKeyByHand(backingKeyId);
      assert.equal(await state(), 'Unavailable', 'the health check at connect found it missing');
      await rejectsWith(decrypt(blob), 'KMSInvalidStateException', /is unavailable\.$/);

      // The recovery procedure: a cluster from the backup, the store pointed at it, reconnect.
      const subnets = await w.cluster.s.network.list(SCOPE);
      const made = await w.cluster.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: subnets.slice(0, 2).map((s) => s.subnetId), sourceBackupId: backup.backupId });
      for (const zone of Object.keys(made.subnetMapping)) await w.cluster.s.clusters.createHsm(SCOPE, made.clusterId, { availabilityZone: zone });
      await disconnect();
      // The backup holds the password the service had set when it was taken; reset it to a known one.
      const admin = await w.login(made.clusterId, 'admin', ADMIN_PASSWORD, 'admin');
      await w.hsm.users.changePassword(SCOPE, made.clusterId, admin, { username: 'kmsuser', role: 'crypto-user', password: 'Restored1' });
      await w.hsm.users.logout(SCOPE, made.clusterId, admin);
      await w.ks.stores.update(SCOPE, id, { clusterId: made.clusterId, password: 'Restored1' });
      await connect();
      assert.equal(await state(), 'Enabled');
      assert.equal((await w.kms.keys.describe(CALLER, keyId)).customKeyStore?.clusterId, made.clusterId);
      assert.equal(await decrypt(blob), 'kept');
    });

    it('a key created while the health check reads the cluster is not marked missing', async () => {
      const keysOf = w.hsm.keys;
      const list = keysOf.list.bind(keysOf);
      let created: string | undefined;
      // Created once the cluster's list is read, before the check goes on: the check must judge
      // only keys it read before that list.
      keysOf.list = async (...args: Parameters<typeof list>) => {
        const held = await list(...args);
        created ??= (await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id })).key.keyId;
        return held;
      };
      try {
        await w.ks.health.checkAll();
      } finally {
        keysOf.list = list;
      }
      assert.equal(await state(created!), 'Enabled');
      await w.ks.health.checkAll();
      assert.equal(await state(created!), 'Enabled');
    });

    it('a crypto call that finds the backing key gone marks the key at once', async () => {
      const { backingKeyId } = (await w.kms.keys.describe(CALLER, keyId)).key.backingKey!;
      await w.cluster.store.contents.update(cluster.clusterId, (c) => ({ ...c, keys: c.keys.filter((k) => k.id !== backingKeyId) }));
      assert.equal(await state(), 'Enabled', 'nobody has looked yet');
      const gone = `${keyArn(CALLER, keyId)} is unavailable: its key material (backing key ${backingKeyId}) is not in AWS CloudHSM cluster ${cluster.clusterId}.`;
      await rejectsWith(encrypt(), 'KMSInvalidStateException', gone);
      assert.equal(await state(), 'Unavailable');
    });
  });

  describe('failures while CONNECTED, as the troubleshooting guide describes them', () => {
    it('network path cut: KMSInvalidStateException, cannot communicate', async () => {
      const blob = (await encrypt()).ciphertext;
      await w.faults.set('NETWORK_CUT', cluster.clusterId);
      await rejectsWith(encrypt(), 'KMSInvalidStateException', CANNOT_COMMUNICATE);
      await rejectsWith(decrypt(blob), 'KMSInvalidStateException', CANNOT_COMMUNICATE);
      await w.ks.health.checkAll();
      assert.equal(await state(), 'Enabled', 'an unreachable cluster says nothing about its keys');
      await w.faults.clear('NETWORK_CUT', cluster.clusterId);
      assert.equal(await decrypt(blob), 'secret');
    });

    it('no active HSM, then the cluster deleted: cannot communicate', async () => {
      for (const h of cluster.hsms) await w.cluster.s.clusters.deleteHsm(SCOPE, cluster.clusterId, { hsmId: h.hsmId });
      await w.cluster.s.clusters.get(SCOPE, cluster.clusterId);
      await rejectsWith(encrypt(), 'KMSInvalidStateException', CANNOT_COMMUNICATE);
      await w.cluster.s.clusters.delete(SCOPE, cluster.clusterId);
      await w.cluster.s.clusters.find(SCOPE, cluster.clusterId);
      await rejectsWith(encrypt(), 'KMSInvalidStateException', CANNOT_COMMUNICATE);
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionState, 'CONNECTED');
    });

    it('kmsuser locked out by failed logins elsewhere: its own message', async () => {
      for (let i = 0; i < 5; i++) await w.login(cluster.clusterId, 'kmsuser', 'WrongPassword1').catch(() => undefined);
      await rejectsWith(encrypt(), 'KMSInvalidStateException', KMSUSER_LOCKED_OUT);
    });

    it('PKCS #11 sessions exhausted: KMSInternalException, so clients back off and retry', async () => {
      // Two HSMs with one session each: the service's login takes one, a person's the other.
      await w.faults.set('SESSION_LIMIT', cluster.clusterId, 1);
      const person = await w.login(cluster.clusterId, 'admin', ADMIN_PASSWORD, 'admin');
      await rejectsWith(encrypt(), 'KMSInternalException', /no available PKCS #11 sessions.*Back off and retry/);
      await w.hsm.users.logout(SCOPE, cluster.clusterId, person);
      await encrypt();
      // A burst beyond the one free session: some calls fail, the others succeed.
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => encrypt()));
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.ok(failed.every((r) => r.reason.type === 'KMSInternalException'));
    });
  });

  describe('deletion at the end of the waiting period', () => {
    const due = async (k: string) => {
      await w.kms.keys.scheduleDeletion(CALLER, k, 7);
      w.cluster.clock.advance(7 * DAY_MS + 1);
      await deleteDueKeys({ store: w.kmsStore, clock: w.cluster.clock }, [w.ks.onKeyDeleted]);
    };

    it('deletes the backing key while the store is connected, and records SUCCESS in a DeleteKey event', async () => {
      const { backingKeyId, keyHandle } = (await w.kms.keys.describe(CALLER, keyId)).key.backingKey!;
      await due(keyId);
      await rejectsWith(w.kms.keys.describe(CALLER, keyId), 'NotFoundException');
      assert.deepEqual(await kmsuserKeys(), []);
      const event = w.events.find((e) => e.eventName === 'DeleteKey');
      assert.deepEqual(event?.responseElements, { keyId: keyArn(CALLER, keyId) });
      assert.deepEqual(event?.additionalEventData, {
        customKeyStoreId: id,
        clusterId: cluster.clusterId,
        backingKeys: JSON.stringify([{ backingKeyId }]),
        backingKeysDeletionStatus: JSON.stringify([{ backingKeyId, keyHandle: String(keyHandle), deletionStatus: 'SUCCESS' }]),
      });
      assert.deepEqual(event?.resources, [{ accountId: CALLER.accountId, type: 'AWS::KMS::Key', ARN: keyArn(CALLER, keyId) }]);
    });

    it('FAILURE while the store is disconnected: the key material stays in the cluster', async () => {
      await disconnect();
      await due(keyId);
      await rejectsWith(w.kms.keys.describe(CALLER, keyId), 'NotFoundException');
      assert.equal((await kmsuserKeys()).length, 1, 'orphaned key material');
      const status = JSON.parse(String(w.events.find((e) => e.eventName === 'DeleteKey')?.additionalEventData?.backingKeysDeletionStatus));
      assert.equal(status[0].deletionStatus, 'FAILURE');
    });
  });

  describe('grants', () => {
    const APP = 'arn:aws:iam::111122223333:role/app';

    it('work as on any symmetric key, also while the store is disconnected, and go with the key', async () => {
      const made = await w.kms.grants.create(CALLER, { keyId, granteePrincipal: APP, operations: ['Encrypt', 'Decrypt'], constraints: { encryptionContextSubset: { purpose: 'test' } } });
      await disconnect();
      assert.equal(await state(), 'Unavailable');
      // AWS's key-state table: CreateGrant succeeds on an Unavailable key, unlike cryptography.
      const whileDown = await w.kms.grants.create(CALLER, { keyId, granteePrincipal: APP, operations: ['DescribeKey'] });
      assert.deepEqual((await w.kms.grants.list(CALLER, keyId, {}, 10)).page.items.map((g) => g.grantId), [made.grant.grantId, whileDown.grant.grantId]);
      await rejectsWith(w.kms.grants.create(CALLER, { keyId, granteePrincipal: APP, operations: ['Sign'] }), 'ValidationException', /^The grant operations \[Sign\] are not valid/);
      await w.kms.grants.retire(CALLER, { grantToken: whileDown.token });
      await w.kms.keys.scheduleDeletion(CALLER, keyId, 7);
      w.cluster.clock.advance(7 * DAY_MS + 1);
      await deleteDueKeys({ store: w.kmsStore, clock: w.cluster.clock }, [w.ks.onKeyDeleted]);
      assert.deepEqual(await w.kms.grants.grantFromTokens([made.token]), []);
      assert.equal(await w.kmsStore.grants.get(made.grant.grantId), undefined);
    });
  });
});
