import { adminOperation } from './operation.js';
import { subnetToWire } from './subnet-shape.js';

export const createSubnet = adminOperation('CreateSubnet', async (input, ctx, app) => {
  const subnet = await app.cluster.network.createSubnet(ctx, {
    availabilityZone: input.AvailabilityZone,
    freeAddresses: input.FreeAddresses,
  });
  return { Subnet: subnetToWire(subnet) };
});
