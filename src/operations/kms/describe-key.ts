import { keyMetadata } from './key-metadata.js';
import { kmsOperation } from './operation.js';

export const describeKey = kmsOperation('DescribeKey', async (input, ctx, kms) => ({
  KeyMetadata: keyMetadata(await kms.keys.describe(ctx, input.KeyId)),
}));
