import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { hsmToWire } from './shapes.js';

interface Input {
  ClusterId: string;
  AvailabilityZone: string;
  IpAddress?: string;
}

export const createHsm: Operation<ClusterServices> = {
  name: 'CreateHsm',
  async handle(input: Input, ctx, s) {
    const { hsm, cluster } = await s.clusters.createHsm(ctx, input.ClusterId, {
      availabilityZone: input.AvailabilityZone,
      ipAddress: input.IpAddress,
    });
    return { Hsm: hsmToWire(hsm, cluster) };
  },
};
