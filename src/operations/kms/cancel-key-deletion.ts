import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const cancelKeyDeletion: Operation<KmsServices> = {
  name: 'CancelKeyDeletion',
  async handle(input: { KeyId: string }, ctx, kms) {
    return { KeyId: (await kms.keys.cancelDeletion(ctx, input.KeyId)).arn };
  },
};
