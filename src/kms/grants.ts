import { ValidationException } from '../core/common-errors.js';
import type { Caller, KmsDeps } from './context.js';
import { dryRunSucceeded, InvalidGrantIdException, LimitExceededException, NotFoundException } from './errors.js';
import { checkGrant, checkPrincipal, normalConstraints, sameTerms, type GrantConstraints, type GrantOperation } from './grant-rules.js';
import { GrantTokens } from './grant-tokens.js';
import { keyArn, type KeyRecord } from './key.js';
import { denied, findKey, resolveKey } from './key-resolver.js';
import { checkKeyState } from './key-state.js';
import type { KeyService, KeyView } from './keys.js';
import type { GrantFilter, GrantRecord, Page } from './repository.js';

export interface CreateGrantRequest {
  keyId: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  grantTokens?: readonly string[];
  name?: string;
  dryRun?: boolean;
}

export interface CreatedGrant {
  grant: GrantRecord;
  /** A new token on every call, also when Name idempotence returned an existing grant. */
  token: string;
  view: KeyView;
}

/** Which grant RetireGrant retires: by its token, or by its key and id. */
export interface RetireGrantRequest {
  grantToken?: string;
  keyId?: string;
  grantId?: string;
  dryRun?: boolean;
}

/** AWS's quota of grants on one KMS key. */
export const GRANTS_PER_KEY = 50_000;
/** ListGrants and ListRetirableGrants document 1–100 (default 50); the shared LimitType allows 1000, so larger asks get 100. */
const MAX_PAGE = 100;
const GRANT_ID = /^[0-9a-f]{64}$/;

/**
 * Grants: who may use a key for what, besides its key policy. This module keeps them (create,
 * list, retire, revoke) and answers the two questions authorization asks of them: which grants
 * name this principal on this key (`grantsFor`), and which grants do these grant tokens carry
 * (`grantFromTokens`). Whether a grant lets a call through is the policy evaluator's decision.
 */
export class GrantService {
  private readonly tokens: GrantTokens;

  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {
    // Without a configured secret (tests), tokens are good for this process only.
    this.tokens = deps.grantTokens ?? new GrantTokens(deps.random.bytes(32), deps.random);
  }

  async create(caller: Caller, req: CreateGrantRequest): Promise<CreatedGrant> {
    const key = await resolveKey(this.deps, caller, req.keyId, 'keyOnly', 'CreateGrant');
    const view = await this.keys.view(key);
    if (req.grantTokens) await this.grantFromTokens(req.grantTokens);
    checkPrincipal(req.granteePrincipal, 'GranteePrincipal');
    if (req.retiringPrincipal !== undefined) checkPrincipal(req.retiringPrincipal, 'RetiringPrincipal');
    const constraints = normalConstraints(req.constraints);
    checkGrant(key, view.arn, req.operations, constraints);
    checkKeyState('CreateGrant', view.state, view.arn);
    if (req.dryRun) throw dryRunSucceeded();

    const grant: GrantRecord = {
      accountId: key.accountId,
      region: key.region,
      grantId: this.deps.random.bytes(32).toString('hex'),
      keyId: key.keyId,
      granteePrincipal: req.granteePrincipal,
      issuingAccount: `arn:aws:iam::${caller.accountId}:root`,
      operations: [...new Set(req.operations)],
      createdAt: this.deps.clock.now(),
    };
    if (req.name !== undefined) grant.name = req.name;
    if (req.retiringPrincipal !== undefined) grant.retiringPrincipal = req.retiringPrincipal;
    if (constraints !== undefined) grant.constraints = constraints;

    const result = await this.deps.store.grants.insert(grant, GRANTS_PER_KEY, (existing) => sameTerms(existing, grant));
    switch (result.outcome) {
      case 'created':
      case 'existing':
        return { grant: result.grant, token: this.tokens.issue(result.grant.grantId), view };
      case 'limit':
        throw new LimitExceededException(
          `${view.arn} already has ${GRANTS_PER_KEY} grants, the most a KMS key can have. Retire or revoke grants that are no longer needed.`,
        );
      case 'noKey':
        // Deleted since it was resolved: answer as if it had never been there.
        throw new NotFoundException(`Key '${view.arn}' does not exist`);
    }
  }

  /** A key's grants (ListGrants): the key by key id or key ARN, in any state. */
  async list(caller: Caller, keyId: string, filter: GrantFilter, limit: number, after?: string): Promise<{ page: Page<GrantRecord>; arn: string }> {
    const key = await resolveKey(this.deps, caller, keyId, 'keyOnly', 'ListGrants');
    if (filter.grantId !== undefined) checkGrantId(filter.grantId);
    const page = await this.deps.store.grants.listForKey(key, key.keyId, Math.min(limit, MAX_PAGE), after, filter);
    return { page, arn: keyArn(key, key.keyId) };
  }

  /** The grants of the caller's account and Region that this principal may retire (ListRetirableGrants). */
  listRetirable(caller: Caller, retiringPrincipal: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    return this.deps.store.grants.listRetirable(caller, retiringPrincipal, Math.min(limit, MAX_PAGE), after);
  }

  /**
   * RetireGrant: by grant token, or by key and grant id. The grant decides who may retire it (see
   * KeyAuthorizer.authorizeRetire), so the key is found without a policy check of its own: the
   * retiring principal needs no permission on the key. Without an authorizer (domain tests), any
   * principal of the key's account may, and so may the grant's own principals (`mayRetire`).
   */
  async retire(caller: Caller, req: RetireGrantRequest): Promise<GrantRecord> {
    let grant: GrantRecord;
    let key: KeyRecord;
    if (req.grantToken !== undefined) {
      const grantId = this.tokens.requireGrantId(req.grantToken);
      const found = await this.deps.store.grants.get(grantId);
      if (!found) throw grantNotFound(grantId);
      grant = found;
      const owner = await this.deps.store.keys.get(grant, grant.keyId);
      // Grants go with their key; a grant whose key is gone is no grant.
      if (!owner) throw grantNotFound(grantId);
      key = owner;
    } else {
      if (req.keyId === undefined || req.grantId === undefined) {
        throw new ValidationException('Identify the grant to retire by its GrantToken, or by both KeyId and GrantId.');
      }
      key = await findKey(this.deps.store, caller, req.keyId, 'keyOnly');
      grant = await this.grantOf(key, req.grantId);
    }
    if (this.deps.authorizer && caller.identity) await this.deps.authorizer.authorizeRetire(caller, key, grant);
    else if (caller.accountId !== grant.accountId && !mayRetire(grant, caller.principalArn)) {
      throw denied(caller.principalArn, 'RetireGrant', keyArn(grant, grant.keyId));
    }
    if (req.dryRun) throw dryRunSucceeded();
    if (!(await this.deps.store.grants.remove(grant.grantId))) throw grantNotFound(grant.grantId);
    return grant;
  }

  /** RevokeGrant: the key by key id or key ARN, in any state; the grant must be one of its grants. */
  async revoke(caller: Caller, keyId: string, grantId: string, dryRun?: boolean): Promise<GrantRecord> {
    const grant = await this.grantOnKey(caller, keyId, grantId, 'RevokeGrant');
    if (dryRun) throw dryRunSucceeded();
    if (!(await this.deps.store.grants.remove(grant.grantId))) throw grantNotFound(grant.grantId);
    return grant;
  }

  /**
   * For the policy evaluator: the grants on a key whose grantee is this principal.
   * A retired or revoked grant is gone from the store at once, so it is never among them.
   */
  grantsFor(key: Pick<KeyRecord, 'accountId' | 'region' | 'keyId'>, principalArn: string): Promise<GrantRecord[]> {
    return this.deps.store.grants.forGrantee(key, key.keyId, principalArn);
  }

  /**
   * For the policy evaluator: the live grants that the grant tokens of a request carry, each
   * once. A token this service did not issue is InvalidGrantTokenException; a token whose grant
   * was retired or revoked carries nothing.
   */
  grantFromTokens(tokens: readonly string[]): Promise<GrantRecord[]> {
    return this.tokens.liveGrants(tokens, this.deps.store.grants);
  }

  private async grantOnKey(caller: Caller, keyId: string, grantId: string, action: string): Promise<GrantRecord> {
    return this.grantOf(await resolveKey(this.deps, caller, keyId, 'keyOnly', action), grantId);
  }

  private async grantOf(key: KeyRecord, grantId: string): Promise<GrantRecord> {
    checkGrantId(grantId);
    const grant = await this.deps.store.grants.get(grantId);
    if (!grant || grant.keyId !== key.keyId || grant.region !== key.region) throw grantNotFound(grantId);
    return grant;
  }
}

/**
 * Whether a principal may retire a grant by the grant's own terms: it is the grant's retiring
 * principal, or its grantee and the grant allows RetireGrant. (The key's account may retire any
 * of its grants besides; that is a key policy matter.)
 */
export function mayRetire(grant: GrantRecord, principalArn: string): boolean {
  if (grant.retiringPrincipal !== undefined && grant.retiringPrincipal === principalArn) return true;
  return grant.granteePrincipal === principalArn && grant.operations.includes('RetireGrant');
}

function checkGrantId(grantId: string): void {
  if (!GRANT_ID.test(grantId)) throw new InvalidGrantIdException(`Invalid grantId '${grantId}'`);
}

const grantNotFound = (grantId: string) => new NotFoundException(`Grant ID ${grantId} not found`);
