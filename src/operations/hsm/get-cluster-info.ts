import { clusterId, scopeOf } from './input.js';
import { hsmOperation } from './operation.js';

/** What a CLI tool reads at start-up, as the real ones read their configuration: the cluster's HSMs. */
export const getClusterInfo = hsmOperation('GetClusterInfo', async (input, ctx, hsm) => {
  const cluster = await hsm.contents.cluster(scopeOf(ctx), clusterId(input));
  return {
    ClusterId: cluster.clusterId,
    State: cluster.state,
    Hsms: cluster.hsms.map((h) => ({ HsmId: h.hsmId, AvailabilityZone: h.availabilityZone, EniIp: h.eniIp, State: h.state })),
  };
});
