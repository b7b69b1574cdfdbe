import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { paged } from '../wire.js';

export const listKeyPolicies: Operation<KmsServices> = {
  name: 'ListKeyPolicies',
  async handle(input: { KeyId: string }, ctx, kms) {
    await kms.keys.describeForManagement(ctx, input.KeyId, 'ListKeyPolicies');
    return paged('PolicyNames', ['default'], undefined);
  },
};
