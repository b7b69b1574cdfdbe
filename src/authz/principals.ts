import type { PrincipalType, RequestPrincipal } from './context.js';

/**
 * Principals as policies name them, and how a caller is recognised in them. IAM resolves the ARN
 * of a user or role to the identity it names when the policy is saved, so matching compares
 * account, kind and name (names are unique in an account, whatever their path, and IAM treats
 * them without regard to case); a role names every session of that role.
 */
export type PrincipalRef =
  | { readonly kind: 'any' }
  | { readonly kind: 'account'; readonly accountId: string }
  | { readonly kind: 'user' | 'role'; readonly accountId: string; readonly name: string; readonly arn: string }
  | { readonly kind: 'assumed-role' | 'federated-user'; readonly accountId: string; readonly arn: string }
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'other'; readonly type: string; readonly value: string };

const PARTITION = 'aws(?:-[a-z]+)*';
const IAM_IDENTITY = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(root|user|role)(?:/(.*))?$`);
const STS_SESSION = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):(assumed-role|federated-user)/(.+)$`);
/** IAM's name characters; a path may add slashes. Wildcards are not part of either. */
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;

/** An `AWS` principal value of a policy, or null when IAM would reject it as an invalid principal. */
export function parseAwsPrincipal(value: string): PrincipalRef | null {
  if (value === '*') return { kind: 'any' };
  if (/^\d{12}$/.test(value)) return { kind: 'account', accountId: value };
  const iam = IAM_IDENTITY.exec(value);
  if (iam) {
    const [, accountId, kind, rest] = iam as unknown as [string, string, 'root' | 'user' | 'role', string | undefined];
    if (kind === 'root') return rest === undefined ? { kind: 'account', accountId } : null;
    if (rest === undefined) return null;
    const segments = rest.split('/');
    const name = segments[segments.length - 1]!;
    if (!IAM_NAME.test(name) || segments.slice(0, -1).some((s) => !IAM_NAME.test(s))) return null;
    return { kind, accountId, name, arn: value };
  }
  const sts = STS_SESSION.exec(value);
  if (sts) {
    const [, accountId, kind, rest] = sts as unknown as [string, string, 'assumed-role' | 'federated-user', string];
    const parts = rest.split('/');
    if (kind === 'assumed-role' ? parts.length !== 2 : parts.length !== 1) return null;
    if (parts.some((p) => p === '' || p.includes('*') || p.includes('?'))) return null;
    return { kind, accountId, arn: value };
  }
  return null;
}

/** The caller a principal ARN describes; the ARN is assumed to be a well-formed IAM or STS ARN. */
export function principalOfArn(arn: string, tags?: Record<string, string>): RequestPrincipal | null {
  const ref = parseAwsPrincipal(arn);
  if (!ref || ref.kind === 'any' || ref.kind === 'service' || ref.kind === 'other') return null;
  let type: PrincipalType;
  let roleArn: string | undefined;
  switch (ref.kind) {
    case 'account':
      if (/^\d{12}$/.test(arn)) return null;
      type = 'root';
      break;
    case 'user':
      type = 'user';
      break;
    case 'role':
      return null;
    case 'assumed-role': {
      type = 'assumed-role';
      const role = arn.split(':assumed-role/')[1]!.split('/')[0]!;
      roleArn = `${arn.split(':sts::')[0]}:iam::${ref.accountId}:role/${role}`;
      break;
    }
    case 'federated-user':
      type = 'federated-user';
      break;
  }
  return {
    arn,
    accountId: ref.accountId,
    type,
    ...(roleArn ? { roleArn } : {}),
    ...(tags ? { tags } : {}),
  };
}

/** The role name of an assumed-role session ARN. */
export function sessionRoleName(p: RequestPrincipal): string | undefined {
  if (p.type !== 'assumed-role') return undefined;
  return p.arn.split(':assumed-role/')[1]?.split('/')[0];
}

/** How a caller is named by one principal of a policy: not at all, as itself, or through its account. */
export type PrincipalMatch = 'none' | 'direct' | 'account';

export function matchPrincipal(ref: PrincipalRef, p: RequestPrincipal): PrincipalMatch {
  switch (ref.kind) {
    case 'any':
      return p.type === 'service' ? 'none' : 'direct';
    case 'account':
      return p.type !== 'service' && ref.accountId === p.accountId ? 'account' : 'none';
    case 'user':
      return p.type === 'user' && ref.accountId === p.accountId && sameName(ref.name, lastSegment(p.arn)) ? 'direct' : 'none';
    case 'role': {
      const role = sessionRoleName(p);
      return role !== undefined && ref.accountId === p.accountId && sameName(ref.name, role) ? 'direct' : 'none';
    }
    case 'assumed-role':
    case 'federated-user':
      return ref.arn === p.arn ? 'direct' : 'none';
    case 'service':
      return p.type === 'service' && ref.name === p.arn ? 'direct' : 'none';
    case 'other':
      return 'none';
  }
}

/**
 * The identities a request carries, each of which a NotPrincipal must list to leave the request
 * out: the caller, its role when it is a session, and its account (AWS's documented reason why a
 * Deny with NotPrincipal must also name the account).
 */
export function requestIdentities(p: RequestPrincipal): PrincipalRef[] {
  if (p.type === 'service') return [{ kind: 'service', name: p.arn }];
  const account: PrincipalRef = { kind: 'account', accountId: p.accountId };
  if (p.type === 'root') return [account];
  const self = parseAwsPrincipal(p.arn);
  const out: PrincipalRef[] = self ? [self] : [];
  const role = sessionRoleName(p);
  if (role !== undefined) out.push({ kind: 'role', accountId: p.accountId, name: role, arn: p.roleArn ?? '' });
  out.push(account);
  return out;
}

/** Whether a policy principal names exactly this identity (for NotPrincipal). */
export function namesIdentity(ref: PrincipalRef, identity: PrincipalRef): boolean {
  if (ref.kind === 'any') return true;
  switch (identity.kind) {
    case 'account':
      return ref.kind === 'account' && ref.accountId === identity.accountId;
    case 'user':
    case 'role':
      return ref.kind === identity.kind && ref.accountId === identity.accountId && sameName(ref.name, identity.name);
    case 'assumed-role':
    case 'federated-user':
      return ref.kind === identity.kind && ref.arn === identity.arn;
    case 'service':
      return ref.kind === 'service' && ref.name === identity.name;
    default:
      return false;
  }
}

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
