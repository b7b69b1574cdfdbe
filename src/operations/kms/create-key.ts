import { tagsFromWire } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { keyMetadata } from './key-metadata.js';
import { kmsOperation } from './operation.js';

export const createKey = kmsOperation('CreateKey', async (input, ctx, kms) => {
  const view = await kms.keys.create(ctx, {
    policy: input.Policy,
    description: input.Description,
    keyUsage: input.KeyUsage,
    keySpec: input.KeySpec ?? input.CustomerMasterKeySpec,
    origin: input.Origin,
    customKeyStoreId: input.CustomKeyStoreId,
    tags: tagsFromWire(input.Tags),
    multiRegion: input.MultiRegion,
  });
  backingKeyEventData(ctx, view);
  return { KeyMetadata: keyMetadata(view) };
});
