import { adminOperation } from './operation.js';
import { subnetToWire } from './subnet-shape.js';

export const listSubnets = adminOperation('ListSubnets', async (_input, ctx, app) => {
  const vpcId = await app.cluster.network.vpc(ctx);
  return { VpcId: vpcId, Subnets: (await app.cluster.network.list(ctx)).map(subnetToWire) };
});
