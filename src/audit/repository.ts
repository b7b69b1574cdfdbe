import type { ChainPoint, LinkedRecord } from './chain.js';
import type { RecordIndex } from './record.js';
import type { VerifyReport } from './verify.js';

// The audit trail's storage port; storage/sqlite and storage/postgres implement it.

export type LookupAttributeKey =
  | 'EventId'
  | 'EventName'
  | 'ReadOnly'
  | 'Username'
  | 'ResourceType'
  | 'ResourceName'
  | 'EventSource'
  | 'AccessKeyId';

/** Position of a record in newest-first order: by event time, then by sequence number. */
export interface TrailPosition {
  eventTime: number;
  seq: number;
}

export interface LookupFilter {
  accountId: string;
  region: string;
  attribute?: { key: LookupAttributeKey; value: string };
  /** Inclusive bounds on the event time, in milliseconds. */
  startTime: number;
  endTime: number;
  /** Only records after this one in newest-first order. */
  after?: TrailPosition;
  limit: number;
}

export interface FoundRecord extends TrailPosition {
  record: string;
}

/** A record as stored: its place in the chain, its digest, its text and the columns derived from it. */
export interface StoredRecord extends RecordIndex {
  seq: number;
  digest: string;
  record: string;
}

/**
 * Records that were written to the trail, so acknowledged, and never stored: what a restart found
 * missing from the write-ahead log (cut short, emptied or removed behind the service's back).
 */
export interface LogLoss {
  /** The last record stored before them. */
  afterSeq: number;
  /** What was missing, in the storage's terms (which part of the log, how many bytes). */
  detail: string;
}

/** One page of an account's records for export, in trail order. */
export interface ExportPage {
  records: Array<{ seq: number; record: string }>;
  /** Records past the page match as well. */
  more: boolean;
}

/**
 * What verification reads: the stored chain, page by page. A page holds at most `limit` records
 * and stops early once it holds CHAIN_PAGE_BYTES of record text (with at least one record), so
 * that reading a trail of large records holds a bounded part of it in memory; an empty page is
 * the end of the chain.
 */
export interface ChainReader {
  /** Every stored record with `seq > afterSeq`, in sequence order, for verification. */
  chainPage(afterSeq: number, limit: number): Promise<StoredRecord[]>;
  /**
   * Where the stored chain must start (the genesis, or the last record a purge removed) and where
   * it must end (the last record appended), so removals at either end show.
   */
  chainEnds(): Promise<{ anchor: ChainPoint; head: ChainPoint | undefined; losses?: LogLoss[] }>;
}

export const CHAIN_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * What a store gives the chain: one ordered sequence of records, extended atomically, whoever
 * extends it. Every writer of the trail, in any process of a shared store, appends through it; the
 * chain's logic itself (numbers and digests: chain.ts, linkRecords) runs inside the append, on
 * the head as the store has it then, never on a head some process remembers.
 */
export interface ChainTail {
  /**
   * In one transaction that no other append interleaves with: reads the head (the last record
   * appended, or the anchor, or the genesis), runs `link` on it synchronously, stores the records
   * it returns (numbered on from that head) and makes the last of them the head. `link` may return
   * none; if it throws, nothing is stored. An embedded store may finish before it returns (SQLite:
   * BEGIN IMMEDIATE); one across the network resolves once committed (PostgreSQL: the head's row
   * read FOR UPDATE).
   */
  appendAfterHead(link: (head: ChainPoint) => LinkedRecord[]): void | Promise<void>;
}

/** How the writing side of the store stands, read at once, without waiting on writes (health checks, metrics). */
export interface AuditStoreCondition {
  /** Why records cannot be written now (a write failed, the log's file or directory is gone), if so. */
  problem?: string;
  /** Bytes of records written and not yet indexed for reads (0 where records are indexed as they are written). */
  backlogBytes: number;
}

export interface AuditStore extends ChainReader {
  /**
   * Appends a record (its canonical text: what the chain digest covers), to be given the next
   * sequence number and a digest chained to the previous record's. Resolves once it survives a
   * crash of the service, and, when `changed` (the record of a change of state), once it is on
   * disk. Records take their places in the chain in the order they were appended.
   */
  append(record: string, changed?: boolean): Promise<void>;
  /** Waits until every record appended so far is written. */
  flush(): Promise<void>;
  /** Newest first. */
  lookup(filter: LookupFilter): Promise<FoundRecord[]>;
  /**
   * One account's records in trail order with `seq > afterSeq` and an event time within the
   * bounds: at most `limit` records, and no more once the page holds `maxBytes` of record text
   * (at least one record, however large). Read where it does not hold up calls.
   */
  exportPage(accountId: string, startTime: number, endTime: number, afterSeq: number, limit: number, maxBytes: number): Promise<ExportPage>;
  /**
   * verifyTrail over every record appended so far, run where it does not hold up the thread that
   * answers calls; requests made while one runs share the next run.
   */
  verify(): Promise<VerifyReport>;
  /** Removes the oldest records, up to the first whose event time is at or after `cutoff`; returns how many. */
  purgeBefore(cutoff: number): Promise<number>;
  condition(): AuditStoreCondition;
  /** Writes what is pending and releases the store. */
  close(): Promise<void>;
}
