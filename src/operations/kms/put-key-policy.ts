import { kmsOperation } from './operation.js';

export const putKeyPolicy = kmsOperation('PutKeyPolicy', async (input, ctx, kms) => {
  kms.keys.checkPolicyName(input.PolicyName);
  await kms.keys.putPolicy(ctx, input.KeyId, input.Policy);
  return {};
});
