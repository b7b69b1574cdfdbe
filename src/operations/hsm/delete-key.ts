import { HsmInvalidRequest } from '../../cluster/hsm-errors.js';
import { parseKeyFilter } from '../../cluster/key-objects.js';
import { clusterId, optionalStrings, scopeOf, sessionToken } from './input.js';
import { keyShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/** Deletes the one key the filters select; the caller must own it. */
export const deleteKey = hsmOperation('DeleteKey', async (input, ctx, hsm) => {
  const filters = optionalStrings(input, 'Filters');
  if (filters.length === 0) throw new HsmInvalidRequest('INVALID_INPUT', 'Filters is required: key-reference=0x… or attr.NAME=VALUE.');
  const key = await hsm.keys.remove(scopeOf(ctx), clusterId(input), sessionToken(input), parseKeyFilter(filters));
  return { Key: keyShape(key) };
});
