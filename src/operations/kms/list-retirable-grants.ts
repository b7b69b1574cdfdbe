import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { fromMarker, paged } from '../wire.js';
import { grantListEntry } from './grant-entry.js';

/** AWS's documented default page size for ListRetirableGrants. */
const DEFAULT_LIMIT = 50;

export const listRetirableGrants: Operation<KmsServices> = {
  name: 'ListRetirableGrants',
  async handle(input: { RetiringPrincipal: string; Limit?: number; Marker?: string }, ctx, kms) {
    const page = await kms.grants.listRetirable(ctx, input.RetiringPrincipal, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker));
    return paged('Grants', page.items.map(grantListEntry), page.next);
  },
};
