import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const rotateKeyOnDemand: Operation<KmsServices> = {
  name: 'RotateKeyOnDemand',
  async handle(input: { KeyId: string }, ctx, kms) {
    const view = await kms.rotation.rotateOnDemand(ctx, input.KeyId);
    return { KeyId: view.arn };
  },
};
