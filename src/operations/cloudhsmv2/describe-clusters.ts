import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterToWire, paged } from './shapes.js';

interface Input {
  Filters?: Record<string, string[]>;
  NextToken?: string;
  MaxResults?: number;
}

export const describeClusters: Operation<ClusterServices> = {
  name: 'DescribeClusters',
  async handle(input: Input, ctx, s) {
    const page = await s.clusters.describe(ctx, { filters: input.Filters, nextToken: input.NextToken, maxResults: input.MaxResults });
    return paged('Clusters', page.items.map(clusterToWire), page.next);
  },
};
