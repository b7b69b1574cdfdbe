import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, requiredString, role, scopeOf } from './input.js';

/** Opens a session that lasts until Logout; the token is the caller's proof of login. */
export const login: Operation<HsmServices> = {
  name: 'Login',
  async handle(input, ctx, hsm) {
    const session = await hsm.users.login(scopeOf(ctx), clusterId(input), {
      username: requiredString(input, 'Username', 64),
      role: role(input),
      password: requiredString(input, 'Password', 64),
    });
    return { SessionToken: session.sessionId, Username: session.username, Role: session.role };
  },
};
