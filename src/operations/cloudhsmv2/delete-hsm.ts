import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';

interface Input {
  ClusterId: string;
  HsmId?: string;
  EniId?: string;
  EniIp?: string;
}

export const deleteHsm: Operation<ClusterServices> = {
  name: 'DeleteHsm',
  async handle(input: Input, ctx, s) {
    const hsmId = await s.clusters.deleteHsm(ctx, input.ClusterId, { hsmId: input.HsmId, eniId: input.EniId, eniIp: input.EniIp });
    return { HsmId: hsmId };
  },
};
