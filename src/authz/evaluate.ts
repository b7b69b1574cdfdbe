import { CROSS_ACCOUNT_ACTIONS } from './actions.js';
import { variableValue } from './condition-keys.js';
import { conditionHolds } from './conditions.js';
import type { RequestContext } from './context.js';
import type { Policy, PrincipalElement, Statement } from './document.js';
import { globMatches } from './glob.js';
import { grantCovers, grantReaches, retireRight, type Grant } from './grants.js';
import { matchPrincipal, namesIdentity, requestIdentities, type PrincipalMatch } from './principals.js';
import { resolveTemplate } from './template.js';

/**
 * The decision AWS KMS makes for one request (its "policy evaluation" logic):
 * 1. an applicable Deny in the key policy or in the caller's identity policies denies;
 * 2. the key policy allowing the caller itself allows (in the key's own account);
 * 3. the key policy allowing the caller's account delegates to IAM: an identity policy of the
 *    caller must then allow as well (the account's root user needs none);
 * 4. a grant for the caller that covers the action allows;
 * otherwise the request is denied. A caller from another account always needs both sides: the
 * key policy must name it or its account, and its own identity policies must allow.
 */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: Policy;
}

export interface Policies {
  /** Absent only for actions that have no key (CreateKey, ListKeys, …), which IAM alone governs. */
  readonly keyPolicy?: Policy;
  /** The caller's IAM identity policies. */
  readonly identityPolicies?: readonly NamedPolicy[];
  /** The key's grants. */
  readonly grants?: readonly Grant[];
}

export type DecisionReason =
  | 'allowed-by-key-policy'
  | 'allowed-by-identity-policy'
  | 'allowed-by-grant'
  | 'allowed-as-root'
  | 'explicit-deny'
  | 'no-resource-policy'
  | 'no-identity-policy';

export interface DecidingStatement {
  readonly policy: 'key-policy' | 'identity-policy';
  /** The identity policy's name. */
  readonly policyName?: string;
  readonly index: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** Which kind of policy held the explicit deny. */
  readonly deniedBy?: 'resource-based' | 'identity-based';
  /** The statements that decided, in the order they count: key policy first. */
  readonly statements: readonly DecidingStatement[];
  readonly grantId?: string;
  /** The caller's account is not the key's. */
  readonly crossAccount: boolean;
}

interface Hit {
  readonly statement: Statement;
  readonly source: DecidingStatement;
}

export function evaluate(ctx: RequestContext, policies: Policies): Decision {
  const p = ctx.principal;
  const key = ctx.key;
  // A service principal (cloudtrail.amazonaws.com) belongs to no account: the key policy alone decides.
  const crossAccount = key !== undefined && p.type !== 'service' && key.accountId !== p.accountId;
  const lookup = (name: string) => variableValue(ctx, name);
  const subject = key?.arn ?? ctx.resource ?? '*';

  const keyDeny: Hit[] = [];
  const keyDirect: Hit[] = [];
  const keyAccount: Hit[] = [];
  if (key && policies.keyPolicy) {
    for (const st of policies.keyPolicy.statements) {
      if (!st.principal) continue;
      // The principal is the cheapest test and rules out most statements of a long policy.
      const level = principalLevel(st.principal, ctx);
      if (level === 'none' || !applies(st, ctx, subject, lookup)) continue;
      const hit = { statement: st, source: source('key-policy', st) };
      if (st.effect === 'Deny') keyDeny.push(hit);
      else (level === 'direct' ? keyDirect : keyAccount).push(hit);
    }
  }

  const idDeny: Hit[] = [];
  const idAllow: Hit[] = [];
  // The root user and service principals carry no identity policies.
  if (p.type !== 'root' && p.type !== 'service') {
    for (const { name, policy } of policies.identityPolicies ?? []) {
      for (const st of policy.statements) {
        if (!applies(st, ctx, subject, lookup)) continue;
        const hit = { statement: st, source: source('identity-policy', st, name) };
        (st.effect === 'Deny' ? idDeny : idAllow).push(hit);
      }
    }
  }

  const decide = (allowed: boolean, reason: DecisionReason, hits: Hit[], extra: Partial<Decision> = {}): Decision => ({
    allowed,
    reason,
    statements: hits.map((h) => h.source),
    crossAccount,
    ...extra,
  });

  if (keyDeny.length > 0) return decide(false, 'explicit-deny', keyDeny, { deniedBy: 'resource-based' });
  if (idDeny.length > 0) return decide(false, 'explicit-deny', idDeny, { deniedBy: 'identity-based' });

  const identityAllows = p.type === 'root' || idAllow.length > 0;
  const firstIdentity = idAllow.slice(0, 1);

  if (!key) {
    if (p.type === 'root') return decide(true, 'allowed-as-root', []);
    return idAllow.length > 0 ? decide(true, 'allowed-by-identity-policy', firstIdentity) : decide(false, 'no-identity-policy', []);
  }

  // Another account's principal can do only what KMS lets cross accounts, whatever the key policy says.
  if (crossAccount && !CROSS_ACCOUNT_ACTIONS.has(ctx.action.toLowerCase())) return decide(false, 'no-resource-policy', []);
  if (!crossAccount && keyDirect.length > 0) return decide(true, 'allowed-by-key-policy', keyDirect.slice(0, 1));
  const keyOpens = [...keyDirect, ...keyAccount].slice(0, 1);
  if (keyOpens.length > 0 && identityAllows) {
    return p.type === 'root' ? decide(true, 'allowed-by-key-policy', keyOpens) : decide(true, 'allowed-by-identity-policy', [...keyOpens, ...firstIdentity]);
  }

  for (const grant of policies.grants ?? []) {
    const reach = grantReaches(grant, p);
    if (!reach || !grantCovers(grant, ctx)) continue;
    if (reach === 'account' && !identityAllows) continue;
    return decide(true, 'allowed-by-grant', reach === 'account' ? firstIdentity : [], { grantId: grant.grantId });
  }

  return keyOpens.length > 0 ? decide(false, 'no-identity-policy', keyOpens) : decide(false, 'no-resource-policy', []);
}

/**
 * RetireGrant, which the grant authorizes: its retiring principal, its grantee when it includes
 * RetireGrant, the key account's root user, and principals of the key's account whose policies
 * allow kms:RetireGrant on the key.
 */
export function authorizeRetireGrant(grant: Grant, ctx: RequestContext, policies: Policies): Decision {
  const key = ctx.key;
  const crossAccount = key !== undefined && key.accountId !== ctx.principal.accountId;
  const right = key ? retireRight(grant, ctx.principal, key.accountId) : null;
  if (right === 'retiring-principal' || right === 'grantee') {
    return { allowed: true, reason: 'allowed-by-grant', statements: [], grantId: grant.grantId, crossAccount };
  }
  if (right === 'key-account') return evaluate({ ...ctx, action: 'kms:RetireGrant' }, { ...policies, grants: [] });
  return { allowed: false, reason: 'no-resource-policy', statements: [], crossAccount };
}

function applies(st: Statement, ctx: RequestContext, subject: string, lookup: (name: string) => string | undefined): boolean {
  // A key policy statement without Action or Resource is stored but has no effect.
  if (!st.action || !st.resource) return false;
  const actionHit = st.action.patterns.some((g) => globMatches(g, ctx.action));
  if (actionHit === st.action.negated) return false;
  const resourceHit = st.resource.patterns.some((t) => {
    const glob = resolveTemplate(t, lookup);
    return glob !== null && globMatches(glob, subject);
  });
  if (resourceHit === st.resource.negated) return false;
  return st.conditions.every((c) => conditionHolds(c, ctx));
}

function principalLevel(el: PrincipalElement, ctx: RequestContext): PrincipalMatch {
  if (el.negated) {
    const excluded = requestIdentities(ctx.principal).every((id) => el.refs.some((r) => namesIdentity(r, id)));
    return excluded ? 'none' : 'direct';
  }
  let best: PrincipalMatch = 'none';
  for (const ref of el.refs) {
    const m = matchPrincipal(ref, ctx.principal);
    if (m === 'direct') return 'direct';
    if (m === 'account') best = 'account';
  }
  return best;
}

function source(policy: DecidingStatement['policy'], st: Statement, policyName?: string): DecidingStatement {
  return {
    policy,
    index: st.index,
    effect: st.effect,
    ...(policyName !== undefined ? { policyName } : {}),
    ...(st.sid !== undefined ? { sid: st.sid } : {}),
  };
}
