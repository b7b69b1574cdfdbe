import { principalOfArn } from '../../authz/index.js';
import { ValidationException } from '../../core/common-errors.js';
import { adminOperation } from './operation.js';

/**
 * `keywarden policy explain`: what Keywarden would decide if a principal called an action on a
 * key, and why. The principal's identity policies are those of its access key in the
 * credentials file; a principal without one has none.
 */
export const explainAuthorization = adminOperation('ExplainAuthorization', async (input, ctx, app) => {
  const known = app.identityOf(input.PrincipalArn);
  const principal = known?.principal ?? principalOfArn(input.PrincipalArn);
  if (!principal) {
    throw new ValidationException(`PrincipalArn '${input.PrincipalArn}' is not an IAM user, an assumed-role session, a federated user or an account's root user.`);
  }
  const subject = known ?? { principal, identityPolicies: [] };
  const action = input.Action.replace(/^kms:/i, '');
  if (input.KeyId === undefined) throw new ValidationException('KeyId is required: Keywarden explains decisions on a KMS key.');
  const caller = {
    ...ctx,
    sourceIp: input.SourceIp ?? ctx.sourceIp,
    parameters: { KeyId: input.KeyId, ...(input.EncryptionContext ? { EncryptionContext: input.EncryptionContext } : {}) },
  };
  const { decision, lines } = await app.kms.keys.explain(caller, subject, action, input.KeyId);
  const note = known ? [] : [`note: ${input.PrincipalArn} signs with no access key in the credentials file, so it has no identity policies`];
  return { Allowed: decision.allowed, Reason: decision.reason, Lines: [...lines, ...note] };
});
