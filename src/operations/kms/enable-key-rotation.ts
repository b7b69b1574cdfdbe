import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const enableKeyRotation: Operation<KmsServices> = {
  name: 'EnableKeyRotation',
  async handle(input: { KeyId: string; RotationPeriodInDays?: number }, ctx, kms) {
    await kms.rotation.enable(ctx, input.KeyId, input.RotationPeriodInDays);
    return {};
  },
};
