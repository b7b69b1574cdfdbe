import { cloudHsmOperation } from './operation.js';
import { backupToWire, nextToken } from './shapes.js';

export const describeBackups = cloudHsmOperation('DescribeBackups', async (input, ctx, s) => {
  // Shared=true asks for backups other accounts shared with this one; Keywarden has none to show.
  if (input.Shared === true) return { Backups: [] };
  const page = await s.backups.describe(ctx, {
    filters: input.Filters,
    sortAscending: input.SortAscending,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { Backups: page.items.map(backupToWire), ...nextToken(page.next) };
});
