import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { keyMetadata } from './key-metadata.js';

export const describeKey: Operation<KmsServices> = {
  name: 'DescribeKey',
  async handle(input: { KeyId: string }, ctx, kms) {
    return { KeyMetadata: keyMetadata(await kms.keys.describe(ctx, input.KeyId)) };
  },
};
