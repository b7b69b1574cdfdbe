import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const untagResource: Operation<KmsServices> = {
  name: 'UntagResource',
  async handle(input: { KeyId: string; TagKeys: string[] }, ctx, kms) {
    await kms.keys.untag(ctx, input.KeyId, input.TagKeys);
    return {};
  },
};
