import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const putKeyPolicy: Operation<KmsServices> = {
  name: 'PutKeyPolicy',
  async handle(input: { KeyId: string; Policy: string; PolicyName?: string }, ctx, kms) {
    kms.keys.checkPolicyName(input.PolicyName);
    await kms.keys.putPolicy(ctx, input.KeyId, input.Policy);
    return {};
  },
};
