import { createHash } from 'node:crypto';

// Each record carries a digest chained to the one before it: SHA-256 over the previous digest and
// the record's canonical text (the exact JSON stored). Changing a record's text breaks its own
// digest; recomputing that digest breaks the next record's; removing a record leaves a gap in the
// sequence numbers and a next record whose digest was computed over the removed one. Anyone can
// check the chain without a secret.

/** The digest the first record of a fresh trail chains to. */
export const GENESIS_DIGEST = '0'.repeat(64);

export function chainDigest(previous: string, record: string): string {
  return createHash('sha256').update(previous).update('\n').update(record).digest('hex');
}

/** A point of the chain: the record with this sequence number had this digest. */
export interface ChainPoint {
  seq: number;
  digest: string;
}

export const GENESIS: ChainPoint = { seq: 0, digest: GENESIS_DIGEST };
