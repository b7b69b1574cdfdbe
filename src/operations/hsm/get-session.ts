import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, scopeOf, sessionToken } from './input.js';

/** Who a session token belongs to: how a tool resumes the session an earlier run left open. */
export const getSession: Operation<HsmServices> = {
  name: 'GetSession',
  async handle(input, ctx, hsm) {
    const { session, user } = await hsm.users.whoAmI(scopeOf(ctx), clusterId(input), sessionToken(input));
    return { Username: user.username, Role: user.role, OpenedAt: session.openedAt / 1000 };
  },
};
