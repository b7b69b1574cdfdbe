import { createHash } from 'node:crypto';
import { indexOfText, type RecordIndex } from './record.js';

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

/** A record with its place in the chain and the columns LookupEvents searches: what a store keeps. */
export interface LinkedRecord extends ChainPoint {
  record: string;
  index: RecordIndex;
}

export interface Links {
  records: LinkedRecord[];
  /** The chain's head after the last record linked. */
  head: ChainPoint;
  /** How many texts were linked: all, unless one is not a whole record (a write a crash tore); it and the rest are left. */
  taken: number;
}

/**
 * Gives records their places in the chain after `head`: the next sequence numbers, and digests
 * over the previous digest and the record's exact text. This is the whole of the chain's logic; a
 * store only has to run it on its current head and store the result atomically (ChainTail), so
 * that the chain stays one sequence whoever appends, from however many processes.
 */
export function linkRecords(head: ChainPoint, texts: Iterable<string>): Links {
  const records: LinkedRecord[] = [];
  let taken = 0;
  for (const record of texts) {
    let index: RecordIndex;
    try {
      index = indexOfText(record);
    } catch {
      break;
    }
    head = { seq: head.seq + 1, digest: chainDigest(head.digest, record) };
    records.push({ ...head, record, index });
    taken++;
  }
  return { records, head, taken };
}
