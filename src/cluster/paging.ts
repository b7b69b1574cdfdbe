import { CloudHsmInvalidRequestException } from './errors.js';

// CloudHSM's NextToken: opaque to the client, here the sort key of the last item returned.

export interface Paged<T> {
  items: T[];
  next?: string;
}

/**
 * One page of `items` (sorted by `keyOf`, ascending unless `descending`) after the item whose key
 * the token names.
 */
export function page<T>(items: T[], keyOf: (item: T) => string, limit: number, token: string | undefined, descending = false): Paged<T> {
  let start = 0;
  if (token !== undefined) {
    const after = decode(token);
    const i = items.findIndex((item) => keyOf(item) === after);
    // An item that vanished since: continue from where it would have been.
    start = i >= 0 ? i + 1 : items.findIndex((item) => (descending ? keyOf(item) < after : keyOf(item) > after));
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: slice, next: more ? Buffer.from(keyOf(slice[slice.length - 1]!), 'utf8').toString('base64url') : undefined };
}

function decode(token: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!/^[\x20-\x7e]+$/.test(text)) throw new CloudHsmInvalidRequestException('The NextToken is not valid. Use the NextToken value of a previous response.');
  return text;
}
