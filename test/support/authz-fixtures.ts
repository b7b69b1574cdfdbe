import assert from 'node:assert/strict';
import type { KeyFacts, RequestContext, RequestFacts, RequestPrincipal } from '../../src/authz/context.js';
import { parsePolicy, type Policy, type PolicyKind } from '../../src/authz/document.js';
import type { Decision } from '../../src/authz/evaluate.js';
import { principalOfArn } from '../../src/authz/principals.js';

/** Accounts, principals and a key as the AWS documentation's examples name them. */
export const ACCOUNT = '111122223333';
export const OTHER = '444455556666';
export const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const KEY: KeyFacts = { arn: KEY_ARN, accountId: ACCOUNT, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', keyOrigin: 'AWS_KMS' };
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

export function principal(arn: string, tags?: Record<string, string>): RequestPrincipal {
  const p = principalOfArn(arn, tags);
  assert.ok(p, `a principal ARN: ${arn}`);
  return p;
}

export function policy(doc: unknown, kind: PolicyKind = 'key'): Policy {
  const r = parsePolicy(JSON.stringify(doc), kind);
  assert.ok(r.ok, `policy parses: ${r.ok ? '' : r.problems.map((p) => p.message).join('; ')}`);
  return r.policy;
}

export function request(
  arn: string,
  action: string,
  extra: { key?: KeyFacts | null; request?: RequestFacts; sourceIp?: string; viaService?: string; tags?: Record<string, string>; time?: number } = {},
): RequestContext {
  const key = extra.key === null ? undefined : (extra.key ?? KEY);
  return {
    principal: principal(arn, extra.tags),
    action,
    ...(key ? { key } : {}),
    ...(extra.request ? { request: extra.request } : {}),
    environment: {
      currentTime: extra.time ?? NOW,
      secureTransport: true,
      ...(extra.sourceIp ? { sourceIp: extra.sourceIp } : {}),
      ...(extra.viaService ? { viaService: extra.viaService } : {}),
    },
  };
}

/** A decision in one line, for table assertions: `allowed-by-key-policy key-policy#1(Sid)`. */
export function summary(d: Decision): string {
  const statements = d.statements.map((s) => `${s.policy === 'key-policy' ? 'key' : `id:${s.policyName}`}#${s.index}${s.sid !== undefined ? `(${s.sid})` : ''}`);
  return [d.reason, d.deniedBy, d.grantId && `grant:${d.grantId}`, ...statements].filter(Boolean).join(' ');
}
