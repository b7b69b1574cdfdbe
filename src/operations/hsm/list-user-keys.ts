import { clusterId, requiredInteger, scopeOf, sessionToken } from './input.js';
import { hsmOperation } from './operation.js';

/** cloudhsm_mgmt_util's findAllKeys: the handles a user owns or shares; admins only. */
export const listUserKeys = hsmOperation('ListUserKeys', async (input, ctx, hsm) => {
  const keys = await hsm.keys.ofUser(scopeOf(ctx), clusterId(input), sessionToken(input), requiredInteger(input, 'UserId', 1, 1_000_000));
  return { Keys: keys.map(({ key, shared }) => ({ Handle: key.handle, Shared: shared })) };
});
