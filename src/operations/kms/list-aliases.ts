import { epochSeconds, fromMarker, truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

/** AWS's documented default page size for ListAliases. */
const DEFAULT_LIMIT = 50;

export const listAliases = kmsOperation('ListAliases', async (input, ctx, kms) => {
  const page = await kms.aliases.list(ctx, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker), input.KeyId);
  const aliases = page.items.map(({ alias, arn }) => ({
    AliasName: alias.aliasName,
    AliasArn: arn,
    TargetKeyId: alias.targetKeyId,
    CreationDate: epochSeconds(alias.createdAt),
    LastUpdatedDate: epochSeconds(alias.updatedAt),
  }));
  return { Aliases: aliases, ...truncation(page.next) };
});
