import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness as the domain sees it; tests may pass a deterministic source. */
export interface Random {
  /** Secret-grade random bytes in a buffer of their own (key material, data keys, salts). */
  bytes(n: number): Buffer;
  /**
   * Random bytes that are unique but not secret (IVs): may be a slice of a shared pool, so the
   * caller must neither write to it nor zero it.
   */
  nonce(n: number): Buffer;
  uuid(): string;
}

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** Nonces come from a pool filled by one randomBytes call, so the hot path does not pay a system call per IV; each pool byte is handed out once. */
function pooledNonce(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  if (offset + n > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

export const secureRandom: Random = {
  bytes: (n) => randomBytes(n),
  nonce: pooledNonce,
  uuid: () => randomUUID(),
};
