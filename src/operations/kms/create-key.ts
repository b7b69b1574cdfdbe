import type { KeyUsage, Origin } from '../../kms/key.js';
import type { KeySpec } from '../../kms/key-specs.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { tagsFromWire, type WireTag } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { keyMetadata } from './key-metadata.js';

interface Input {
  Policy?: string;
  Description?: string;
  KeyUsage?: KeyUsage;
  CustomerMasterKeySpec?: KeySpec;
  KeySpec?: KeySpec;
  Origin?: Origin;
  CustomKeyStoreId?: string;
  Tags?: WireTag[];
  MultiRegion?: boolean;
}

export const createKey: Operation<KmsServices> = {
  name: 'CreateKey',
  async handle(input: Input, ctx, kms) {
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
  },
};
