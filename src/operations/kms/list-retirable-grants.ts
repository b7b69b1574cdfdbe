import { fromMarker, truncation } from '../wire.js';
import { grantListEntry } from './grant-entry.js';
import { kmsOperation } from './operation.js';

/** AWS's documented default page size for ListRetirableGrants. */
const DEFAULT_LIMIT = 50;

export const listRetirableGrants = kmsOperation('ListRetirableGrants', async (input, ctx, kms) => {
  const page = await kms.grants.listRetirable(ctx, input.RetiringPrincipal, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker));
  return { Grants: page.items.map(grantListEntry), ...truncation(page.next) };
});
