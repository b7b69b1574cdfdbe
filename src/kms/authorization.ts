import {
  accessDeniedMessage,
  authorizeRetireGrant,
  evaluate,
  explainDecision,
  LOCKOUT_MESSAGE,
  parsePolicy,
  passesLockoutCheck,
  type CallerIdentity,
  type Decision,
  type Grant,
  type KeyFacts,
  type Policy,
  type RequestContext,
  type RequestFacts,
} from '../authz/index.js';
import type { Clock } from '../core/clock.js';
import { AccessDeniedException } from '../core/common-errors.js';
import type { Caller } from './context.js';
import type { GrantTokens } from './grant-tokens.js';
import { MalformedPolicyDocumentException } from './errors.js';
import { keyArn, type KeyRecord } from './key.js';
import type { GrantRecord, KmsStore } from './repository.js';

/**
 * Whether the caller may perform an action on a key, decided by the policy evaluator (authz/)
 * from the key's policy, the caller's identity policies and the key's grants, as AWS KMS decides
 * it. Every key an operation resolves passes through `authorize` before its state is checked.
 */
export class KeyAuthorizer {
  /**
   * Parsed key policies by their text (parsing costs ~100 times what evaluating does), with
   * whether they read kms:ResourceAliases, which a case-insensitive search of a long policy's
   * text on every call would cost as much again.
   */
  private readonly parsed = new Map<string, { policy: Policy; readsAliases: boolean }>();

  constructor(
    private readonly deps: { store: KmsStore; clock: Clock; grantTokens: GrantTokens },
  ) {}

  /**
   * Throws AccessDeniedException unless the caller may perform `kms:<action>` on the key. A call
   * without an identity (the service's own work, domain tests) is not a request and passes.
   */
  async authorize(caller: Caller, action: string, key: KeyRecord): Promise<void> {
    const identity = caller.identity;
    if (!identity) return;
    const ctx = await this.context(caller, identity, action, key);
    const keyPolicy = this.policy(key.policy);
    const tokens = grantTokensOf(caller);
    let decision = evaluate(ctx, { keyPolicy, identityPolicies: identity.identityPolicies });
    // Grants only matter when the policies alone do not allow (and did not explicitly deny), so
    // the common call reads no grants at all; grant tokens are checked whenever they are sent.
    const tokenGrants = tokens.length > 0 ? await this.grantsFromTokens(tokens, key) : [];
    if (!decision.allowed && decision.reason !== 'explicit-deny') {
      const grants = [...tokenGrants, ...(await this.grantsNaming(key, identity))];
      if (grants.length > 0) decision = evaluate(ctx, { keyPolicy, identityPolicies: identity.identityPolicies, grants });
    }
    if (!decision.allowed) throw new AccessDeniedException(accessDeniedMessage(decision, ctx));
  }

  /**
   * RetireGrant, which the grant decides rather than a policy alone: its retiring principal, its
   * grantee when it includes RetireGrant, and principals of the key's account whose policies allow
   * kms:RetireGrant on the key. Throws AccessDeniedException for anyone else.
   */
  async authorizeRetire(caller: Caller, key: KeyRecord, grant: GrantRecord): Promise<void> {
    const identity = caller.identity;
    if (!identity) return;
    const ctx = await this.context(caller, identity, 'RetireGrant', key);
    const decision = authorizeRetireGrant(toGrant(grant), ctx, { keyPolicy: this.policy(key.policy), identityPolicies: identity.identityPolicies });
    if (!decision.allowed) throw new AccessDeniedException(accessDeniedMessage(decision, ctx));
  }

  /**
   * An action that IAM alone decides, as if the call were made in another Region: ReplicateKey
   * needs kms:CreateKey in the replica's Region (and kms:TagResource there for its Tags), which
   * only the caller's identity policies can give, since that key does not exist yet.
   */
  authorizeInRegion(caller: Caller, region: string, action: string, like: Pick<KeyRecord, 'keySpec' | 'keyUsage' | 'origin'>, resource?: string): void {
    const identity = caller.identity;
    if (!identity) return;
    // The key to be made is the primary's like: kms:KeySpec and its neighbours read its properties.
    const request: RequestFacts = { ...requestFacts(action, caller.parameters ?? {}), keySpec: like.keySpec, keyUsage: like.keyUsage, keyOrigin: like.origin, multiRegion: true };
    const ctx: RequestContext = {
      principal: identity.principal,
      action: `kms:${action}`,
      ...(resource !== undefined ? { resource } : {}),
      request,
      environment: this.environment({ ...caller, region }),
    };
    const decision = evaluate(ctx, { identityPolicies: identity.identityPolicies });
    if (!decision.allowed) throw new AccessDeniedException(accessDeniedMessage(decision, ctx));
  }

  /** The decision for `keywarden policy explain`, with the lines that say why. */
  async explain(identity: CallerIdentity, caller: Caller, action: string, key: KeyRecord): Promise<{ decision: Decision; lines: string[] }> {
    const ctx = await this.context(caller, identity, action, key);
    const grants = await this.grantsNaming(key, identity);
    const decision = evaluate(ctx, { keyPolicy: this.policy(key.policy), identityPolicies: identity.identityPolicies, grants });
    return { decision, lines: explainDecision(decision, ctx) };
  }

  /**
   * CreateKey's and PutKeyPolicy's policy lockout safety check: the new policy must still let the
   * caller call PutKeyPolicy on the key, unless the request bypasses the check.
   */
  checkLockout(caller: Caller, policyText: string, key: Pick<KeyRecord, 'accountId' | 'region' | 'keyId'>): void {
    const identity = caller.identity;
    if (!identity || caller.parameters?.BypassPolicyLockoutSafetyCheck === true) return;
    const facts: KeyFacts = { arn: keyArn(key, key.keyId), accountId: key.accountId };
    const ctx = { principal: identity.principal, action: 'kms:PutKeyPolicy', key: facts, environment: this.environment(caller) };
    if (!passesLockoutCheck(this.policy(policyText), ctx, identity.identityPolicies)) throw new MalformedPolicyDocumentException(LOCKOUT_MESSAGE);
  }

  /** A stored or accepted key policy, parsed; stored policies were checked when they were put. */
  private policy(text: string): Policy {
    return this.parsedPolicy(text).policy;
  }

  private parsedPolicy(text: string): { policy: Policy; readsAliases: boolean } {
    let parsed = this.parsed.get(text);
    if (!parsed) {
      const result = parsePolicy(text, 'key');
      if (!result.ok) throw new MalformedPolicyDocumentException('The key policy is not valid.');
      parsed = { policy: result.policy, readsAliases: /resourcealiases/i.test(text) };
      // Bounded: a key policy is at most 32 KiB, so a thousand of them stay under 32 MiB.
      if (this.parsed.size >= 1000) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(text, parsed);
    }
    return parsed;
  }

  private async context(caller: Caller, identity: CallerIdentity, action: string, key: KeyRecord): Promise<RequestContext> {
    const needsAliases = identity.readsResourceAliases === true || this.parsedPolicy(key.policy).readsAliases;
    // A key has at most a few aliases in practice; the first hundred are what the condition sees.
    const aliases = needsAliases ? (await this.deps.store.aliases.list(key, 100, undefined, key.keyId)).items.map((a) => a.aliasName) : undefined;
    const facts: KeyFacts = {
      arn: keyArn(key, key.keyId),
      accountId: key.accountId,
      tags: Object.fromEntries(key.tags.map((t) => [t.key, t.value])),
      keySpec: key.keySpec,
      keyUsage: key.keyUsage,
      keyOrigin: key.origin,
      multiRegion: key.multiRegion !== undefined,
      ...(aliases ? { aliases } : {}),
    };
    return { principal: identity.principal, action: `kms:${action}`, key: facts, request: requestFacts(action, caller.parameters ?? {}), environment: this.environment(caller) };
  }

  private environment(caller: Caller): RequestContext['environment'] {
    return { currentTime: this.deps.clock.now(), sourceIp: caller.sourceIp, secureTransport: caller.secureTransport, region: caller.region };
  }

  private async grantsFromTokens(tokens: readonly string[], key: KeyRecord): Promise<Grant[]> {
    const live = await this.deps.grantTokens.liveGrants(tokens, this.deps.store.grants);
    return live.filter((g) => g.keyId === key.keyId && g.region === key.region).map(toGrant);
  }

  /** The key's grants whose grantee names the caller, its role or its account. */
  private async grantsNaming(key: KeyRecord, identity: CallerIdentity): Promise<Grant[]> {
    const p = identity.principal;
    const names = new Set([p.arn, p.roleArn, `arn:aws:iam::${p.accountId}:root`, p.accountId].filter((n): n is string => n !== undefined));
    const lists = await Promise.all([...names].map((n) => this.deps.store.grants.forGrantee(key, key.keyId, n)));
    return lists.flat().map(toGrant);
  }
}

const toGrant = (g: GrantRecord): Grant => ({
  grantId: g.grantId,
  granteePrincipal: g.granteePrincipal,
  ...(g.retiringPrincipal !== undefined ? { retiringPrincipal: g.retiringPrincipal } : {}),
  operations: g.operations,
  ...(g.constraints ? { constraints: g.constraints } : {}),
});

function grantTokensOf(caller: Caller): string[] {
  const tokens = caller.parameters?.GrantTokens;
  return Array.isArray(tokens) ? tokens.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * The values condition keys read from the request (kms:EncryptionContext:*, kms:SigningAlgorithm,
 * aws:RequestTag/*, ...), taken from its parameters as they came over the wire. ReEncrypt is two
 * actions: its source side reads the Source* members, its destination side the Destination* ones.
 */
export function requestFacts(action: string, p: Record<string, unknown>): RequestFacts {
  const side = action === 'ReEncryptFrom' ? 'Source' : action === 'ReEncryptTo' ? 'Destination' : '';
  const str = (name: string) => (typeof p[name] === 'string' ? (p[name] as string) : undefined);
  const keyId = str(side === 'Destination' ? 'DestinationKeyId' : side === 'Source' ? 'SourceKeyId' : 'KeyId') ?? str('TargetKeyId');
  const alias = keyId === undefined ? undefined : /^(?:arn:[^:]+:kms:[^:]*:\d{12}:)?(alias\/.+)$/.exec(keyId)?.[1];
  const facts: Record<string, unknown> = {
    encryptionContext: stringRecord(p[`${side}EncryptionContext`]),
    tags: tagRecord(p.Tags),
    alias,
    encryptionAlgorithm: str(`${side}EncryptionAlgorithm`) ?? str('EncryptionAlgorithm'),
    signingAlgorithm: str('SigningAlgorithm'),
    macAlgorithm: str('MacAlgorithm'),
    keyAgreementAlgorithm: str('KeyAgreementAlgorithm'),
    messageType: str('MessageType'),
    dataKeyPairSpec: str('KeyPairSpec'),
    keySpec: action === 'CreateKey' ? (str('KeySpec') ?? str('CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT') : undefined,
    keyUsage: action === 'CreateKey' ? (str('KeyUsage') ?? 'ENCRYPT_DECRYPT') : undefined,
    keyOrigin: action === 'CreateKey' ? (str('Origin') ?? 'AWS_KMS') : undefined,
    multiRegion: typeof p.MultiRegion === 'boolean' ? p.MultiRegion : undefined,
    bypassPolicyLockoutSafetyCheck: typeof p.BypassPolicyLockoutSafetyCheck === 'boolean' ? p.BypassPolicyLockoutSafetyCheck : undefined,
    reEncryptOnSameKey: side !== '' && typeof p.SourceKeyId === 'string' ? p.SourceKeyId === p.DestinationKeyId : undefined,
    grant: action === 'CreateGrant' && Array.isArray(p.Operations) ? requestedGrant(p) : undefined,
    other: otherFacts(p),
  };
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as RequestFacts;
}

/** The condition keys of single operations: ScheduleKeyDeletion's window, ReplicateKey's and UpdatePrimaryRegion's Regions. */
function otherFacts(p: Record<string, unknown>): RequestFacts['other'] {
  const other: Record<string, string | number> = {};
  if (typeof p.PendingWindowInDays === 'number') other['kms:ScheduleKeyDeletionPendingWindowInDays'] = p.PendingWindowInDays;
  if (typeof p.ReplicaRegion === 'string') other['kms:ReplicaRegion'] = p.ReplicaRegion;
  if (typeof p.PrimaryRegion === 'string') other['kms:PrimaryRegion'] = p.PrimaryRegion;
  return Object.keys(other).length > 0 ? other : undefined;
}

function requestedGrant(p: Record<string, unknown>): RequestFacts['grant'] {
  const c = (p.Constraints ?? {}) as Record<string, unknown>;
  const equals = stringRecord(c.EncryptionContextEquals);
  const subset = stringRecord(c.EncryptionContextSubset);
  return {
    operations: (p.Operations as unknown[]).filter((o): o is string => typeof o === 'string'),
    ...(typeof p.GranteePrincipal === 'string' ? { granteePrincipal: p.GranteePrincipal } : {}),
    ...(typeof p.RetiringPrincipal === 'string' ? { retiringPrincipal: p.RetiringPrincipal } : {}),
    ...(equals || subset ? { constraints: { ...(equals ? { encryptionContextEquals: equals } : {}), ...(subset ? { encryptionContextSubset: subset } : {}) } } : {}),
  };
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

function tagRecord(v: unknown): Record<string, string> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const t of v as Array<{ TagKey?: unknown; TagValue?: unknown }>) {
    if (typeof t?.TagKey === 'string' && typeof t.TagValue === 'string') out[t.TagKey] = t.TagValue;
  }
  return out;
}
