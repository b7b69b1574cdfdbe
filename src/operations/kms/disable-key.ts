import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const disableKey: Operation<KmsServices> = {
  name: 'DisableKey',
  async handle(input: { KeyId: string }, ctx, kms) {
    await kms.keys.disable(ctx, input.KeyId);
    return {};
  },
};
