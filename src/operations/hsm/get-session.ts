import { clusterId, scopeOf, sessionToken } from './input.js';
import { hsmOperation } from './operation.js';

/** Who a session token belongs to: how a tool resumes the session an earlier run left open. */
export const getSession = hsmOperation('GetSession', async (input, ctx, hsm) => {
  const { session, user } = await hsm.users.whoAmI(scopeOf(ctx), clusterId(input), sessionToken(input));
  return { Username: user.username, Role: user.role, OpenedAt: session.openedAt / 1000 };
});
