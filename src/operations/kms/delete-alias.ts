import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const deleteAlias: Operation<KmsServices> = {
  name: 'DeleteAlias',
  async handle(input: { AliasName: string }, ctx, kms) {
    await kms.aliases.delete(ctx, input.AliasName);
    return {};
  },
};
