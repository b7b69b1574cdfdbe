import { kmsOperation } from './operation.js';

export const getKeyPolicy = kmsOperation('GetKeyPolicy', async (input, ctx, kms) => {
  const { key } = await kms.keys.describeForManagement(ctx, input.KeyId, 'GetKeyPolicy');
  kms.keys.checkPolicyName(input.PolicyName);
  return { Policy: key.policy, PolicyName: 'default' };
});
