import { ENCRYPTION_CONTEXT_OPERATIONS, grantOperationOf } from './actions.js';
import type { GrantConstraints, RequestContext, RequestPrincipal } from './context.js';
import { matchPrincipal, parseAwsPrincipal, type PrincipalRef } from './principals.js';

/**
 * Grants as KMS applies them. A grant lets its grantee call its operations on its key; a grantee
 * that is a role covers every session of the role; a grantee that is an account reaches its
 * principals only through their IAM policies, as a key policy naming the account does.
 * Encryption-context constraints compare keys without case and values with case (AWS's rule for
 * grants, unlike kms:EncryptionContext: conditions).
 */
export interface Grant {
  readonly grantId: string;
  readonly granteePrincipal: string;
  readonly retiringPrincipal?: string;
  readonly operations: readonly string[];
  readonly constraints?: GrantConstraints;
}

/** How a grant reaches the caller: naming it, or naming its account (then IAM must allow too). */
export type GrantReach = 'principal' | 'account';

export function granteeRef(principal: string): PrincipalRef | null {
  const ref = parseAwsPrincipal(principal);
  if (ref) return ref.kind === 'any' ? null : ref;
  return /^[a-z0-9.-]+\.amazonaws\.com(?:\.cn)?$/.test(principal) ? { kind: 'service', name: principal } : null;
}

export function grantReaches(grant: Grant, p: RequestPrincipal): GrantReach | null {
  const ref = granteeRef(grant.granteePrincipal);
  if (!ref) return null;
  const m = matchPrincipal(ref, p);
  if (m === 'direct') return 'principal';
  if (m === 'account') return p.type === 'root' ? 'principal' : 'account';
  return null;
}

/**
 * Whether the grant's operations and constraints cover the request's action. RetireGrant is not
 * answered here: a grant lets its grantee retire that grant only (see retireRight).
 */
export function grantCovers(grant: Grant, ctx: RequestContext): boolean {
  const op = grantOperationOf(ctx.action);
  if (!op || op === 'RetireGrant' || !grant.operations.includes(op)) return false;
  if (ENCRYPTION_CONTEXT_OPERATIONS.has(op)) return contextSatisfies(grant.constraints, ctx.request?.encryptionContext);
  if (op === 'CreateGrant') {
    const child = ctx.request?.grant;
    if (!child) return !isConstrained(grant.constraints);
    return child.operations.every((o) => grant.operations.includes(o)) && atLeastAsStrict(grant.constraints, child.constraints);
  }
  // DescribeKey and the operations without an encryption context: constraints do not apply.
  return true;
}

export function isConstrained(c: GrantConstraints | undefined): boolean {
  return nonEmpty(c?.encryptionContextEquals) !== undefined || nonEmpty(c?.encryptionContextSubset) !== undefined;
}

/** Whether a request's encryption context meets EncryptionContextEquals and EncryptionContextSubset. */
export function contextSatisfies(c: GrantConstraints | undefined, context: Readonly<Record<string, string>> | undefined): boolean {
  const equals = nonEmpty(c?.encryptionContextEquals);
  const subset = nonEmpty(c?.encryptionContextSubset);
  const request = context ?? {};
  if (equals) {
    const keys = Object.keys(request);
    if (keys.length !== Object.keys(equals).length) return false;
    if (!keys.every((k) => valueOf(equals, k) === request[k])) return false;
  }
  if (subset && !Object.keys(subset).every((k) => Object.keys(request).some((r) => r.toLowerCase() === k.toLowerCase() && request[r] === subset[k]))) {
    return false;
  }
  return true;
}

/** A child grant made through a grant's CreateGrant permission must be at least as strict. */
export function atLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined): boolean {
  const pEquals = nonEmpty(parent?.encryptionContextEquals);
  const pSubset = nonEmpty(parent?.encryptionContextSubset);
  const cEquals = nonEmpty(child?.encryptionContextEquals);
  const cSubset = nonEmpty(child?.encryptionContextSubset);
  if (pEquals && !(cEquals && contextSatisfies({ encryptionContextEquals: pEquals }, cEquals))) return false;
  if (pSubset) {
    const covers = (m: Record<string, string> | undefined) => m !== undefined && contextSatisfies({ encryptionContextSubset: pSubset }, m);
    if (!covers(cEquals) && !covers(cSubset)) return false;
  }
  return true;
}

/**
 * Who may retire a grant: its retiring principal, its grantee when the grant includes
 * RetireGrant, and the account that owns the key (its root, or its principals whose IAM policies
 * allow kms:RetireGrant, which the caller checks). Null when none of these is the caller.
 */
export function retireRight(grant: Grant, p: RequestPrincipal, keyAccountId: string): 'retiring-principal' | 'grantee' | 'key-account' | null {
  const direct = (principal: string | undefined) => {
    const ref = principal ? granteeRef(principal) : null;
    return ref !== null && ref.kind !== 'account' && matchPrincipal(ref, p) === 'direct';
  };
  if (direct(grant.retiringPrincipal)) return 'retiring-principal';
  if (grant.operations.includes('RetireGrant') && direct(grant.granteePrincipal)) return 'grantee';
  if (p.accountId === keyAccountId && p.type !== 'service') return 'key-account';
  return null;
}

function nonEmpty(m: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  return m && Object.keys(m).length > 0 ? (m as Record<string, string>) : undefined;
}

function valueOf(m: Record<string, string>, key: string): string | undefined {
  const want = key.toLowerCase();
  const k = Object.keys(m).find((x) => x.toLowerCase() === want);
  return k === undefined ? undefined : m[k];
}
