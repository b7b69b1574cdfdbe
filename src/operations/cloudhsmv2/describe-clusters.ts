import { cloudHsmOperation } from './operation.js';
import { clusterToWire, nextToken } from './shapes.js';

export const describeClusters = cloudHsmOperation('DescribeClusters', async (input, ctx, s) => {
  const page = await s.clusters.describe(ctx, { filters: input.Filters, nextToken: input.NextToken, maxResults: input.MaxResults });
  return { Clusters: page.items.map(clusterToWire), ...nextToken(page.next) };
});
