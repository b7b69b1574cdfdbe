import type { Sealer } from './sealer.js';

const LIMIT = 10_000;

/**
 * Key material sealed under the service's root key, opened once and then kept in memory in the
 * form its user computes with (an AES or HMAC KeyObject, a private key). It is the one cache of
 * unsealed keys in the service: the material of KMS keys and the key objects of the software
 * engine share it, so a hot call (Encrypt, Decrypt, Sign) does one operation with its key rather
 * than two, and every unsealed secret sits in one bounded place that forgets its oldest first.
 */
export class UnsealedKeys {
  private readonly entries = new Map<string, { sealed: string; value: unknown }>();

  constructor(
    private readonly sealer: Sealer,
    private readonly limit = LIMIT,
  ) {}

  /**
   * What `decode` makes of the material that `sealed` (base64) holds for `owner`, the associated
   * data it was sealed with. `decode` may keep no reference to the bytes it is given: they are
   * zeroed. An owner's entry is used only for the same sealed bytes, so material sealed anew for
   * the same owner (imported again, restored) is opened again rather than served stale.
   */
  open<T>(owner: string, sealed: string, decode: (raw: Buffer) => T): T {
    const hit = this.entries.get(owner);
    if (hit !== undefined && hit.sealed === sealed) return hit.value as T;
    const raw = this.sealer.open(Buffer.from(sealed, 'base64'), owner);
    let value: T;
    try {
      value = decode(raw);
    } finally {
      raw.fill(0);
    }
    if (hit === undefined && this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(owner, { sealed, value });
    return value;
  }

  /** Drops what was opened for `owner`, once its material is deleted. */
  forget(owner: string): void {
    this.entries.delete(owner);
  }

  get size(): number {
    return this.entries.size;
  }
}
