import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { tagsFromWire, type WireTag } from '../wire.js';

export const tagResource: Operation<KmsServices> = {
  name: 'TagResource',
  async handle(input: { KeyId: string; Tags: WireTag[] }, ctx, kms) {
    await kms.keys.tag(ctx, input.KeyId, tagsFromWire(input.Tags)!);
    return {};
  },
};
