import { clusterId, optionalBoolean, optionalInteger, optionalString, requiredString, scopeOf, sessionToken } from './input.js';
import { keyShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/** A persistent AES key owned by the logged-in crypto user (for tests and the quick start). */
export const createKey = hsmOperation('CreateKey', async (input, ctx, hsm) => {
  const key = await hsm.keys.create(scopeOf(ctx), clusterId(input), sessionToken(input), {
    label: requiredString(input, 'Label', 127),
    id: optionalString(input, 'Id', 130),
    sizeBytes: optionalInteger(input, 'KeyLengthBytes', 16, 32),
    extractable: optionalBoolean(input, 'Extractable'),
  });
  return { Key: keyShape(key) };
});
