import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const updateAlias: Operation<KmsServices> = {
  name: 'UpdateAlias',
  async handle(input: { AliasName: string; TargetKeyId: string }, ctx, kms) {
    await kms.aliases.update(ctx, input.AliasName, input.TargetKeyId);
    return {};
  },
};
