import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { type CustomKeyStorePort, type CustomKeyStoreStatus, noCustomKeyStores } from './custom-key-store-port.js';
import { NotFoundException, UnsupportedOperationException } from './errors.js';
import { type KeyRecord, type KeyState, type KeyUsage, type Origin, type Tag } from './key.js';
import { describeKeySpecs } from './key-backend.js';
import { checkKeyState, effectiveState, type KeyStateOperation } from './key-state.js';
import { keyArn } from './key.js';
import { findKey, resolveKey, type IdentifierForms } from './key-resolver.js';
import { checkNewKey, keySpecEntry, type KeySpec } from './key-specs.js';
import { importable } from './import-fit.js';
import type { CallerIdentity } from '../authz/index.js';
import { checkPolicyDocument, defaultKeyPolicy } from './policy.js';
import { mergeTags, removeTags } from './tags.js';
import { hasReplicas, newMultiRegionKeyId } from './multi-region.js';
import type { Page } from './repository.js';

export interface CreateKeyRequest {
  description?: string;
  keyUsage?: KeyUsage;
  keySpec?: KeySpec;
  origin?: Origin;
  policy?: string;
  tags?: Tag[];
  multiRegion?: boolean;
  customKeyStoreId?: string;
}

/** A key together with what its caller sees of it. */
export interface KeyView {
  key: KeyRecord;
  arn: string;
  state: KeyState;
  /** The key's custom key store as it is now (its cluster is the key's CloudHsmClusterId). */
  customKeyStore?: CustomKeyStoreStatus;
}

const MIN_WINDOW = 7;
const MAX_WINDOW = 30;

/** The lifecycle of KMS keys: creation, description, state changes, deletion schedule, tags, policy. */
export class KeyService {
  constructor(private readonly deps: KmsDeps) {}

  private get stores(): CustomKeyStorePort {
    return this.deps.customKeyStores ?? noCustomKeyStores;
  }

  /**
   * A new key of any key spec, its material made by the backend that will hold it (a custom key
   * store's cluster for Origin AWS_CLOUDHSM, the service otherwise) before the key is stored (a key
   * pair may take a second, a cluster a round trip), so a key is never visible without it.
   */
  async create(caller: Caller, req: CreateKeyRequest): Promise<KeyView> {
    const keySpec = req.keySpec ?? 'SYMMETRIC_DEFAULT';
    const origin = req.origin ?? 'AWS_KMS';
    const inStore = origin === 'AWS_CLOUDHSM' || req.customKeyStoreId !== undefined;
    const keyUsage = inStore ? this.checkInStore(req, origin, keySpec, req.keyUsage ?? 'ENCRYPT_DECRYPT') : checkNewKey(keySpec, req.keyUsage, caller.region);
    if (!inStore && origin !== 'AWS_KMS' && !(origin === 'EXTERNAL' && importable(keySpecEntry(keySpec)))) {
      throw new UnsupportedOperationException(`Origin ${origin} is not supported for this key.`);
    }
    if (req.policy !== undefined) checkPolicyDocument(req.policy);
    const tags = req.tags ? mergeTags([], req.tags) : [];

    const { clock, random, backends, store } = this.deps;
    const now = clock.now();
    const keyId = req.multiRegion ? newMultiRegionKeyId(random) : random.uuid();
    if (req.policy !== undefined) this.deps.authorizer?.checkLockout(caller, req.policy, { ...caller, keyId });
    // A key for imported material has none until the first ImportKeyMaterial.
    const placement =
      origin === 'EXTERNAL'
        ? { materials: [] }
        : await backends.of(req).create(caller, { keyId, keySpec, arn: keyArn(caller, keyId), now, customKeyStoreId: req.customKeyStoreId });
    const key: KeyRecord = {
      accountId: caller.accountId,
      region: caller.region,
      keyId,
      createdAt: now,
      description: req.description ?? '',
      keyUsage,
      keySpec,
      origin,
      state: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
      policy: req.policy ?? defaultKeyPolicy(caller.accountId),
      tags,
      rotation: { enabled: false },
      ...placement,
    };
    // A multi-Region key starts as a primary key with no replicas (ReplicateKey adds them).
    if (req.multiRegion) key.multiRegion = { primaryRegion: caller.region, replicaRegions: [] };
    await store.keys.insert(key);
    return this.view(key);
  }

  /**
   * A key in an AWS CloudHSM key store: Origin AWS_CLOUDHSM and a CustomKeyStoreId go together,
   * and the key spec, usage and multi-Region choice must be what that backend offers. Whether
   * the store exists and is CONNECTED is its backend's to say when it makes the backing key.
   */
  private checkInStore(req: CreateKeyRequest, origin: Origin, keySpec: KeySpec, keyUsage: KeyUsage): KeyUsage {
    const storeId = req.customKeyStoreId;
    if (origin !== 'AWS_CLOUDHSM') {
      throw new UnsupportedOperationException(
        `CustomKeyStoreId is valid only with Origin AWS_CLOUDHSM; this request has Origin ${origin}. Set --origin AWS_CLOUDHSM to create a KMS key in custom key store ${storeId}.`,
      );
    }
    if (storeId === undefined) {
      throw new UnsupportedOperationException('A KMS key with Origin AWS_CLOUDHSM is created in an AWS CloudHSM key store: specify its CustomKeyStoreId.');
    }
    const offered = this.deps.backends.of(req).capabilities;
    if (!offered.keySpecs[keySpec]?.[keyUsage]) {
      throw new UnsupportedOperationException(`KeySpec ${keySpec} with KeyUsage ${keyUsage} is not supported in a custom key store; only ${describeKeySpecs(offered)} are.`);
    }
    if (req.multiRegion && !offered.multiRegion) throw new UnsupportedOperationException('Multi-Region keys cannot be created in a custom key store.');
    return keyUsage;
  }

  async describe(caller: Caller, keyId: string): Promise<KeyView> {
    return this.view(await resolveKey(this.deps, caller, keyId, 'keyOrAlias', 'DescribeKey'));
  }

  /** Resolves a key for `operation` and checks that its state allows the operation. */
  async usable(caller: Caller, keyId: string, operation: KeyStateOperation, forms: IdentifierForms = 'keyOrAlias', action: string = operation): Promise<KeyView> {
    const view = await this.view(await resolveKey(this.deps, caller, keyId, forms, action));
    checkKeyState(operation, view.state, view.arn);
    return view;
  }

  /**
   * A key named by key id or key ARN, in any state, for reading its tags or policy: `action`
   * (GetKeyPolicy, ListKeyPolicies, ListResourceTags) is what its policies must allow.
   */
  async describeForManagement(caller: Caller, keyId: string, action: 'GetKeyPolicy' | 'ListKeyPolicies' | 'ListResourceTags'): Promise<KeyView> {
    return this.view(await resolveKey(this.deps, caller, keyId, 'keyOnly', action));
  }

  /**
   * What authorization would decide if `subject` called `action` on the key, with the request
   * values in `caller.parameters`: for `keywarden policy explain`. The key is found as the
   * asking caller names it, without checking the asking caller's own rights to it.
   */
  async explain(caller: Caller, subject: CallerIdentity, action: string, keyId: string) {
    const key = await findKey(this.deps.store, caller, keyId, 'keyOrAlias');
    if (!this.deps.authorizer) throw new Error('explain needs the KMS services made by createKmsServices, which carry the authorizer');
    return this.deps.authorizer.explain(subject, caller, action, key);
  }

  /** Every KMS key has exactly one policy, named `default`. */
  checkPolicyName(name: string | undefined): void {
    if (name !== undefined && name !== 'default') throw new NotFoundException(`No such policy exists: ${name}`);
  }

  /** The ids of the caller's keys in its Region, a page at a time (ListKeys). */
  listIds(caller: Caller, limit: number, after?: string): Promise<Page<string>> {
    return this.deps.store.keys.listIds(caller, limit, after);
  }

  enable(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'EnableKey', (k) => ({ ...k, state: 'Enabled' }));
  }

  disable(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'DisableKey', (k) => ({ ...k, state: 'Disabled' }));
  }

  scheduleDeletion(caller: Caller, keyId: string, windowDays = MAX_WINDOW): Promise<KeyView> {
    // The model admits 1 to 365 (outside that the validation engine answers); KMS itself allows 7 to 30.
    if (windowDays < MIN_WINDOW || windowDays > MAX_WINDOW) {
      throw new ValidationException(`PendingWindowInDays must be between ${MIN_WINDOW} and ${MAX_WINDOW}`);
    }
    const now = this.deps.clock.now();
    return this.change(caller, keyId, 'ScheduleKeyDeletion', ({ deletionDate: _d, ...k }) =>
      // A primary key outlives its replicas: its waiting period starts when the last one is deleted.
      hasReplicas(k)
        ? { ...k, state: 'PendingReplicaDeletion', pendingWindowDays: windowDays }
        : { ...k, state: 'PendingDeletion', deletionDate: now + windowDays * DAY_MS, pendingWindowDays: windowDays },
    );
  }

  cancelDeletion(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'CancelKeyDeletion', ({ deletionDate: _d, pendingWindowDays: _w, ...k }) => ({
      ...k,
      state: 'Disabled',
    }));
  }

  updateDescription(caller: Caller, keyId: string, description: string): Promise<KeyView> {
    return this.change(caller, keyId, 'UpdateKeyDescription', (k) => ({ ...k, description }), 'keyOrAlias');
  }

  tag(caller: Caller, keyId: string, tags: Tag[]): Promise<KeyView> {
    return this.change(caller, keyId, 'TagResource', (k) => ({ ...k, tags: mergeTags(k.tags, tags) }), 'keyOnly');
  }

  untag(caller: Caller, keyId: string, tagKeys: string[]): Promise<KeyView> {
    return this.change(caller, keyId, 'UntagResource', (k) => ({ ...k, tags: removeTags(k.tags, tagKeys) }), 'keyOnly');
  }

  putPolicy(caller: Caller, keyId: string, policy: string): Promise<KeyView> {
    checkPolicyDocument(policy);
    return this.change(caller, keyId, undefined, (k) => {
      this.deps.authorizer?.checkLockout(caller, policy, k);
      return { ...k, policy };
    }, 'keyOnly', 'PutKeyPolicy');
  }

  /** What a caller sees of a key: for a key in a custom key store, its state depends on the store's. */
  async view(key: KeyRecord): Promise<KeyView> {
    return this.viewWith(key, await this.storeStatus(key));
  }

  /** The view with the store status already at hand (inside a storage transaction, which cannot wait). */
  viewWith(key: KeyRecord, store: CustomKeyStoreStatus | undefined): KeyView {
    const view: KeyView = { key, arn: keyArn(key, key.keyId), state: effectiveState(key, store) };
    if (store) view.customKeyStore = store;
    return view;
  }

  /** The status of the key's custom key store; undefined for other keys. */
  storeStatus(key: KeyRecord): Promise<CustomKeyStoreStatus | undefined> {
    return key.customKeyStoreId === undefined ? Promise.resolve(undefined) : this.stores.status(key, key.customKeyStoreId);
  }

  /**
   * Applies a change to one key atomically: the state check runs again inside the transaction, so
   * two concurrent calls cannot both pass a check that only one of them should. The status of a
   * custom key store is read before the transaction; a change to it meanwhile is as if the call
   * had come first. EnableKey and DisableKey on an Unavailable key change the stored state only,
   * which the key shows once it is available again.
   */
  private async change(
    caller: Caller,
    keyId: string,
    operation: KeyStateOperation | undefined,
    apply: (key: KeyRecord) => KeyRecord,
    forms: IdentifierForms = 'keyOnly',
    action: string = operation ?? 'UpdateKey',
  ): Promise<KeyView> {
    const found = await resolveKey(this.deps, caller, keyId, forms, action);
    const status = await this.storeStatus(found);
    const updated = await this.deps.store.keys.update(found, found.keyId, (current) => {
      const view = this.viewWith(current, status);
      if (operation) checkKeyState(operation, view.state, view.arn);
      return apply(current);
    });
    if (updated) return this.viewWith(updated, status);
    // The key vanished between resolve and update: answer as if it had never been there.
    return this.view(await resolveKey(this.deps, caller, keyId, forms, action));
  }
}
