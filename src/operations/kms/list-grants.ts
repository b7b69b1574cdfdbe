import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { fromMarker, paged } from '../wire.js';
import { grantListEntry } from './grant-entry.js';

/** AWS's documented default page size for ListGrants. */
const DEFAULT_LIMIT = 50;

export const listGrants: Operation<KmsServices> = {
  name: 'ListGrants',
  async handle(input: { KeyId: string; GrantId?: string; GranteePrincipal?: string; Limit?: number; Marker?: string }, ctx, kms) {
    const filter = { grantId: input.GrantId, granteePrincipal: input.GranteePrincipal };
    const { page } = await kms.grants.list(ctx, input.KeyId, filter, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker));
    return paged('Grants', page.items.map(grantListEntry), page.next);
  },
};
