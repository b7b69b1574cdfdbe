import type { RequestPrincipal } from './context.js';
import type { NamedPolicy } from './evaluate.js';

/** Who signed a request, as the credentials file describes the access key: the principal and its identity policies. */
export interface CallerIdentity {
  readonly principal: RequestPrincipal;
  readonly identityPolicies: readonly NamedPolicy[];
  /** Whether an identity policy reads kms:ResourceAliases, which costs a lookup of the key's aliases per call. */
  readonly readsResourceAliases?: boolean;
}
