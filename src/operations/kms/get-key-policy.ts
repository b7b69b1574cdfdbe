import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const getKeyPolicy: Operation<KmsServices> = {
  name: 'GetKeyPolicy',
  async handle(input: { KeyId: string; PolicyName?: string }, ctx, kms) {
    const { key } = await kms.keys.describeForManagement(ctx, input.KeyId, 'GetKeyPolicy');
    kms.keys.checkPolicyName(input.PolicyName);
    return { Policy: key.policy, PolicyName: 'default' };
  },
};
