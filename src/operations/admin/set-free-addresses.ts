import { ValidationException } from '../../core/common-errors.js';
import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import { optionalCount, requiredString, subnetToWire } from './subnet-shape.js';

export const setFreeAddresses: Operation<AdminApp> = {
  name: 'SetFreeAddresses',
  async handle(input: Record<string, unknown>, ctx, app) {
    const subnetId = requiredString(input, 'SubnetId', 'subnet-0123456789abcdef0');
    const count = optionalCount(input, 'FreeAddresses');
    if (count === undefined) throw new ValidationException('FreeAddresses is required, for example 0.');
    return { Subnet: subnetToWire(await app.cluster.network.setFreeAddresses(ctx, subnetId, count)) };
  },
};
