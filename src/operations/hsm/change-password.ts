import { clusterId, requiredString, role, scopeOf, sessionToken } from './input.js';
import { userShape } from './shapes.js';
import { hsmOperation } from './operation.js';

export const changePassword = hsmOperation('ChangePassword', async (input, ctx, hsm) => {
  const user = await hsm.users.changePassword(scopeOf(ctx), clusterId(input), sessionToken(input), {
    username: requiredString(input, 'Username', 64),
    role: role(input),
    password: requiredString(input, 'Password', 64),
  });
  return { User: userShape(user) };
});
