import { DAY_MS } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { NotFoundException, UnsupportedOperationException } from './errors.js';
import { type KeyRecord, type KeyState, type KeyUsage, type Origin, type Tag } from './key.js';
import { checkKeyState, type KeyStateOperation } from './key-state.js';
import { keyArn } from './key.js';
import { resolveKey, type IdentifierForms } from './key-resolver.js';
import { checkPolicyDocument, defaultKeyPolicy } from './policy.js';
import { mergeTags, removeTags } from './tags.js';
import type { Page } from './repository.js';

export interface CreateKeyRequest {
  description?: string;
  keyUsage?: KeyUsage;
  keySpec?: string;
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
}

const MIN_WINDOW = 7;
const MAX_WINDOW = 30;

/** The lifecycle of KMS keys: creation, description, state changes, deletion schedule, tags, policy. */
export class KeyService {
  constructor(private readonly deps: KmsDeps) {}

  async create(caller: Caller, req: CreateKeyRequest): Promise<KeyView> {
    const keyUsage = req.keyUsage ?? 'ENCRYPT_DECRYPT';
    const keySpec = req.keySpec ?? 'SYMMETRIC_DEFAULT';
    const origin = req.origin ?? 'AWS_KMS';
    if (keySpec !== 'SYMMETRIC_DEFAULT') {
      throw new UnsupportedOperationException(`KeySpec ${keySpec} is not supported. Keywarden creates SYMMETRIC_DEFAULT keys.`);
    }
    if (keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new ValidationException(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
    }
    if (origin !== 'AWS_KMS') {
      throw new UnsupportedOperationException(`Origin ${origin} is not supported for this key.`);
    }
    if (req.multiRegion) throw new UnsupportedOperationException('Multi-Region keys are not supported.');
    if (req.policy !== undefined) checkPolicyDocument(req.policy);
    const tags = req.tags ? mergeTags([], req.tags) : [];

    const { clock, random, vault, store } = this.deps;
    const now = clock.now();
    const keyId = random.uuid();
    const key: KeyRecord = {
      accountId: caller.accountId,
      region: caller.region,
      keyId,
      createdAt: now,
      description: req.description ?? '',
      keyUsage,
      keySpec,
      origin,
      state: 'Enabled',
      policy: req.policy ?? defaultKeyPolicy(caller.accountId),
      tags,
      rotation: { enabled: false },
      materials: [vault.newMaterial(keyId, 1, now)],
    };
    await store.keys.insert(key);
    return this.view(key);
  }

  async describe(caller: Caller, keyId: string): Promise<KeyView> {
    return this.view(await resolveKey(this.deps.store, caller, keyId, 'keyOrAlias', 'DescribeKey'));
  }

  /** Resolves a key for `operation` and checks that its state allows the operation. */
  async usable(caller: Caller, keyId: string, operation: KeyStateOperation, forms: IdentifierForms = 'keyOrAlias'): Promise<KeyView> {
    const view = this.view(await resolveKey(this.deps.store, caller, keyId, forms, operation));
    checkKeyState(operation, view.state, view.arn);
    return view;
  }

  /** A key named by key id or key ARN, in any state, for reading its tags or policy. */
  async describeForManagement(caller: Caller, keyId: string): Promise<KeyView> {
    return this.view(await resolveKey(this.deps.store, caller, keyId, 'keyOnly', 'DescribeKey'));
  }

  /** Every KMS key has exactly one policy, named `default`. */
  checkPolicyName(name: string | undefined): void {
    if (name !== undefined && name !== 'default') throw new NotFoundException(`No such policy exists: ${name}`);
  }

  async list(caller: Caller, limit: number, after?: string): Promise<Page<KeyView>> {
    const page = await this.deps.store.keys.list(caller, limit, after);
    return { items: page.items.map((k) => this.view(k)), next: page.next };
  }

  enable(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'EnableKey', (k) => ({ ...k, state: 'Enabled' }));
  }

  disable(caller: Caller, keyId: string): Promise<KeyView> {
    return this.change(caller, keyId, 'DisableKey', (k) => ({ ...k, state: 'Disabled' }));
  }

  scheduleDeletion(caller: Caller, keyId: string, windowDays = MAX_WINDOW): Promise<KeyView> {
    if (windowDays < MIN_WINDOW || windowDays > MAX_WINDOW) {
      const bound = windowDays < MIN_WINDOW ? `greater than or equal to ${MIN_WINDOW}` : `less than or equal to ${MAX_WINDOW}`;
      throw new ValidationException(
        `1 validation error detected: Value '${windowDays}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${bound}`,
      );
    }
    const now = this.deps.clock.now();
    return this.change(caller, keyId, 'ScheduleKeyDeletion', (k) => ({
      ...k,
      state: 'PendingDeletion',
      deletionDate: now + windowDays * DAY_MS,
      pendingWindowDays: windowDays,
    }));
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
    return this.change(caller, keyId, undefined, (k) => ({ ...k, policy }), 'keyOnly', 'PutKeyPolicy');
  }

  /** What a caller sees of a key. Later capabilities derive `Unavailable` here. */
  view(key: KeyRecord): KeyView {
    return { key, arn: keyArn(key, key.keyId), state: key.state };
  }

  /**
   * Applies a change to one key atomically: the state check runs again inside the transaction, so
   * two concurrent calls cannot both pass a check that only one of them should.
   */
  private async change(
    caller: Caller,
    keyId: string,
    operation: KeyStateOperation | undefined,
    apply: (key: KeyRecord) => KeyRecord,
    forms: IdentifierForms = 'keyOnly',
    action: string = operation ?? 'UpdateKey',
  ): Promise<KeyView> {
    const found = await resolveKey(this.deps.store, caller, keyId, forms, action);
    const updated = await this.deps.store.keys.update(found, found.keyId, (current) => {
      const view = this.view(current);
      if (operation) checkKeyState(operation, view.state, view.arn);
      return apply(current);
    });
    // The key vanished between resolve and update: answer as if it had never been there.
    return this.view(updated ?? (await resolveKey(this.deps.store, caller, keyId, forms, action)));
  }
}
