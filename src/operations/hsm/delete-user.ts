import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, requiredString, role, scopeOf, sessionToken } from './input.js';
import { userShape } from './shapes.js';

export const deleteUser: Operation<HsmServices> = {
  name: 'DeleteUser',
  async handle(input, ctx, hsm) {
    const user = await hsm.users.remove(scopeOf(ctx), clusterId(input), sessionToken(input), {
      username: requiredString(input, 'Username', 64),
      role: role(input),
    });
    return { User: userShape(user) };
  },
};
