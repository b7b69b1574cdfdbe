import { cloudHsmOperation } from './operation.js';

export const initializeCluster = cloudHsmOperation('InitializeCluster', async (input, ctx, s) => {
  const cluster = await s.clusters.initialize(ctx, input.ClusterId, { signedCert: input.SignedCert, trustAnchor: input.TrustAnchor });
  return cluster.stateMessage === undefined ? { State: cluster.state } : { State: cluster.state, StateMessage: cluster.stateMessage };
});
