import { chainDigest, type ChainPoint } from './chain.js';
import { indexOf, type CloudTrailRecord, type RecordIndex } from './record.js';
import type { AuditStore, StoredRecord } from './repository.js';

export interface ChainProblem {
  /** The first record that is not what was appended (or the first that is missing). */
  seq: number;
  kind: 'altered' | 'removed' | 'added';
  eventId?: string;
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
 * and the chain must end at the head the writer last recorded.
 */
export async function verifyTrail(store: AuditStore): Promise<VerifyReport> {
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
    for (const row of rows) {
      if (lostHere && loss.afterSeq < row.seq) return { ...report, valid: false, problem: lostHere };
      const problem = check(row, prev);
      if (problem) return { ...report, valid: false, problem };
      prev = { seq: row.seq, digest: row.digest };
      report.checked++;
    }
    if (rows.length < PAGE) break;
    // Let the service answer calls between pages of a long trail.
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
  const eventId = eventIdOf(row.record);
  const at = (kind: ChainProblem['kind'], message: string): ChainProblem => ({ seq: row.seq, kind, ...(eventId ? { eventId } : {}), message });
  if (row.seq !== prev.seq + 1) {
    return {
      seq: prev.seq + 1,
      kind: 'removed',
      message: `records ${range(prev.seq + 1, row.seq - 1)} were removed (the trail jumps from record ${prev.seq} to record ${row.seq})`,
    };
  }
  if (chainDigest(prev.digest, row.record) !== row.digest) {
    return at('altered', `record ${row.seq}${eventId ? ` (eventID ${eventId})` : ''} was altered: its digest does not cover its content, or does not chain from record ${prev.seq}`);
  }
  const mismatch = indexMismatch(row);
  if (mismatch) return at('altered', `record ${row.seq}${eventId ? ` (eventID ${eventId})` : ''} was altered: its ${mismatch} column no longer matches the record`);
  return undefined;
}

/** The first searchable column that differs from what the record says, if any. */
function indexMismatch(row: StoredRecord): string | undefined {
  let expected: RecordIndex;
  try {
    expected = indexOf(JSON.parse(row.record) as CloudTrailRecord, row.eventTime);
  } catch {
    return 'record';
  }
  if (Date.parse((JSON.parse(row.record) as CloudTrailRecord).eventTime) !== row.eventTime) return 'event time';
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

function eventIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { eventID?: unknown }).eventID;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

const range = (from: number, to: number) => (from === to ? String(from) : `${from} to ${to}`);
