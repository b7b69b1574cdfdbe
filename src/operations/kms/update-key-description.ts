import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const updateKeyDescription: Operation<KmsServices> = {
  name: 'UpdateKeyDescription',
  async handle(input: { KeyId: string; Description: string }, ctx, kms) {
    await kms.keys.updateDescription(ctx, input.KeyId, input.Description);
    return {};
  },
};
