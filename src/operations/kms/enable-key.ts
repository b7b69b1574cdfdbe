import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const enableKey: Operation<KmsServices> = {
  name: 'EnableKey',
  async handle(input: { KeyId: string }, ctx, kms) {
    await kms.keys.enable(ctx, input.KeyId);
    return {};
  },
};
