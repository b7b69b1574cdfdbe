import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { InvalidMarkerException, KMSInvalidStateException, LimitExceededException, UnsupportedOperationException } from './errors.js';
import { currentMaterial, keyArn, type ExpirationModel, type KeyMaterial, type KeyRecord, type RotationType } from './key.js';
import { allMaterials, isImported } from './key-materials.js';
import { resolveKey } from './key-resolver.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { isSymmetricEncryption } from './key-specs.js';
import type { KeyBackendCapabilities } from './key-backend.js';
import type { KeyService, KeyView } from './keys.js';
import type { Page } from './repository.js';
import { isReplica, primaryArn, updateShared } from './multi-region.js';

export const DEFAULT_ROTATION_DAYS = 365;
const MIN_PERIOD = 90;
const MAX_PERIOD = 2560;
/** AWS's on-demand rotation quota per key; unlike its other quotas it cannot be raised. */
export const MAX_ON_DEMAND_ROTATIONS = 25;

export interface RotationStatus {
  view: KeyView;
  enabled: boolean;
  periodDays?: number;
  nextRotationAt?: number;
}

export type KeyMaterialState = 'CURRENT' | 'NON_CURRENT' | 'PENDING_ROTATION';

/** One key material as ListKeyRotations reports it. */
export interface RotationEntry {
  keyArn: string;
  materialId: string;
  state: KeyMaterialState;
  /** Absent for the key's first material, which no rotation made, and for pending material. */
  rotatedAt?: number;
  rotationType?: RotationType;
  /** Imported material (Origin EXTERNAL) only. */
  imported?: {
    importState: 'IMPORTED' | 'PENDING_IMPORT';
    expirationModel?: ExpirationModel;
    validTo?: number;
    description?: string;
  };
}

/**
 * Rotation of key material: the automatic schedule, on-demand rotations and their history. Every
 * rotation adds a material version and never removes one, so ciphertexts made before it still
 * decrypt: a ciphertext names the version that sealed it.
 */
export class RotationService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  async enable(caller: Caller, keyId: string, periodDays = DEFAULT_ROTATION_DAYS): Promise<KeyView> {
    checkPeriod(periodDays);
    // The period counts from this call, also when it only changes the period of an enabled schedule.
    const next = this.deps.clock.now() + periodDays * DAY_MS;
    return this.change(caller, keyId, 'EnableKeyRotation', (k) => ({
      ...k,
      rotation: { enabled: true, periodDays, nextRotationAt: next },
    }));
  }

  disable(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'DisableKeyRotation', (k) => ({ ...k, rotation: { enabled: false } }));
  }

  async status(caller: Caller, keyId: string): Promise<RotationStatus> {
    const view = await this.keys.usable(caller, keyId, 'GetKeyRotationStatus', 'keyOnly');
    // Key pairs and HMAC keys never rotate: AWS reports rotation as off rather than refusing.
    if (!isSymmetricEncryption(view.key.keySpec)) return { view, enabled: false };
    checkRotatable(view, this.deps.backends.of(view.key).capabilities);
    const { rotation } = view.key;
    // AWS reports rotation as off while a key waits for deletion, and restores it if deletion is cancelled.
    if (!rotation.enabled || view.state === 'PendingDeletion') return { view, enabled: false };
    return { view, enabled: true, periodDays: rotation.periodDays, nextRotationAt: rotation.nextRotationAt };
  }

  /**
   * Rotates now. The rotation completes within the call, so GetKeyRotationStatus never shows one in
   * progress and ConflictException cannot arise. The automatic schedule is left as it was. A key
   * with imported material rotates to the material imported for it as NEW_KEY_MATERIAL, which
   * becomes current and permanently the key's.
   */
  async rotateOnDemand(caller: Caller, keyId: string): Promise<KeyView> {
    const now = this.deps.clock.now();
    const view = await this.change(caller, keyId, 'RotateKeyOnDemand', (k, view) => {
      if (k.origin === 'EXTERNAL' && !k.pendingMaterial) {
        throw new KMSInvalidStateException(`No available key material pending rotation for the key: ${view.arn}.`);
      }
      const used = k.materials.filter((m) => m.rotationType === 'ON_DEMAND').length;
      if (used >= MAX_ON_DEMAND_ROTATIONS) {
        throw new LimitExceededException(
          `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${view.arn}`,
        );
      }
      if (k.pendingMaterial) {
        const { pendingMaterial, ...rest } = k;
        return { ...rest, materials: [...k.materials, { ...pendingMaterial, createdAt: now, rotationType: 'ON_DEMAND' }] };
      }
      return this.withNewMaterial(k, 'ON_DEMAND', now);
    }, 'onDemand');
    // AWS records the rotation itself as a RotateKey service event, after the RotateKeyOnDemand call.
    await this.reportRotation(view.key, 'ON_DEMAND', now);
    return view;
  }

  /**
   * The key's materials in the order they became current. By default only those that rotations
   * made (ROTATIONS_ONLY); `includeFirst` adds the original material (ALL_KEY_MATERIAL).
   */
  async listRotations(caller: Caller, keyId: string, limit: number, after?: string, includeFirst = false): Promise<Page<RotationEntry>> {
    const view = await this.keys.usable(caller, keyId, 'ListKeyRotations', 'keyOnly');
    checkRotatable(view, this.deps.backends.of(view.key).capabilities, 'onDemand');
    const from = after === undefined ? 0 : parseCursor(after);
    const { key } = view;
    // An EXTERNAL key with no material yet has nothing to list.
    const current = key.materials.length > 0 ? currentMaterial(key).version : 0;
    // ALL_KEY_MATERIAL adds the first material and any material pending rotation.
    const listed = (includeFirst ? allMaterials(key) : key.materials).filter((m) => (includeFirst || m.rotationType !== undefined) && m.version > from);
    const items = listed.slice(0, limit).map((m) => entry(view.arn, key, m, current));
    const last = items.length ? listed[items.length - 1]! : undefined;
    return { items, next: listed.length > limit && last ? String(last.version) : undefined };
  }

  /**
   * Automatic rotation of every key whose rotation date has passed; a maintenance task. A key that
   * is not Enabled keeps its date and rotates as soon as it is enabled again, as AWS does.
   */
  async rotateDue(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    let rotated = 0;
    for (const due of await store.keys.dueForRotation(now)) {
      // A multi-Region primary's rotation reaches its replicas in the same transaction.
      const updated = await updateShared(this.deps, due, due.keyId, (k) => {
        // Decided again inside the transaction: another node or a concurrent call may have rotated,
        // disabled or rescheduled the key since the query.
        const { rotation } = k;
        if (!rotation.enabled || rotation.nextRotationAt === undefined || rotation.nextRotationAt > now || isReplica(k)) return k;
        // No key in a custom key store has rotation enabled; were one to, it would show Unavailable here.
        if (this.keys.viewWith(k, undefined).state !== 'Enabled') return k;
        const period = rotation.periodDays ?? DEFAULT_ROTATION_DAYS;
        // One rotation per due date, and the next one a full period after it actually happened: a
        // clock moved years ahead does not replay every missed rotation.
        const next = this.withNewMaterial(k, 'AUTOMATIC', now);
        return { ...next, rotation: { ...rotation, nextRotationAt: now + period * DAY_MS } };
      });
      if (updated && updated.materials.length > due.materials.length) {
        rotated++;
        await this.reportRotation(updated, 'AUTOMATIC', now);
      }
    }
    return rotated;
  }

  /**
   * The `RotateKey` service event CloudTrail records for every rotation, automatic or on demand
   * (KMS Developer Guide, "RotateKey"): the key as the resource, the details in serviceEventDetails.
   */
  private async reportRotation(key: KeyRecord, rotationType: RotationType, at: number): Promise<void> {
    if (!this.deps.events) return;
    const arn = keyArn(key, key.keyId);
    const current = currentMaterial(key);
    const previous = key.materials[key.materials.length - 2];
    await this.deps.events.emit({
      eventSource: 'kms.amazonaws.com',
      eventName: 'RotateKey',
      accountId: key.accountId,
      region: key.region,
      eventTime: at,
      requestParameters: null,
      responseElements: null,
      resources: [{ accountId: key.accountId, type: 'AWS::KMS::Key', ARN: arn }],
      readOnly: false,
      serviceEventDetails: {
        rotationType,
        keyOrigin: key.origin,
        ...(previous ? { previousKeyMaterialId: previous.materialId } : {}),
        currentKeyMaterialId: current.materialId,
        keyId: key.keyId,
      },
    });
  }

  private withNewMaterial(key: KeyRecord, rotationType: RotationType, now: number): KeyRecord {
    const material = this.deps.backends.service.newVersion(key.keyId, currentMaterial(key).version + 1, now);
    return { ...key, materials: [...key.materials, { ...material, rotationType }] };
  }

  /** Reads, checks and changes one key in one transaction, so a state change cannot slip between. */
  private async change(
    caller: Caller,
    keyId: string,
    operation: KeyStateOperation,
    apply: (key: KeyRecord, view: KeyView) => KeyRecord,
    kind: RotationKind = 'automatic',
  ): Promise<KeyView> {
    const found = await resolveKey(this.deps, caller, keyId, 'keyOnly', operation);
    const status = await this.keys.storeStatus(found);
    const updated = await updateShared(this.deps, found, found.keyId, (current) => {
      const view = this.keys.viewWith(current, status);
      checkKeyState(operation, view.state, view.arn);
      checkRotatable(view, this.deps.backends.of(current).capabilities, kind);
      checkRotationManagedHere(view);
      return apply(current, view);
    });
    if (updated) return this.keys.viewWith(updated, status);
    // The key vanished between resolve and update: answer as if it had never been there.
    return this.keys.view(await resolveKey(this.deps, caller, keyId, 'keyOnly', operation));
  }
}

/** Automatic rotation (its schedule and status) or on-demand rotation (and the list of materials). */
type RotationKind = 'automatic' | 'onDemand';

/**
 * Rotation exists only for symmetric encryption keys: automatic rotation for those whose material
 * KMS generated and holds itself, on-demand rotation for imported material too. Never for keys
 * whose backend does not rotate (a custom key store's), nor for key pairs and HMAC keys, which AWS
 * refuses with an UnsupportedOperationException that has no message.
 */
function checkRotatable({ key, arn }: KeyView, capabilities: KeyBackendCapabilities, kind: RotationKind = 'automatic'): void {
  const origins = kind === 'onDemand' ? ['AWS_KMS', 'EXTERNAL'] : ['AWS_KMS'];
  if (!origins.includes(key.origin) || !capabilities.rotation) {
    throw new UnsupportedOperationException(`${arn} origin is ${key.origin} which is not valid for this operation.`);
  }
  if (!isSymmetricEncryption(key.keySpec)) throw new UnsupportedOperationException('');
}

/** Related multi-Region keys rotate together, as their primary key's settings say. */
function checkRotationManagedHere({ key, arn }: KeyView): void {
  if (isReplica(key)) {
    throw new UnsupportedOperationException(`${arn} is a multi-Region replica key. Its rotation is managed by its primary key ${primaryArn(key)}.`);
  }
}

function checkPeriod(days: number): void {
  if (days < MIN_PERIOD || days > MAX_PERIOD) {
    const bound = days < MIN_PERIOD ? `greater than or equal to ${MIN_PERIOD}` : `less than or equal to ${MAX_PERIOD}`;
    throw new ValidationException(
      `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
}

function parseCursor(after: string): number {
  const version = Number(after);
  if (!Number.isSafeInteger(version) || version < 0) throw new InvalidMarkerException('Invalid marker.');
  return version;
}

function entry(keyArn: string, key: KeyRecord, m: KeyMaterial, current: number): RotationEntry {
  const pending = m === key.pendingMaterial;
  const state: KeyMaterialState = pending ? 'PENDING_ROTATION' : m.version === current ? 'CURRENT' : 'NON_CURRENT';
  const e: RotationEntry = { keyArn, materialId: m.materialId, state };
  if (m.rotationType !== undefined) {
    e.rotatedAt = m.createdAt;
    e.rotationType = m.rotationType;
  }
  if (key.origin === 'EXTERNAL') {
    e.imported = { importState: isImported(m) ? 'IMPORTED' : 'PENDING_IMPORT' };
    if (m.imported) {
      e.imported.expirationModel = m.imported.expirationModel;
      if (m.imported.validTo !== undefined) e.imported.validTo = m.imported.validTo;
    }
    if (m.description !== undefined) e.imported.description = m.description;
  }
  return e;
}
