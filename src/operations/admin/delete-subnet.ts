import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import { requiredString, subnetToWire } from './subnet-shape.js';

export const deleteSubnet: Operation<AdminApp> = {
  name: 'DeleteSubnet',
  async handle(input: Record<string, unknown>, ctx, app) {
    const subnet = await app.cluster.network.deleteSubnet(ctx, requiredString(input, 'SubnetId', 'subnet-0123456789abcdef0'));
    return { Subnet: subnetToWire(subnet) };
  },
};
