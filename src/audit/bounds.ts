// How much of a caller's request a record keeps. A call's parameters come from whoever holds a
// credential, and a call is recorded even when it is rejected, so without bounds one 2 MB body
// costs megabytes of trail, and a fuzzer gigabytes (issue 10). CloudTrail does the same for the
// same reason: a field over its maximum size is truncated, and the record says so ("omitted": true).
// What a record keeps, and how it says what was cut, is in docs/audit.md.

export const RECORD_LIMITS = {
  /**
   * Characters of a string a record keeps. A successful call keeps a longer one when its model
   * allows it (a key policy: 32 KiB, a description: 8 KiB), since the model bounded it already.
   */
  string: 1024,
  /** Members of an object or elements of a list. No model allows more than 50 where it sets a bound. */
  items: 100,
  /** Levels of objects and lists below requestParameters. The models' deepest input needs 6. */
  depth: 10,
  /** Characters of requestParameters (as JSON) for a call that failed; beyond it, null. */
  failedParameters: 8 * 1024,
  /** The same for a call that succeeded: room for a key policy with tags and a description. */
  parameters: 64 * 1024,
  /** Characters of responseElements, which only successful calls have. */
  responseElements: 64 * 1024,
  /** Places a record names as cut; more are only counted. */
  paths: 10,
  /** Characters of one key in such a place (keys of an encryption context are the caller's). */
  pathKey: 64,
} as const;

/** Where a value sits in requestParameters: its key, under its parent (built only where needed). */
export type Path = { readonly parent: Path; readonly key: string } | undefined;

export const child = (parent: Path, key: string): Path => ({ parent, key });

function render(path: Path): string {
  const keys: string[] = [];
  for (let p = path; p !== undefined; p = p.parent) keys.push(p.key.length > RECORD_LIMITS.pathKey ? cut(p.key, RECORD_LIMITS.pathKey) : p.key);
  return keys.reverse().join('.');
}

/** The first `limit` characters of `text` and `…`; a surrogate pair is not split. */
export function cut(text: string, limit: number): string {
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit) + '…';
}

/**
 * What a record cut from one of its fields (requestParameters or responseElements): each place,
 * with its size as sent (characters of a string, members of an object or list), or the whole
 * field when it stayed too large.
 */
export class Cuts {
  private places: Record<string, number> | undefined;
  private more = 0;
  private omitted = false;

  get any(): boolean {
    return this.places !== undefined || this.omitted;
  }

  add(path: Path, size: number): void {
    this.places ??= {};
    const at = render(path);
    if (Object.keys(this.places).length < RECORD_LIMITS.paths || at in this.places) this.places[at] = size;
    else this.more++;
  }

  /** The whole field is left out. */
  omit(): void {
    this.omitted = true;
  }

  /** How the record's `additionalEventData.truncated` describes it. */
  toJSON(): Record<string, unknown> {
    if (this.omitted) return { omitted: true };
    const out: Record<string, unknown> = { cut: this.places ?? {} };
    if (this.more > 0) out.moreCuts = this.more;
    return out;
  }
}

/** Members of an object, counting no further than `stop`. */
export function memberCount(value: object, stop = Number.MAX_SAFE_INTEGER): number {
  let n = 0;
  for (const _ in value) if (++n >= stop) break;
  return n;
}
