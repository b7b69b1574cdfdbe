import type { Clock } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';
import { parseDuration } from '../core/duration.js';
import type { AuditStore } from './repository.js';

export const EXPORT_PAGE = 1000;

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

/** One page of an account's records, oldest first, as stored (each a CloudTrail record in JSON). */
export async function exportRecords(
  store: AuditStore,
  accountId: string,
  range: { startTime: number; endTime: number },
  afterSeq: number,
  limit = EXPORT_PAGE,
): Promise<{ records: string[]; nextSeq?: number }> {
  const rows = await store.exportPage(accountId, range.startTime, range.endTime, afterSeq, limit + 1);
  const page = rows.slice(0, limit);
  const records = page.map((r) => r.record);
  return rows.length > limit ? { records, nextSeq: page[page.length - 1]!.seq } : { records };
}
