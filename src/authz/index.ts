/**
 * Authorization as AWS KMS decides it: a pure function from policy documents, grants and a
 * request context to a decision and the statements that made it. No I/O, no clock: the caller
 * passes the time in the context.
 */
export type { CallerIdentity } from './caller.js';
export type { EnvironmentFacts, GrantConstraints, KeyFacts, PrincipalType, RequestContext, RequestFacts, RequestedGrant, RequestPrincipal } from './context.js';
export { malformedPolicyMessage, parsePolicy, POLICY_MESSAGES, type ParseResult, type Policy, type PolicyKind, type PolicyProblem } from './document.js';
export { authorizeRetireGrant, evaluate, type DecidingStatement, type Decision, type DecisionReason, type NamedPolicy, type Policies } from './evaluate.js';
export { atLeastAsStrict, contextSatisfies, type Grant } from './grants.js';
export { LOCKOUT_MESSAGE, passesLockoutCheck } from './lockout.js';
export { accessDeniedMessage, describeStatement, explainDecision } from './messages.js';
export { principalOfArn } from './principals.js';
export {
  CONSTRAINABLE_OPERATIONS,
  ENCRYPTION_CONTEXT_OPERATIONS,
  GRANT_OPERATIONS,
  grantOperationOf,
  isGrantOperation,
  KMS_ACTIONS,
  KMS_OPERATIONS,
  type ActionScope,
  type GrantOperation,
  type OperationAuthz,
} from './actions.js';
