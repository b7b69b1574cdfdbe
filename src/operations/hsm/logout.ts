import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, scopeOf, sessionToken } from './input.js';

export const logout: Operation<HsmServices> = {
  name: 'Logout',
  async handle(input, ctx, hsm) {
    await hsm.users.logout(scopeOf(ctx), clusterId(input), sessionToken(input));
    return {};
  },
};
