import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds, fromMarker, paged } from '../wire.js';

/** AWS's documented default page size for ListAliases. */
const DEFAULT_LIMIT = 50;

export const listAliases: Operation<KmsServices> = {
  name: 'ListAliases',
  async handle(input: { KeyId?: string; Limit?: number; Marker?: string }, ctx, kms) {
    const page = await kms.aliases.list(ctx, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker), input.KeyId);
    const aliases = page.items.map(({ alias, arn }) => ({
      AliasName: alias.aliasName,
      AliasArn: arn,
      TargetKeyId: alias.targetKeyId,
      CreationDate: epochSeconds(alias.createdAt),
      LastUpdatedDate: epochSeconds(alias.updatedAt),
    }));
    return paged('Aliases', aliases, page.next);
  },
};
