import { fromMarker, truncation } from '../wire.js';
import { grantListEntry } from './grant-entry.js';
import { kmsOperation } from './operation.js';

/** AWS's documented default page size for ListGrants. */
const DEFAULT_LIMIT = 50;

export const listGrants = kmsOperation('ListGrants', async (input, ctx, kms) => {
  const filter = { grantId: input.GrantId, granteePrincipal: input.GranteePrincipal };
  const { page } = await kms.grants.list(ctx, input.KeyId, filter, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker));
  return { Grants: page.items.map(grantListEntry), ...truncation(page.next) };
});
