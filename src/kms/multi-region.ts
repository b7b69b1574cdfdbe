import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { ServiceEvent } from '../core/events.js';
import type { Random } from '../core/random.js';
import type { Caller, KmsDeps } from './context.js';
import { AlreadyExistsException, IncorrectKeyMaterialException, NotFoundException, UnsupportedOperationException } from './errors.js';
import { keyArn, type KeyRecord, type MultiRegionPlace, type Scope, type Tag } from './key.js';
import { authorizeKey, resolveKey } from './key-resolver.js';
import { checkKeyState } from './key-state.js';
import type { KeyService, KeyView } from './keys.js';
import { checkPolicyDocument, defaultKeyPolicy } from './policy.js';
import type { KmsStore, RelatedKeysChange } from './repository.js';
import { mergeTags } from './tags.js';

// Multi-Region keys: a primary key and its replicas, one per Region of one account, with one key
// id (`mrk-…`) and one key material. Each related key is a key of its own Region with its own
// policy, description, tags, aliases, grants and state; what they share (key spec, key usage,
// origin, material and rotation) the primary decides and every change to it reaches the replicas
// in the same transaction (KeyRepository.updateRelated), where AWS copies it within seconds.

export const MRK_PREFIX = 'mrk-';

/** `mrk-` and 32 hex digits: the id of a new multi-Region key and, later, of each of its replicas. */
export const newMultiRegionKeyId = (random: Random): string => MRK_PREFIX + random.bytes(16).toString('hex');

export const isPrimary = (key: KeyRecord): boolean => key.multiRegion?.primaryRegion === key.region;
export const isReplica = (key: KeyRecord): boolean => key.multiRegion !== undefined && key.multiRegion.primaryRegion !== key.region;
export const hasReplicas = (key: KeyRecord): boolean => isPrimary(key) && key.multiRegion!.replicaRegions.length > 0;

/** The primary key's ARN, as every related key names it. */
export const primaryArn = (key: KeyRecord): string => keyArn({ accountId: key.accountId, region: key.multiRegion!.primaryRegion }, key.keyId);

/**
 * `target` with the properties it shares with `source`, its primary: key spec, usage and origin,
 * the rotation schedule and, for material KMS made, every material version (imported material is
 * imported into each related key by its owner, as AWS requires).
 */
export function withShared(target: KeyRecord, source: KeyRecord): KeyRecord {
  const shared: KeyRecord = { ...target, keySpec: source.keySpec, keyUsage: source.keyUsage, origin: source.origin, rotation: source.rotation };
  if (source.origin !== 'EXTERNAL') shared.materials = source.materials;
  return shared;
}

/** Whether `a` and `b` differ in what a primary gives its replicas. */
const sharedDiffers = (a: KeyRecord, b: KeyRecord): boolean =>
  JSON.stringify(withShared(a, b)) !== JSON.stringify(a);

/**
 * KeyRepository.update for a change that may touch shared properties (a rotation, the rotation
 * schedule): on a multi-Region primary key the change reaches every replica in the same
 * transaction, and a SynchronizeMultiRegionKey event records it as CloudTrail does, in the
 * primary's Region. Other keys are updated alone.
 */
export async function updateShared(
  deps: Pick<KmsDeps, 'store' | 'events' | 'clock'>,
  scope: Scope,
  keyId: string,
  change: (key: KeyRecord) => KeyRecord,
): Promise<KeyRecord | undefined> {
  if (!keyId.startsWith(MRK_PREFIX)) return deps.store.keys.update(scope, keyId, change);
  let updated: KeyRecord | undefined;
  let synchronized = false;
  await deps.store.keys.updateRelated(scope.accountId, keyId, (keys) => {
    const target = keys.find((k) => k.region === scope.region);
    if (!target) return { put: [] };
    const next = change(target);
    updated = next;
    if (!isPrimary(next)) return { put: [next] };
    const others = keys.filter((k) => k.region !== next.region);
    const replicas = others.map((k) => (sharedDiffers(k, next) ? withShared(k, next) : k));
    synchronized = replicas.some((r, i) => r !== others[i]);
    return { put: [next, ...replicas] };
  });
  if (updated && synchronized) await emitFor(deps, updated, 'SynchronizeMultiRegionKey', null);
  return updated;
}

/**
 * What deleting the key of one Region does to its related keys: it goes (with its aliases and
 * grants), the others no longer list it, and a primary that was waiting for its last replica
 * (PendingReplicaDeletion) starts its own waiting period now. Nothing happens when the key is no
 * longer due (its deletion was cancelled meanwhile) or is a primary that still has replicas.
 */
export function removeFromRelated(keys: readonly KeyRecord[], region: string, now: number): RelatedKeysChange & { removed: boolean } {
  const gone = keys.find((k) => k.region === region);
  if (!gone || gone.state !== 'PendingDeletion' || gone.deletionDate === undefined || gone.deletionDate > now || hasReplicas(gone)) {
    return { put: [], removed: false };
  }
  const place = gone.multiRegion!;
  const next: MultiRegionPlace = { primaryRegion: place.primaryRegion, replicaRegions: place.replicaRegions.filter((r) => r !== region) };
  const put = keys
    .filter((k) => k.region !== region)
    .map((k): KeyRecord => {
      const kept: KeyRecord = { ...k, multiRegion: next };
      if (k.region !== next.primaryRegion || k.state !== 'PendingReplicaDeletion' || next.replicaRegions.length > 0) return kept;
      return { ...kept, state: 'PendingDeletion', deletionDate: now + (k.pendingWindowDays ?? 30) * DAY_MS };
    });
  return { put, remove: [region], removed: true };
}

/**
 * Imported material of a multi-Region key must be the same in every related key, whichever
 * imports first: its keyed digest (the KeyMaterialId) must match theirs.
 */
export async function checkSameMaterial(store: KmsStore, key: KeyRecord, materialId: string): Promise<void> {
  if (key.multiRegion === undefined) return;
  for (const other of await store.keys.related(key.accountId, key.keyId)) {
    const theirs = other.materials[0]?.materialId;
    if (other.region !== key.region && theirs !== undefined && theirs !== materialId) {
      throw new IncorrectKeyMaterialException(
        `The key material being imported is not the key material of the related multi-Region key ${keyArn(other, other.keyId)}.`,
      );
    }
  }
}

export interface ReplicateRequest {
  replicaRegion: string;
  policy?: string;
  description?: string;
  tags?: Tag[];
}

export interface Replicated {
  /** The replica as ReplicateKey reports it: still Creating, as AWS answers. */
  view: KeyView;
  policy: string;
  tags: Tag[];
}

/** ReplicateKey and UpdatePrimaryRegion. */
export class MultiRegionService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  /**
   * A replica of a primary key in another Region of the same account. The replica is made within
   * the call, so every later call finds it Enabled (PendingImport for imported material); the
   * answer shows it Creating, with no material yet, as AWS's does.
   */
  async replicate(caller: Caller, keyId: string, req: ReplicateRequest): Promise<Replicated> {
    const found = await resolveKey(this.deps, caller, keyId, 'keyOnly', 'ReplicateKey');
    const arn = keyArn(found, found.keyId);
    if (!isPrimary(found)) throw notPrimary(arn);
    const region = req.replicaRegion;
    if (region === found.region) {
      throw new ValidationException(`ReplicaRegion ${region} is the Region of the primary key ${arn}. A replica must be in another Region.`);
    }
    if (partitionOf(region) !== partitionOf(found.region)) {
      throw new UnsupportedOperationException(`${arn} cannot be replicated to ${region}: a replica must be in the same AWS partition as its primary key.`);
    }
    const scope: Scope = { accountId: found.accountId, region };
    if (req.policy !== undefined) checkPolicyDocument(req.policy);
    const tags = req.tags ? mergeTags([], req.tags) : [];
    const authorizer = this.deps.authorizer;
    authorizer?.authorizeInRegion(caller, region, 'CreateKey', found);
    if (tags.length > 0) authorizer?.authorizeInRegion(caller, region, 'TagResource', found, `arn:aws:kms:${region}:${found.accountId}:key/*`);
    if (req.policy !== undefined) authorizer?.checkLockout(caller, req.policy, { ...scope, keyId: found.keyId });

    const now = this.deps.clock.now();
    const policy = req.policy ?? defaultKeyPolicy(found.accountId);
    let replica: KeyRecord | undefined;
    await this.deps.store.keys.updateRelated(found.accountId, found.keyId, (keys) => {
      const primary = keys.find((k) => k.region === found.region);
      // The primary may have moved or gone since it was resolved.
      if (!primary || !isPrimary(primary)) throw notPrimary(arn);
      checkKeyState('ReplicateKey', this.keys.viewWith(primary, undefined).state, arn);
      const existing = keys.find((k) => k.region === region);
      if (existing) {
        throw new AlreadyExistsException(`${arn} already has a replica in ${region}: ${keyArn(existing, existing.keyId)}.`);
      }
      const place: MultiRegionPlace = { primaryRegion: primary.region, replicaRegions: [...primary.multiRegion!.replicaRegions, region].sort() };
      replica = withShared(
        {
          ...scope,
          keyId: primary.keyId,
          createdAt: now,
          description: req.description ?? '',
          keyUsage: primary.keyUsage,
          keySpec: primary.keySpec,
          origin: primary.origin,
          state: primary.origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
          policy,
          tags,
          rotation: primary.rotation,
          materials: [],
          multiRegion: place,
        },
        primary,
      );
      return { put: [...keys.map((k) => ({ ...k, multiRegion: place })), replica] };
    });
    const made = replica!;
    // CloudTrail records a CreateKey in the replica's Region beside the ReplicateKey call.
    await emitFor(this.deps, made, 'CreateKey', null);
    return { view: { ...this.keys.viewWith(made, undefined), state: 'Creating' }, policy, tags };
  }

  /**
   * Makes the replica in `primaryRegion` the primary key and the primary a replica. Both need
   * kms:UpdatePrimaryRegion, each in its own key policy. The change completes within the call,
   * so no key is ever seen Updating.
   */
  async updatePrimaryRegion(caller: Caller, keyId: string, primaryRegion: string): Promise<void> {
    const found = await resolveKey(this.deps, caller, keyId, 'keyOnly', 'UpdatePrimaryRegion');
    const arn = keyArn(found, found.keyId);
    if (!isPrimary(found)) throw notPrimary(arn);
    if (primaryRegion === found.region) {
      throw new UnsupportedOperationException(`${arn} is already the primary key. PrimaryRegion must be the Region of one of its replica keys.`);
    }
    const target: Scope = { accountId: found.accountId, region: primaryRegion };
    const targetArn = keyArn(target, found.keyId);
    const replica = await this.deps.store.keys.get(target, found.keyId);
    if (!replica) throw new NotFoundException(`Key '${targetArn}' does not exist`);
    await authorizeKey(this.deps, { ...caller, region: primaryRegion }, 'UpdatePrimaryRegion', replica);

    let promoted: KeyRecord | undefined;
    await this.deps.store.keys.updateRelated(found.accountId, found.keyId, (keys) => {
      const primary = keys.find((k) => k.region === found.region);
      const next = keys.find((k) => k.region === primaryRegion);
      if (!primary || !isPrimary(primary)) throw notPrimary(arn);
      if (!next) throw new NotFoundException(`Key '${targetArn}' does not exist`);
      checkKeyState('UpdatePrimaryRegion', this.keys.viewWith(primary, undefined).state, arn);
      checkKeyState('UpdatePrimaryRegion', this.keys.viewWith(next, undefined).state, targetArn);
      const place: MultiRegionPlace = { primaryRegion, replicaRegions: keys.map((k) => k.region).filter((r) => r !== primaryRegion).sort() };
      const put = keys.map((k) => ({ ...k, multiRegion: place }));
      promoted = put.find((k) => k.region === primaryRegion);
      return { put };
    });
    // CloudTrail records the call in the old primary's Region and an entry in the new primary's.
    await emitFor(this.deps, promoted!, 'UpdatePrimaryRegion', { keyId: found.keyId, primaryRegion });
  }
}

const notPrimary = (arn: string) => new UnsupportedOperationException(`${arn} is not a multi-region primary key.`);

/** aws, aws-cn or aws-us-gov: a replica stays in its primary's partition. */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A CloudTrail record of what KMS did for a multi-Region key in that key's Region. */
function emitFor(deps: Pick<KmsDeps, 'events' | 'clock'>, key: KeyRecord, eventName: string, requestParameters: ServiceEvent['requestParameters']): Promise<void> {
  if (!deps.events) return Promise.resolve();
  const arn = keyArn(key, key.keyId);
  return deps.events.emit({
    eventSource: 'kms.amazonaws.com',
    eventName,
    accountId: key.accountId,
    region: key.region,
    eventTime: deps.clock.now(),
    requestParameters,
    responseElements: { keyId: arn },
    resources: [{ accountId: key.accountId, type: 'AWS::KMS::Key', ARN: arn }],
    readOnly: false,
  });
}
