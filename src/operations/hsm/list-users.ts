import { clusterId, scopeOf } from './input.js';
import { userShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/** Needs no login. */
export const listUsers = hsmOperation('ListUsers', async (input, ctx, hsm) => {
  return { Users: (await hsm.users.list(scopeOf(ctx), clusterId(input))).map(userShape) };
});
