import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, requiredString, scopeOf } from './input.js';

/** CloudHSM CLI's `cluster activate`: the new admin password; the cluster becomes ACTIVE. */
export const activateCluster: Operation<HsmServices> = {
  name: 'ActivateCluster',
  async handle(input, ctx, hsm) {
    await hsm.users.activate(scopeOf(ctx), clusterId(input), requiredString(input, 'Password', 64));
    return {};
  },
};
