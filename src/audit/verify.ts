import { chainDigest, type ChainPoint } from './chain.js';
import { indexOf, type CloudTrailRecord, type RecordIndex } from './record.js';
import type { ChainReader, StoredRecord } from './repository.js';

export interface ChainProblem {
  /** The first record that is not what was appended (or the first that is missing). */
  seq: number;
  kind: 'altered' | 'removed' | 'added';
  eventId?: string;
  /**
   * The account the record belongs to, as it says (or as its column does, when it cannot be
   * read): a caller of another account is told the record's place and kind, not its id.
   */
  accountId?: string;
  /** Says nothing of the record's content, its eventID included: it is for any caller. */
  message: string;
}

export interface VerifyReport {
  valid: boolean;
  /** Records checked. */
  checked: number;
  /** Where the stored chain starts: the genesis (seq 0) or the last record a purge removed. */
  anchor: ChainPoint;
  /** The last record appended, as the writer remembers it. */
  head?: ChainPoint;
  problem?: ChainProblem;
}

const PAGE = 2000;

/**
 * Walks the whole stored chain from its anchor and reports the first record that was altered,
 * removed or slipped in: each record's digest must be SHA-256 over the previous digest and its
 * text, sequence numbers must not skip, the columns LookupEvents filters on must match the record,
 * and the chain must end at the head the writer last recorded. Pages are bounded in records and
 * bytes (ChainReader); the store runs this off the thread that answers calls (AuditStore.verify).
 */
export async function verifyTrail(store: ChainReader): Promise<VerifyReport> {
  const { anchor, head, losses = [] } = await store.chainEnds();
  const report: VerifyReport = { valid: true, checked: 0, anchor };
  if (head) report.head = head;
  // Records lost before they were stored leave no gap in the chain (the next stored record chains
  // on the last one stored before them): the store's account of them says where they belong.
  const loss = losses.find((l) => l.afterSeq >= anchor.seq);
  const lostHere = loss && { seq: loss.afterSeq + 1, kind: 'removed' as const, message: `the audit log lost what was written after record ${loss.afterSeq} before it was stored: ${loss.detail}` };
  let prev: ChainPoint = anchor;
  for (;;) {
    const rows = await store.chainPage(prev.seq, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (lostHere && loss.afterSeq < row.seq) return { ...report, valid: false, problem: lostHere };
      const problem = check(row, prev);
      if (problem) return { ...report, valid: false, problem };
      prev = { seq: row.seq, digest: row.digest };
      report.checked++;
    }
    // Let whatever shares the thread run between pages of a long trail.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (lostHere) return { ...report, valid: false, problem: lostHere };
  if (head && head.seq > prev.seq) {
    return {
      ...report,
      valid: false,
      problem: {
        seq: prev.seq + 1,
        kind: 'removed',
        message: `records ${range(prev.seq + 1, head.seq)} were removed from the end of the trail (the last record written was ${head.seq}, the last one stored is ${prev.seq})`,
      },
    };
  }
  if (head && (head.seq < prev.seq || head.digest !== prev.digest)) {
    return {
      ...report,
      valid: false,
      problem: {
        seq: head.seq < prev.seq ? head.seq + 1 : prev.seq,
        kind: head.seq < prev.seq ? 'added' : 'altered',
        message:
          head.seq < prev.seq
            ? `records after ${head.seq} were not written by Keywarden (the last record it wrote is ${head.seq}, the trail holds ${prev.seq})`
            : `record ${prev.seq} is not the last record Keywarden wrote: its digest differs from the one recorded at write time`,
      },
    };
  }
  return report;
}

function check(row: StoredRecord, prev: ChainPoint): ChainProblem | undefined {
  if (row.seq !== prev.seq + 1) {
    return {
      seq: prev.seq + 1,
      kind: 'removed',
      message: `records ${range(prev.seq + 1, row.seq - 1)} were removed (the trail jumps from record ${prev.seq} to record ${row.seq})`,
    };
  }
  const altered = (message: string): ChainProblem => {
    const { eventId, accountId } = ownerOf(row);
    return { seq: row.seq, kind: 'altered', ...(eventId ? { eventId } : {}), ...(accountId ? { accountId } : {}), message };
  };
  if (chainDigest(prev.digest, row.record) !== row.digest) {
    return altered(`record ${row.seq} was altered: its digest does not cover its content, or does not chain from record ${prev.seq}`);
  }
  const mismatch = indexMismatch(row);
  if (mismatch) return altered(`record ${row.seq} was altered: its ${mismatch} column no longer matches the record`);
  return undefined;
}

/** The first searchable column that differs from what the record says, if any. */
function indexMismatch(row: StoredRecord): string | undefined {
  let record: CloudTrailRecord;
  let expected: RecordIndex;
  try {
    record = JSON.parse(row.record) as CloudTrailRecord;
    expected = indexOf(record, row.eventTime);
  } catch {
    return 'record';
  }
  if (Date.parse(record.eventTime) !== row.eventTime) return 'event time';
  const pairs: Array<[string, unknown, unknown]> = [
    ['account', expected.accountId, row.accountId],
    ['region', expected.region, row.region],
    ['event id', expected.eventId, row.eventId],
    ['event name', expected.eventName, row.eventName],
    ['event source', expected.eventSource, row.eventSource],
    ['read-only', expected.readOnly, row.readOnly],
    ['username', expected.username, row.username],
    ['access key', expected.accessKeyId, row.accessKeyId],
    ['resources', JSON.stringify(expected.resources), JSON.stringify(row.resources)],
  ];
  return pairs.find(([, a, b]) => a !== b)?.[0];
}

/** The record's eventID and account, as its text says, or else as its columns do. */
function ownerOf(row: StoredRecord): { eventId?: string; accountId?: string } {
  try {
    const r = JSON.parse(row.record) as { eventID?: unknown; recipientAccountId?: unknown };
    return {
      ...(typeof r.eventID === 'string' ? { eventId: r.eventID } : {}),
      accountId: typeof r.recipientAccountId === 'string' ? r.recipientAccountId : row.accountId,
    };
  } catch {
    return { accountId: row.accountId };
  }
}

const range = (from: number, to: number) => (from === to ? String(from) : `${from} to ${to}`);
