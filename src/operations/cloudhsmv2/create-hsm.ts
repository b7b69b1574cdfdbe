import { cloudHsmOperation } from './operation.js';
import { hsmToWire } from './shapes.js';

export const createHsm = cloudHsmOperation('CreateHsm', async (input, ctx, s) => {
  const { hsm, cluster } = await s.clusters.createHsm(ctx, input.ClusterId, {
    availabilityZone: input.AvailabilityZone,
    ipAddress: input.IpAddress,
  });
  return { Hsm: hsmToWire(hsm, cluster) };
});
