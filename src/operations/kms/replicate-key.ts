import { UnsupportedOperationException } from '../../kms/errors.js';
import { isKnownRegion } from '../../protocol/regions.js';
import { tagsFromWire, tagsToWire } from '../wire.js';
import { keyMetadata } from './key-metadata.js';
import { kmsOperation } from './operation.js';

export const replicateKey = kmsOperation('ReplicateKey', async (input, ctx, kms) => {
  // The model's pattern admits any name shaped like a Region; a replica there could never be reached.
  if (!isKnownRegion(input.ReplicaRegion)) {
    throw new UnsupportedOperationException(`${input.ReplicaRegion} is not an AWS Region, so no replica key can be created there.`);
  }
  const { view, policy, tags } = await kms.multiRegion.replicate(ctx, input.KeyId, {
    replicaRegion: input.ReplicaRegion,
    policy: input.Policy,
    description: input.Description,
    tags: tagsFromWire(input.Tags),
  });
  // AWS leaves ReplicaTags out when the replica has none.
  return { ReplicaKeyMetadata: keyMetadata(view), ReplicaPolicy: policy, ...(tags.length > 0 ? { ReplicaTags: tagsToWire(tags) } : {}) };
});
