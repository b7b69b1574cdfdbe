import { HsmInvalidRequest } from '../../cluster/hsm-errors.js';
import { parseKeyFilter } from '../../cluster/key-objects.js';
import { clusterId, requiredString, scopeOf, sessionToken } from './input.js';
import { keyShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/** Every attribute of one key by its reference (handle); the caller must own or share it. */
export const getAttribute = hsmOperation('GetAttribute', async (input, ctx, hsm) => {
  const reference = requiredString(input, 'KeyReference', 20);
  const { handle } = parseKeyFilter([`key-reference=${reference}`]);
  if (handle === undefined) throw new HsmInvalidRequest('INVALID_INPUT', 'KeyReference is required.');
  return { Key: keyShape(await hsm.keys.get(scopeOf(ctx), clusterId(input), sessionToken(input), handle)) };
});
