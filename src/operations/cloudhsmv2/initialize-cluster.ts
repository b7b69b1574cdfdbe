import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';

interface Input {
  ClusterId: string;
  SignedCert: string;
  TrustAnchor: string;
}

export const initializeCluster: Operation<ClusterServices> = {
  name: 'InitializeCluster',
  async handle(input: Input, ctx, s) {
    const cluster = await s.clusters.initialize(ctx, input.ClusterId, { signedCert: input.SignedCert, trustAnchor: input.TrustAnchor });
    return cluster.stateMessage === undefined ? { State: cluster.state } : { State: cluster.state, StateMessage: cluster.stateMessage };
  },
};
