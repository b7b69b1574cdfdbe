import { tagsFromWire } from '../wire.js';
import { kmsOperation } from './operation.js';

export const tagResource = kmsOperation('TagResource', async (input, ctx, kms) => {
  await kms.keys.tag(ctx, input.KeyId, tagsFromWire(input.Tags)!);
  return {};
});
