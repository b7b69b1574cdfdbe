import { adminOperation } from './operation.js';
import { subnetToWire } from './subnet-shape.js';

export const setFreeAddresses = adminOperation('SetFreeAddresses', async (input, ctx, app) => ({
  Subnet: subnetToWire(await app.cluster.network.setFreeAddresses(ctx, input.SubnetId, input.FreeAddresses)),
}));
