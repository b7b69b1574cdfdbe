import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const createAlias: Operation<KmsServices> = {
  name: 'CreateAlias',
  async handle(input: { AliasName: string; TargetKeyId: string }, ctx, kms) {
    await kms.aliases.create(ctx, input.AliasName, input.TargetKeyId);
    return {};
  },
};
