import { clusterId, scopeOf, sessionToken } from './input.js';
import { hsmOperation } from './operation.js';

export const logout = hsmOperation('Logout', async (input, ctx, hsm) => {
  await hsm.users.logout(scopeOf(ctx), clusterId(input), sessionToken(input));
  return {};
});
