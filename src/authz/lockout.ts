import type { KeyFacts, RequestContext } from './context.js';
import type { Policy } from './document.js';
import { evaluate, type NamedPolicy } from './evaluate.js';

/** KMS's MalformedPolicyDocumentException text when a new key policy fails the lockout safety check. */
export const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';

/**
 * The policy lockout safety check of CreateKey and PutKeyPolicy (skipped when the request sets
 * BypassPolicyLockoutSafetyCheck): under the new key policy, and the caller's own identity
 * policies, could the caller still call PutKeyPolicy on the key? Grants never allow
 * PutKeyPolicy, so they play no part. The request's environment (time, source address) stays;
 * what belongs to the request in hand (encryption context, tags) does not.
 */
export function passesLockoutCheck(
  newPolicy: Policy,
  ctx: RequestContext & { readonly key: KeyFacts },
  identityPolicies: readonly NamedPolicy[] = [],
): boolean {
  const future: RequestContext = {
    principal: ctx.principal,
    action: 'kms:PutKeyPolicy',
    environment: ctx.environment,
    request: { bypassPolicyLockoutSafetyCheck: false },
    key: ctx.key,
  };
  return evaluate(future, { keyPolicy: newPolicy, identityPolicies }).allowed;
}
