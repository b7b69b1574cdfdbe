import { adminOperation } from './operation.js';
import { subnetToWire } from './subnet-shape.js';

export const deleteSubnet = adminOperation('DeleteSubnet', async (input, ctx, app) => {
  const subnet = await app.cluster.network.deleteSubnet(ctx, input.SubnetId);
  return { Subnet: subnetToWire(subnet) };
});
