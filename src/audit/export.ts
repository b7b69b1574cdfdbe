import type { Clock } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import { parseDuration } from '../core/duration.js';
import type { AuditStore } from './repository.js';

export const EXPORT_PAGE = 1000;
/**
 * Record text in one page, whatever MaxRecords says: a page of large records stays a bounded
 * answer (a page of a thousand 2 MB records once made the answer too long a string to build).
 */
export const EXPORT_PAGE_BYTES = 1024 * 1024;

/**
 * A bound of `keywarden audit export --since/--until`: an ISO 8601 time, epoch seconds, or a
 * duration back from the service's clock (`24h`, `7d`).
 */
export function parseBound(text: string, clock: Clock, member: string): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return clock.now() - ms;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  throw new ValidationException(`${member} '${text}' is neither a time (2026-01-31T12:00:00Z) nor a duration back from now (24h, 7d).`);
}

/**
 * One page of an account's records, oldest first, as stored (each a CloudTrail record in JSON):
 * at most `limit` records and about EXPORT_PAGE_BYTES of them, at least one.
 */
export async function exportRecords(
  store: AuditStore,
  accountId: string,
  range: { startTime: number; endTime: number },
  afterSeq: number,
  limit = EXPORT_PAGE,
): Promise<{ records: string[]; nextSeq?: number }> {
  const page = await store.exportPage(accountId, range.startTime, range.endTime, afterSeq, limit, EXPORT_PAGE_BYTES);
  const records = page.records.map((r) => r.record);
  return page.more && page.records.length > 0 ? { records, nextSeq: page.records[page.records.length - 1]!.seq } : { records };
}
