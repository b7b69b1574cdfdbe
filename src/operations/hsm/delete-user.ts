import { clusterId, requiredString, role, scopeOf, sessionToken } from './input.js';
import { userShape } from './shapes.js';
import { hsmOperation } from './operation.js';

export const deleteUser = hsmOperation('DeleteUser', async (input, ctx, hsm) => {
  const user = await hsm.users.remove(scopeOf(ctx), clusterId(input), sessionToken(input), {
    username: requiredString(input, 'Username', 64),
    role: role(input),
  });
  return { User: userShape(user) };
});
