import { tagsFromWire, tagsToWire } from '../wire.js';
import { keyMetadata } from './key-metadata.js';
import { kmsOperation } from './operation.js';

export const replicateKey = kmsOperation('ReplicateKey', async (input, ctx, kms) => {
  const { view, policy, tags } = await kms.multiRegion.replicate(ctx, input.KeyId, {
    replicaRegion: input.ReplicaRegion,
    policy: input.Policy,
    description: input.Description,
    tags: tagsFromWire(input.Tags),
  });
  // AWS leaves ReplicaTags out when the replica has none.
  return { ReplicaKeyMetadata: keyMetadata(view), ReplicaPolicy: policy, ...(tags.length > 0 ? { ReplicaTags: tagsToWire(tags) } : {}) };
});
