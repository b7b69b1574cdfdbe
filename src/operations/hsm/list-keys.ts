import { HsmInvalidRequest } from '../../cluster/hsm-errors.js';
import { parseKeyFilter } from '../../cluster/key-objects.js';
import { clusterId, optionalInteger, optionalString, optionalStrings, scopeOf, sessionToken } from './input.js';
import { keyShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/**
 * The keys the caller may see, selected by CloudHSM CLI filters (`attr.label=…`, `attr.id=0x…`,
 * `key-reference=0x…`), ten at a time unless MaxItems says otherwise; NextToken resumes.
 */
export const listKeys = hsmOperation('ListKeys', async (input, ctx, hsm) => {
  const filter = parseKeyFilter(optionalStrings(input, 'Filters'));
  const max = optionalInteger(input, 'MaxItems', 1, 10_000) ?? 10;
  const token = optionalString(input, 'StartingToken', 20);
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isSafeInteger(start) || start < 0) throw new HsmInvalidRequest('INVALID_INPUT', `StartingToken '${token}' is not one this API returned.`);
  const keys = await hsm.keys.list(scopeOf(ctx), clusterId(input), sessionToken(input), filter);
  const page = keys.slice(start, start + max);
  const next = start + page.length < keys.length ? String(start + page.length) : undefined;
  return { Keys: page.map(keyShape), TotalKeyCount: keys.length, ...(next && { NextToken: next }) };
});
