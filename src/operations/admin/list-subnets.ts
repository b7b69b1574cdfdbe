import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import { subnetToWire } from './subnet-shape.js';

export const listSubnets: Operation<AdminApp> = {
  name: 'ListSubnets',
  async handle(_input, ctx, app) {
    const vpcId = await app.cluster.network.vpc(ctx);
    return { VpcId: vpcId, Subnets: (await app.cluster.network.list(ctx)).map(subnetToWire) };
  },
};
