import { clusterId, requiredString, role, scopeOf } from './input.js';
import { hsmOperation } from './operation.js';

/** Opens a session that lasts until Logout; the token is the caller's proof of login. */
export const login = hsmOperation('Login', async (input, ctx, hsm) => {
  const session = await hsm.users.login(scopeOf(ctx), clusterId(input), {
    username: requiredString(input, 'Username', 64),
    role: role(input),
    password: requiredString(input, 'Password', 64),
  });
  return { SessionToken: session.sessionId, Username: session.username, Role: session.role };
});
