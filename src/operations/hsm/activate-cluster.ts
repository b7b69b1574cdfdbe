import { clusterId, requiredString, scopeOf } from './input.js';
import { hsmOperation } from './operation.js';

/** CloudHSM CLI's `cluster activate`: the new admin password; the cluster becomes ACTIVE. */
export const activateCluster = hsmOperation('ActivateCluster', async (input, ctx, hsm) => {
  await hsm.users.activate(scopeOf(ctx), clusterId(input), requiredString(input, 'Password', 64));
  return {};
});
