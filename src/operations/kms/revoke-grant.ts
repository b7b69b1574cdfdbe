import { kmsOperation } from './operation.js';

export const revokeGrant = kmsOperation('RevokeGrant', async (input, ctx, kms) => {
  await kms.grants.revoke(ctx, input.KeyId, input.GrantId, input.DryRun);
  return {};
});
