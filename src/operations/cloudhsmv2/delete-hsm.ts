import { cloudHsmOperation } from './operation.js';

export const deleteHsm = cloudHsmOperation('DeleteHsm', async (input, ctx, s) => {
  const hsmId = await s.clusters.deleteHsm(ctx, input.ClusterId, { hsmId: input.HsmId, eniId: input.EniId, eniIp: input.EniIp });
  return { HsmId: hsmId };
});
