import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { parsePolicy, principalOfArn } from '../authz/index.js';
import { DAY_MS } from '../core/clock.js';
import type { ServiceEvent } from '../core/events.js';
import { parseCiphertext } from './ciphertext.js';
import type { Caller, KmsDeps } from './context.js';
import { deleteDueKeys } from './deletion.js';
import { keyArn } from './key.js';
import { createKmsServices, type KmsServices } from './services.js';

const EAST = CALLER;
const WEST: Caller = { ...CALLER, region: 'eu-west-1' };
const SOUTH: Caller = { ...CALLER, region: 'ap-southeast-2' };
const MRK = /^mrk-[0-9a-f]{32}$/;

describe('multi-Region keys', () => {
  let now: number;
  let deps: KmsDeps;
  let kms: KmsServices;
  let events: ServiceEvent[];

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    events = [];
    deps = { ...kmsDeps(() => now), events: { emit: async (e) => void events.push(e) } };
    kms = createKmsServices(deps);
  });
  afterEach(() => deps.store.close());

  const primaryKey = async (extra: Parameters<KmsServices['keys']['create']>[1] = {}) => (await kms.keys.create(EAST, { multiRegion: true, ...extra })).key.keyId;
  const config = async (caller: Caller, keyId: string) => (await kms.keys.describe(caller, keyId)).key.multiRegion;

  it('CreateKey MultiRegion makes a primary key with an mrk- id and no replicas', async () => {
    const view = await kms.keys.create(EAST, { multiRegion: true, description: 'mrk' });
    assert.match(view.key.keyId, MRK);
    assert.equal(view.arn, keyArn(EAST, view.key.keyId));
    assert.deepEqual(view.key.multiRegion, { primaryRegion: 'us-east-1', replicaRegions: [] });
    assert.equal((await kms.keys.create(EAST, {})).key.multiRegion, undefined);
    // Every key spec may be multi-Region, HMAC and key pairs too.
    assert.match((await kms.keys.create(EAST, { multiRegion: true, keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' })).key.keyId, MRK);
  });

  it('a replica shares the material: what one Region encrypts, the other decrypts through its own ARN', async () => {
    const keyId = await primaryKey({ description: 'primary', tags: [{ key: 'team', value: 'a' }] });
    const out = await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1', description: 'replica', tags: [{ key: 'site', value: 'dub' }] });
    assert.equal(out.view.arn, keyArn(WEST, keyId));
    assert.equal(out.view.state, 'Creating', 'the answer shows the replica as AWS does, still Creating');
    assert.deepEqual(out.tags, [{ key: 'site', value: 'dub' }]);
    assert.match(out.policy, /"Id": "key-default-1"/);

    const replica = await kms.keys.describe(WEST, keyId);
    assert.equal(replica.state, 'Enabled');
    assert.equal(replica.key.description, 'replica');
    assert.deepEqual(replica.key.tags, [{ key: 'site', value: 'dub' }]);
    assert.deepEqual(replica.key.multiRegion, { primaryRegion: 'us-east-1', replicaRegions: ['eu-west-1'] });
    assert.deepEqual(await config(EAST, keyId), { primaryRegion: 'us-east-1', replicaRegions: ['eu-west-1'] });
    assert.deepEqual((await kms.keys.describe(EAST, keyId)).key.tags, [{ key: 'team', value: 'a' }], 'tags are not shared');

    const context = { purpose: 'mrk' };
    const east = await kms.crypto.encrypt(EAST, keyId, Buffer.from('from us-east-1'), context);
    assert.equal(parseCiphertext(east.ciphertext).keyId, keyId);
    const opened = await kms.crypto.decrypt(WEST, east.ciphertext, context, keyArn(WEST, keyId));
    assert.equal(opened.plaintext.toString(), 'from us-east-1');
    assert.equal(opened.view.arn, keyArn(WEST, keyId));
    const west = await kms.crypto.encrypt(WEST, keyId, Buffer.from('from eu-west-1'));
    assert.equal((await kms.crypto.decrypt(EAST, west.ciphertext)).plaintext.toString(), 'from eu-west-1');
    // A Region with no related key cannot open it.
    await rejectsWith(kms.crypto.decrypt(SOUTH, east.ciphertext, context), 'InvalidCiphertextException');

    // The replica's state is its own: disabled, it refuses; the primary goes on.
    await kms.keys.disable(WEST, keyId);
    await rejectsWith(kms.crypto.decrypt(WEST, east.ciphertext, context), 'DisabledException', `${keyArn(WEST, keyId)} is disabled.`);
    assert.equal((await kms.crypto.decrypt(EAST, east.ciphertext, context)).plaintext.toString(), 'from us-east-1');
    assert.equal(events.filter((e) => e.eventName === 'CreateKey' && e.region === 'eu-west-1').length, 1, 'a CreateKey record in the replica Region');
  });

  it('ReplicateKey refuses what AWS refuses', async () => {
    const single = (await kms.keys.create(EAST, {})).arn;
    await rejectsWith(kms.multiRegion.replicate(EAST, single, { replicaRegion: 'eu-west-1' }), 'UnsupportedOperationException', `${single} is not a multi-region primary key.`);
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' }), 'AlreadyExistsException', /already has a replica in eu-west-1/);
    await rejectsWith(
      kms.multiRegion.replicate(WEST, keyId, { replicaRegion: 'ap-southeast-2' }),
      'UnsupportedOperationException',
      `${keyArn(WEST, keyId)} is not a multi-region primary key.`,
    );
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'us-east-1' }), 'ValidationException', /is the Region of the primary key/);
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'cn-north-1' }), 'UnsupportedOperationException', /same AWS partition/);
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ap-southeast-2', policy: 'not json' }), 'MalformedPolicyDocumentException');
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ap-southeast-2', tags: [{ key: 'aws:x', value: '' }] }), 'TagException');
    await kms.keys.disable(EAST, keyId);
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ap-southeast-2' }), 'DisabledException', `${keyArn(EAST, keyId)} is disabled.`);
    assert.equal(await deps.store.keys.get(SOUTH, keyId), undefined, 'nothing was made by a refused call');
    await rejectsWith(kms.multiRegion.replicate(EAST, 'mrk-00000000000000000000000000000000', { replicaRegion: 'eu-west-1' }), 'NotFoundException');
  });

  it('UpdatePrimaryRegion swaps the roles in every related key', async () => {
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ap-southeast-2' });
    await kms.multiRegion.updatePrimaryRegion(EAST, keyId, 'eu-west-1');
    const expected = { primaryRegion: 'eu-west-1', replicaRegions: ['ap-southeast-2', 'us-east-1'] };
    for (const caller of [EAST, WEST, SOUTH]) assert.deepEqual(await config(caller, keyId), expected, caller.region);
    // Only the new primary replicates and changes the primary Region now.
    await rejectsWith(kms.multiRegion.updatePrimaryRegion(EAST, keyId, 'ap-southeast-2'), 'UnsupportedOperationException', /is not a multi-region primary key/);
    await rejectsWith(kms.multiRegion.updatePrimaryRegion(WEST, keyId, 'eu-west-1'), 'UnsupportedOperationException', /is already the primary key/);
    await rejectsWith(kms.multiRegion.updatePrimaryRegion(WEST, keyId, 'ca-central-1'), 'NotFoundException', `Key '${keyArn({ ...WEST, region: 'ca-central-1' }, keyId)}' does not exist`);
    const update = events.find((e) => e.eventName === 'UpdatePrimaryRegion');
    assert.equal(update?.region, 'eu-west-1', 'a record in the new primary Region');
    assert.deepEqual(update?.requestParameters, { keyId, primaryRegion: 'eu-west-1' });
    // A replica pending deletion cannot become the primary.
    await kms.keys.scheduleDeletion(SOUTH, keyId, 7);
    await rejectsWith(kms.multiRegion.updatePrimaryRegion(WEST, keyId, 'ap-southeast-2'), 'KMSInvalidStateException', `${keyArn(SOUTH, keyId)} is pending deletion.`);
  });

  it('rotation is the primary key\'s and reaches its replicas; replicas refuse to change it', async () => {
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    const before = await kms.crypto.encrypt(WEST, keyId, Buffer.from('before'));
    await kms.rotation.rotateOnDemand(EAST, keyId);
    const [east, west] = [await kms.keys.describe(EAST, keyId), await kms.keys.describe(WEST, keyId)];
    assert.equal(west.key.materials.length, 2);
    assert.deepEqual(west.key.materials, east.key.materials);
    const after = await kms.crypto.encrypt(WEST, keyId, Buffer.from('after'));
    assert.equal(parseCiphertext(after.ciphertext).materialVersion, 2);
    assert.equal((await kms.crypto.decrypt(EAST, after.ciphertext)).plaintext.toString(), 'after');
    assert.equal((await kms.crypto.decrypt(EAST, before.ciphertext)).plaintext.toString(), 'before');
    assert.ok(events.some((e) => e.eventName === 'SynchronizeMultiRegionKey' && e.region === 'us-east-1'));

    const arn = keyArn(WEST, keyId);
    await rejectsWith(kms.rotation.enable(WEST, keyId), 'UnsupportedOperationException', new RegExp(`^${arn} is a multi-Region replica key`));
    await rejectsWith(kms.rotation.rotateOnDemand(WEST, keyId), 'UnsupportedOperationException', /managed by its primary key/);
    await kms.rotation.enable(EAST, keyId, 90);
    const status = await kms.rotation.status(WEST, keyId);
    assert.equal(status.enabled, true, 'the rotation status is shared');
    assert.equal(status.periodDays, 90);

    // Automatic rotation: the primary is due, and its replica rotates with it.
    now += 91 * DAY_MS;
    assert.equal(await kms.rotation.rotateDue(), 1);
    assert.equal((await kms.keys.describe(WEST, keyId)).key.materials.length, 3);
    assert.equal((await kms.rotation.status(WEST, keyId)).nextRotationAt, now + 90 * DAY_MS);

    // After UpdatePrimaryRegion the schedule is kept and follows the new primary.
    await kms.multiRegion.updatePrimaryRegion(EAST, keyId, 'eu-west-1');
    await rejectsWith(kms.rotation.disable(EAST, keyId), 'UnsupportedOperationException', /replica key/);
    now += 91 * DAY_MS;
    assert.equal(await kms.rotation.rotateDue(), 1);
    assert.equal((await kms.keys.describe(EAST, keyId)).key.materials.length, 4);
  });

  it('a primary with replicas waits for them: PendingReplicaDeletion, then its own waiting period', async () => {
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ap-southeast-2' });
    const scheduled = await kms.keys.scheduleDeletion(EAST, keyId, 10);
    assert.equal(scheduled.state, 'PendingReplicaDeletion');
    assert.equal(scheduled.key.deletionDate, undefined);
    assert.equal(scheduled.key.pendingWindowDays, 10);
    await rejectsWith(kms.crypto.encrypt(EAST, keyId, Buffer.from('x')), 'KMSInvalidStateException', `${keyArn(EAST, keyId)} is pending deletion.`);
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'ca-central-1' }), 'KMSInvalidStateException');
    // Cancelled, it is Disabled like any key; scheduled again, it waits again.
    assert.equal((await kms.keys.cancelDeletion(EAST, keyId)).state, 'Disabled');
    await kms.keys.scheduleDeletion(EAST, keyId, 10);

    await kms.keys.scheduleDeletion(WEST, keyId, 7);
    await kms.keys.scheduleDeletion(SOUTH, keyId, 8);
    const start = now;
    now = start + 7 * DAY_MS;
    assert.equal(await deleteDueKeys(deps), 1);
    assert.equal(await deps.store.keys.get(WEST, keyId), undefined);
    const east = await kms.keys.describe(EAST, keyId);
    assert.equal(east.state, 'PendingReplicaDeletion', 'one replica is left');
    assert.deepEqual(east.key.multiRegion, { primaryRegion: 'us-east-1', replicaRegions: ['ap-southeast-2'] });
    now = start + 8 * DAY_MS;
    assert.equal(await deleteDueKeys(deps), 1);
    const last = await kms.keys.describe(EAST, keyId);
    assert.equal(last.state, 'PendingDeletion');
    assert.equal(last.key.deletionDate, now + 10 * DAY_MS, 'the waiting period starts when the last replica is deleted');
    assert.deepEqual(last.key.multiRegion, { primaryRegion: 'us-east-1', replicaRegions: [] });
    now += 10 * DAY_MS;
    assert.equal(await deleteDueKeys(deps), 1);
    assert.deepEqual(await deps.store.keys.related(EAST.accountId, keyId), []);
  });

  it('a deleted replica can be made again, with the primary\'s material', async () => {
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    const sealed = await kms.crypto.encrypt(EAST, keyId, Buffer.from('kept'));
    await kms.keys.scheduleDeletion(WEST, keyId, 7);
    await rejectsWith(kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' }), 'AlreadyExistsException');
    now += 7 * DAY_MS;
    await deleteDueKeys(deps);
    assert.deepEqual(await config(EAST, keyId), { primaryRegion: 'us-east-1', replicaRegions: [] });
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    assert.equal((await kms.crypto.decrypt(WEST, sealed.ciphertext)).plaintext.toString(), 'kept');
  });

  it('grants and aliases belong to one Region\'s key', async () => {
    const keyId = await primaryKey();
    await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    const grant = await kms.grants.create(WEST, { keyId, granteePrincipal: 'arn:aws:iam::111122223333:role/app', operations: ['Decrypt'] });
    assert.deepEqual((await kms.grants.list(WEST, keyId, {}, 10)).page.items.map((g) => g.grantId), [grant.grant.grantId]);
    assert.deepEqual((await kms.grants.list(EAST, keyId, {}, 10)).page.items, []);
    await rejectsWith(kms.grants.revoke(EAST, keyId, grant.grant.grantId), 'NotFoundException');
    await kms.aliases.create(WEST, 'alias/mrk', keyId);
    assert.equal((await kms.keys.describe(WEST, 'alias/mrk')).arn, keyArn(WEST, keyId));
    await rejectsWith(kms.keys.describe(EAST, 'alias/mrk'), 'NotFoundException');
  });

  it('imported material: the replica waits for the same material, and takes no other', async () => {
    const keyId = await primaryKey({ origin: 'EXTERNAL' });
    const out = await kms.multiRegion.replicate(EAST, keyId, { replicaRegion: 'eu-west-1' });
    assert.equal(out.view.key.state, 'PendingImport');
    const material = randomBytes(32);
    const importInto = async (caller: Caller, bytes: Buffer) => {
      const p = await kms.imports.parametersFor(caller, keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048');
      const wrapped = publicEncrypt({ key: createPublicKey({ key: p.publicKey, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytes);
      return kms.imports.importMaterial(caller, { keyId, importToken: p.importToken, encryptedKeyMaterial: wrapped, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    };
    const first = await importInto(EAST, material);
    await rejectsWith(importInto(WEST, randomBytes(32)), 'IncorrectKeyMaterialException', new RegExp(keyArn(EAST, keyId)));
    assert.equal((await kms.keys.describe(WEST, keyId)).state, 'PendingImport');
    const second = await importInto(WEST, material);
    assert.equal(second.materialId, first.materialId);
    const sealed = await kms.crypto.encrypt(EAST, keyId, Buffer.from('byok'));
    assert.equal((await kms.crypto.decrypt(WEST, sealed.ciphertext)).plaintext.toString(), 'byok');
    // Each key's material is its own to delete.
    await kms.imports.deleteMaterial(WEST, keyId);
    assert.equal((await kms.keys.describe(EAST, keyId)).state, 'Enabled');
  });

  it('IAM: ReplicateKey needs kms:CreateKey in the replica Region (and kms:TagResource there for Tags); UpdatePrimaryRegion needs both key policies', async () => {
    const keyId = await primaryKey();
    const user = 'arn:aws:iam::111122223333:user/ops';
    const identity = (statements: unknown[]) => {
      const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'identity');
      assert.ok(parsed.ok);
      return { principal: principalOfArn(user)!, identityPolicies: [{ name: 'ops', policy: parsed.policy }] };
    };
    const inRegion = (region: string) => ({ StringEquals: { 'aws:RequestedRegion': region } });
    const ops = (caller: Caller, statements: unknown[], parameters: Record<string, unknown> = {}): Caller => ({ ...caller, principalArn: user, identity: identity(statements), parameters });
    const replicateOnly = { Effect: 'Allow', Action: 'kms:ReplicateKey', Resource: '*' };
    const createIn = (region: string) => ({ Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: inRegion(region) });

    await rejectsWith(
      kms.multiRegion.replicate(ops(EAST, [replicateOnly, createIn('ap-southeast-2')]), keyId, { replicaRegion: 'eu-west-1' }),
      'AccessDeniedException',
      /kms:CreateKey/,
    );
    const tagged = { replicaRegion: 'eu-west-1', tags: [{ key: 'a', value: 'b' }] };
    await rejectsWith(
      kms.multiRegion.replicate(ops(EAST, [replicateOnly, createIn('eu-west-1')], { Tags: [{ TagKey: 'a', TagValue: 'b' }] }), keyId, tagged),
      'AccessDeniedException',
      /kms:TagResource/,
    );
    await rejectsWith(kms.multiRegion.replicate(ops(EAST, [createIn('eu-west-1')]), keyId, { replicaRegion: 'eu-west-1' }), 'AccessDeniedException', /kms:ReplicateKey/);
    assert.equal(await deps.store.keys.get(WEST, keyId), undefined, 'no refused call made a replica');
    const tagging = { Effect: 'Allow', Action: 'kms:TagResource', Resource: 'arn:aws:kms:eu-west-1:111122223333:key/*' };
    await kms.multiRegion.replicate(ops(EAST, [replicateOnly, createIn('eu-west-1'), tagging], { Tags: [{ TagKey: 'a', TagValue: 'b' }] }), keyId, tagged);

    // The replica's own key policy must allow kms:UpdatePrimaryRegion too.
    const owner = { Sid: 'owner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };
    const noUpdate = { Sid: 'no', Effect: 'Deny', Principal: { AWS: user }, Action: 'kms:UpdatePrimaryRegion', Resource: '*' };
    await kms.keys.putPolicy(WEST, keyId, JSON.stringify({ Version: '2012-10-17', Statement: [owner, noUpdate] }));
    const update = { Effect: 'Allow', Action: 'kms:UpdatePrimaryRegion', Resource: '*' };
    await rejectsWith(kms.multiRegion.updatePrimaryRegion(ops(EAST, [update]), keyId, 'eu-west-1'), 'AccessDeniedException', new RegExp(keyArn(WEST, keyId)));
    assert.equal((await config(EAST, keyId))?.primaryRegion, 'us-east-1');

    // Condition keys: kms:MultiRegion reads the key, kms:ReplicaRegion the request.
    const onlyMrk = { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { Bool: { 'kms:MultiRegion': 'true' } } };
    await kms.crypto.encrypt(ops(EAST, [onlyMrk]), keyId, Buffer.from('x'));
    const single = (await kms.keys.create(EAST, {})).key.keyId;
    await rejectsWith(kms.crypto.encrypt(ops(EAST, [onlyMrk]), single, Buffer.from('x')), 'AccessDeniedException');
    const toSydneyOnly = { Effect: 'Allow', Action: 'kms:ReplicateKey', Resource: '*', Condition: { StringEquals: { 'kms:ReplicaRegion': 'ap-southeast-2' } } };
    const createAnywhere = { Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*' };
    await rejectsWith(
      kms.multiRegion.replicate(ops(EAST, [toSydneyOnly, createAnywhere], { ReplicaRegion: 'ca-central-1' }), keyId, { replicaRegion: 'ca-central-1' }),
      'AccessDeniedException',
      /kms:ReplicateKey/,
    );
    await kms.multiRegion.replicate(ops(EAST, [toSydneyOnly, createAnywhere], { ReplicaRegion: 'ap-southeast-2' }), keyId, { replicaRegion: 'ap-southeast-2' });
  });
});
