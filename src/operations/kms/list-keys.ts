import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { fromMarker, paged } from '../wire.js';

export const listKeys: Operation<KmsServices> = {
  name: 'ListKeys',
  async handle(input: { Limit?: number; Marker?: string }, ctx, kms) {
    const page = await kms.keys.list(ctx, input.Limit ?? 100, fromMarker(input.Marker));
    const keys = page.items.map((v) => ({ KeyId: v.key.keyId, KeyArn: v.arn }));
    return paged('Keys', keys, page.next);
  },
};
