import { LimitExceededException, TagException } from './errors.js';
import type { Tag } from './key.js';

const MAX_TAGS = 50;

/** Merges new tags into a key's tags the way TagResource does: a known key gets the new value. */
export function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  checkTagKeys(added.map((t) => t.key));
  const seen = new Set<string>();
  for (const t of added) {
    if (seen.has(t.key)) throw new TagException('Duplicate tag keys');
    seen.add(t.key);
  }
  // AWS refuses a request that itself carries too many tags as a bad tag list, not as a quota.
  if (seen.size > MAX_TAGS) throw new TagException('Too many tags');
  const merged = new Map(current.map((t) => [t.key, t.value]));
  for (const t of added) merged.set(t.key, t.value);
  if (merged.size > MAX_TAGS) throw new LimitExceededException(`A KMS key can have at most ${MAX_TAGS} tags.`);
  return [...merged].map(([key, value]) => ({ key, value }));
}

export function removeTags(current: Tag[], keys: string[]): Tag[] {
  checkTagKeys(keys);
  const drop = new Set(keys);
  return current.filter((t) => !drop.has(t.key));
}

function checkTagKeys(keys: string[]): void {
  for (const k of keys) {
    if (k.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
  }
}
