import { constraintsFromWire } from './grant-entry.js';
import { kmsOperation } from './operation.js';

export const createGrant = kmsOperation('CreateGrant', async (input, ctx, kms) => {
  const { grant, token } = await kms.grants.create(ctx, {
    keyId: input.KeyId,
    granteePrincipal: input.GranteePrincipal,
    retiringPrincipal: input.RetiringPrincipal,
    operations: [...input.Operations],
    constraints: constraintsFromWire(input.Constraints),
    grantTokens: input.GrantTokens,
    name: input.Name,
    dryRun: input.DryRun,
  });
  return { GrantToken: token, GrantId: grant.grantId };
});
