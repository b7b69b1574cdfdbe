import type { HsmServices } from '../../cluster/hsm-services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterId, scopeOf } from './input.js';
import { userShape } from './shapes.js';

/** Needs no login. */
export const listUsers: Operation<HsmServices> = {
  name: 'ListUsers',
  async handle(input, ctx, hsm) {
    return { Users: (await hsm.users.list(scopeOf(ctx), clusterId(input))).map(userShape) };
  },
};
