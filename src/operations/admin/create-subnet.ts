import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import { optionalCount, requiredString, subnetToWire } from './subnet-shape.js';

export const createSubnet: Operation<AdminApp> = {
  name: 'CreateSubnet',
  async handle(input: Record<string, unknown>, ctx, app) {
    const subnet = await app.cluster.network.createSubnet(ctx, {
      availabilityZone: requiredString(input, 'AvailabilityZone', `${ctx.region}a`),
      freeAddresses: optionalCount(input, 'FreeAddresses'),
    });
    return { Subnet: subnetToWire(subnet) };
  },
};
