import { kmsOperation } from './operation.js';

export const retireGrant = kmsOperation('RetireGrant', async (input, ctx, kms) => {
  await kms.grants.retire(ctx, { grantToken: input.GrantToken, keyId: input.KeyId, grantId: input.GrantId, dryRun: input.DryRun });
  return {};
});
