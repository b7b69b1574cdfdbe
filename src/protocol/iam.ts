import { accessDeniedMessage, evaluate, type RequestContext, type RequestFacts } from '../authz/index.js';
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
  /**
   * What IAM checks for one call, when it is more than `prefix:operation` on Resource `*` with no
   * request facts: the resource the call names (an alias), the values its condition keys read
   * (kms:KeySpec, aws:RequestTag/…), and further actions it needs (CreateKey's Tags need kms:TagResource).
   */
  checks?(operation: string, input: Record<string, unknown>, scope: { region: string; accountId: string }): IamCheck[];
}

export interface IamCheck {
  action: string;
  resource?: string;
  request?: RequestFacts;
}

/** Throws AccessDeniedException unless the caller's identity policies allow every check of the call, in order. */
export function authorizeByIdentity(ctx: CallContext, rules: IamRules, operation: string, now: number): void {
  if (!ctx.identity || !rules.decidesAlone(operation)) return;
  const checks = rules.checks?.(operation, ctx.parameters ?? {}, ctx) ?? [{ action: `${rules.prefix}:${operation}` }];
  for (const check of checks) {
    const request: RequestContext = {
      principal: ctx.identity.principal,
      action: check.action,
      ...(check.resource !== undefined ? { resource: check.resource } : {}),
      ...(check.request !== undefined ? { request: check.request } : {}),
      environment: { currentTime: now, sourceIp: ctx.sourceIp, secureTransport: ctx.secureTransport, region: ctx.region },
    };
    const decision = evaluate(request, { identityPolicies: ctx.identity.identityPolicies });
    if (!decision.allowed) throw new AccessDeniedException(accessDeniedMessage(decision, request));
  }
}
