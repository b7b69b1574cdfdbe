import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { AlreadyExistsException, NotAuthorizedException, NotFoundException } from './errors.js';
import { aliasArn, type Scope } from './key.js';
import { authorizeKey, resolveKey } from './key-resolver.js';
import type { KeyService } from './keys.js';
import type { AliasRecord, Page } from './repository.js';

/** An alias together with its ARN, which every response that names an alias carries. */
export interface AliasView {
  alias: AliasRecord;
  arn: string;
}

const PREFIX = 'alias/';
const RESERVED = 'alias/aws/';
/** ListAliases documents 1–100 (default 50); the shared LimitType allows 1000, so larger asks get 100. */
const MAX_PAGE = 100;

/** Friendly names for keys: one name points at one key; a key may carry many names. */
export class AliasService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  async create(caller: Caller, aliasName: string, targetKeyId: string): Promise<AliasView> {
    checkWritableName(aliasName);
    checkTarget(targetKeyId);
    // AWS reports a taken name before it looks at the target key.
    if (await this.deps.store.aliases.get(caller, aliasName)) throw alreadyExists(caller, aliasName);
    const target = await this.keys.usable(caller, targetKeyId, 'CreateAlias', 'keyOnly');
    const now = this.deps.clock.now();
    const alias: AliasRecord = {
      accountId: caller.accountId,
      region: caller.region,
      aliasName,
      targetKeyId: target.key.keyId,
      createdAt: now,
      updatedAt: now,
    };
    // A concurrent CreateAlias of the same name may win between the read above and this insert.
    if (!(await this.deps.store.aliases.insert(alias))) throw alreadyExists(caller, aliasName);
    return view(alias);
  }

  async update(caller: Caller, aliasName: string, targetKeyId: string): Promise<AliasView> {
    checkWritableName(aliasName);
    checkTarget(targetKeyId);
    const { store, clock } = this.deps;
    const existing = await store.aliases.get(caller, aliasName);
    if (!existing) throw notFound(caller, aliasName);
    await this.authorizeOnTarget(caller, existing, 'UpdateAlias');
    // Only the new target's state matters: an alias may be moved off a key pending deletion.
    // AWS also requires the same key type and usage on both sides; every key here is a
    // symmetric ENCRYPT_DECRYPT key, so that rule cannot fail yet.
    const target = await this.keys.usable(caller, targetKeyId, 'UpdateAlias', 'keyOnly');
    const now = clock.now();
    // False when a concurrent DeleteAlias removed the alias after the read above.
    if (!(await store.aliases.retarget(caller, aliasName, target.key.keyId, now))) throw notFound(caller, aliasName);
    return view({ ...existing, targetKeyId: target.key.keyId, updatedAt: now });
  }

  async delete(caller: Caller, aliasName: string): Promise<void> {
    // No reserved-prefix check: no alias/aws/ alias exists here, so NotFound is the answer.
    checkPrefix(aliasName);
    const existing = await this.deps.store.aliases.get(caller, aliasName);
    if (!existing) throw notFound(caller, aliasName);
    await this.authorizeOnTarget(caller, existing, 'DeleteAlias');
    if (!(await this.deps.store.aliases.remove(caller, aliasName))) throw notFound(caller, aliasName);
  }

  /**
   * DeleteAlias and UpdateAlias need their action in the policy of the key the alias points at,
   * besides IAM's permission on the alias itself (checked before the call gets here).
   */
  private async authorizeOnTarget(caller: Caller, alias: AliasRecord, action: string): Promise<void> {
    const key = await this.deps.store.keys.get(alias, alias.targetKeyId);
    if (key) await authorizeKey(this.deps, caller, action, key);
  }

  /** Aliases of the caller's account and Region, by name; `keyId` (key id or key ARN) filters by target. */
  async list(caller: Caller, limit: number, after?: string, keyId?: string): Promise<Page<AliasView>> {
    const target = keyId === undefined ? undefined : await resolveKey(this.deps, caller, keyId, 'keyOnly', 'ListAliases');
    const page = await this.deps.store.aliases.list(caller, Math.min(limit, MAX_PAGE), after, target?.keyId);
    return { items: page.items.map(view), next: page.next };
  }
}

function checkPrefix(aliasName: string): void {
  if (!aliasName.startsWith(PREFIX)) {
    throw new ValidationException(
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
}

/** The rules for a name that CreateAlias or UpdateAlias would store. */
function checkWritableName(aliasName: string): void {
  checkPrefix(aliasName);
  if (aliasName.startsWith(RESERVED)) throw new NotAuthorizedException(`${aliasName} is reserved: alias names beginning with alias/aws/ belong to AWS managed keys.`);
  // The model's pattern admits ':', but KMS refuses it in a name it would store: it is the ARN separator.
  if (aliasName.includes(':')) throw new ValidationException(`${aliasName} contains invalid characters for an alias`);
}

function checkTarget(targetKeyId: string): void {
  if (targetKeyId.startsWith(PREFIX) || /^arn:[^:]*:kms:[^:]*:[^:]*:alias\//.test(targetKeyId)) {
    throw new ValidationException('Aliases must refer to keys. Not aliases');
  }
}

const view = (alias: AliasRecord): AliasView => ({ alias, arn: aliasArn(alias, alias.aliasName) });

// AWS names the alias by its ARN in both messages.
const alreadyExists = (scope: Scope, aliasName: string) =>
  new AlreadyExistsException(`An alias with the name ${aliasArn(scope, aliasName)} already exists`);
const notFound = (scope: Scope, aliasName: string) => new NotFoundException(`Alias ${aliasArn(scope, aliasName)} is not found.`);

