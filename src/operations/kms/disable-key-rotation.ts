import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const disableKeyRotation: Operation<KmsServices> = {
  name: 'DisableKeyRotation',
  async handle(input: { KeyId: string }, ctx, kms) {
    await kms.rotation.disable(ctx, input.KeyId);
    return {};
  },
};
