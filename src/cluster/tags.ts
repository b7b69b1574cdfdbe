import { CloudHsmResourceLimitExceededException, CloudHsmTagException } from './errors.js';
import type { Tag } from './model.js';

export const MAX_TAGS = 50;

/** Checks a request's tags: unique keys, none under the reserved `aws:` prefix. */
export function checkTags(tags: Tag[]): Tag[] {
  checkKeys(tags.map((t) => t.key));
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.key)) throw new CloudHsmTagException(`The tag key ${t.key} appears more than once in the request.`);
    seen.add(t.key);
  }
  if (tags.length > MAX_TAGS) throw new CloudHsmTagException(`A resource can have at most ${MAX_TAGS} tags.`);
  return tags;
}

/** TagResource: a known key gets the new value, a new key is added, up to 50 tags. */
export function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  checkTags(added);
  const merged = new Map(current.map((t) => [t.key, t.value]));
  for (const t of added) merged.set(t.key, t.value);
  if (merged.size > MAX_TAGS) {
    throw new CloudHsmResourceLimitExceededException(`A resource can have at most ${MAX_TAGS} tags; this request would give it ${merged.size}.`);
  }
  return [...merged].map(([key, value]) => ({ key, value }));
}

export function removeTags(current: Tag[], keys: readonly string[]): Tag[] {
  checkKeys(keys);
  const drop = new Set(keys);
  return current.filter((t) => !drop.has(t.key));
}

function checkKeys(keys: readonly string[]): void {
  for (const k of keys) {
    if (k.toLowerCase().startsWith('aws:')) throw new CloudHsmTagException(`Tag keys beginning with 'aws:' are reserved for AWS: ${k}`);
  }
}
