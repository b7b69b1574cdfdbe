import { accessDeniedMessage, evaluate, type RequestContext } from '../authz/index.js';
import { AccessDeniedException } from '../core/common-errors.js';
import type { CallContext } from './service.js';

/**
 * How IAM governs a service's operations: the action prefix its policies use (`kms`, `cloudhsm`)
 * and which operations IAM decides alone, with no resource policy (CreateKey, ListKeys, every
 * CloudHSM operation, ...). The KMS operations on a key are decided where the key is resolved.
 */
export interface IamRules {
  prefix: string;
  decidesAlone(operation: string): boolean;
}

/** Throws AccessDeniedException unless an identity policy of the caller allows `prefix:operation` on Resource `*`. */
export function authorizeByIdentity(ctx: CallContext, rules: IamRules, operation: string, now: number): void {
  if (!ctx.identity || !rules.decidesAlone(operation)) return;
  const request: RequestContext = {
    principal: ctx.identity.principal,
    action: `${rules.prefix}:${operation}`,
    environment: { currentTime: now, sourceIp: ctx.sourceIp, secureTransport: ctx.secureTransport, region: ctx.region },
  };
  const decision = evaluate(request, { identityPolicies: ctx.identity.identityPolicies });
  if (!decision.allowed) throw new AccessDeniedException(accessDeniedMessage(decision, request));
}
