import type { RequestContext } from './context.js';
import type { DecidingStatement, Decision } from './evaluate.js';

/**
 * AccessDeniedException messages in AWS's forms: who, which action, on which resource, and why
 * (no identity-based policy allows it, no resource-based policy allows it, or an explicit deny in
 * one of them). A caller from another account gets the same forms, with the key's ARN it named.
 */
export function accessDeniedMessage(decision: Decision, ctx: RequestContext): string {
  const who = `User: ${ctx.principal.arn} is not authorized to perform: ${ctx.action}`;
  // AWS names one resource; a pattern standing for every key (CreateKey's tags) it does not name.
  const resource = ctx.key?.arn ?? (ctx.resource?.includes('*') ? undefined : ctx.resource);
  const on = resource ? ` on resource: ${resource}` : '';
  switch (decision.reason) {
    case 'explicit-deny':
      return `${who}${on} with an explicit deny in ${decision.deniedBy === 'identity-based' ? 'an identity-based' : 'a resource-based'} policy`;
    case 'no-resource-policy':
      return `${who}${on} because no resource-based policy allows the ${ctx.action} action`;
    default:
      return `${who}${on} because no identity-based policy allows the ${ctx.action} action`;
  }
}

const REASONS: Record<Decision['reason'], string> = {
  'allowed-by-key-policy': 'the key policy allows the principal',
  'allowed-by-identity-policy': 'the key policy delegates to the account and an identity policy of the principal allows',
  'allowed-by-grant': 'a grant allows the principal',
  'allowed-as-root': "the account's root user needs no identity policy for actions without a key",
  'explicit-deny': 'an explicit Deny applies',
  'no-resource-policy': 'the key policy allows neither the principal nor its account',
  'no-identity-policy': 'no identity policy of the principal allows the action',
};

export function describeStatement(s: DecidingStatement): string {
  const where = s.policy === 'key-policy' ? 'key policy' : `identity policy ${JSON.stringify(s.policyName ?? '')}`;
  const sid = s.sid !== undefined ? ` (Sid ${JSON.stringify(s.sid)})` : '';
  return `${where}, statement ${s.index + 1}${sid}: ${s.effect}`;
}

/** The lines `keywarden policy explain` prints: the decision, why, and the statements that made it. */
export function explainDecision(decision: Decision, ctx: RequestContext): string[] {
  const lines = [
    `${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${ctx.principal.arn} ${ctx.action}${ctx.key ? ` on ${ctx.key.arn}` : ''}`,
    `reason: ${REASONS[decision.reason]}${decision.crossAccount ? ' (cross-account request)' : ''}`,
  ];
  if (decision.deniedBy) lines.push(`denied by: a ${decision.deniedBy} policy`);
  if (decision.grantId) lines.push(`grant: ${decision.grantId}`);
  for (const s of decision.statements) lines.push(`statement: ${describeStatement(s)}`);
  if (!decision.allowed) lines.push(`AWS would answer: AccessDeniedException: ${accessDeniedMessage(decision, ctx)}`);
  return lines;
}
