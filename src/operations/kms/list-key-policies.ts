import { truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

export const listKeyPolicies = kmsOperation('ListKeyPolicies', async (input, ctx, kms) => {
  await kms.keys.describeForManagement(ctx, input.KeyId, 'ListKeyPolicies');
  return { PolicyNames: ['default'], ...truncation(undefined) };
});
