import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { backupToWire, paged } from './shapes.js';

interface Input {
  NextToken?: string;
  MaxResults?: number;
  Filters?: Record<string, string[]>;
  Shared?: boolean;
  SortAscending?: boolean;
}

export const describeBackups: Operation<ClusterServices> = {
  name: 'DescribeBackups',
  async handle(input: Input, ctx, s) {
    // Shared=true asks for backups other accounts shared with this one; Keywarden has none to show.
    if (input.Shared === true) return { Backups: [] };
    const page = await s.backups.describe(ctx, {
      filters: input.Filters,
      sortAscending: input.SortAscending,
      maxResults: input.MaxResults,
      nextToken: input.NextToken,
    });
    return paged('Backups', page.items.map(backupToWire), page.next);
  },
};
