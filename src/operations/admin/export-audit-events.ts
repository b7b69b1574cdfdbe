import { exportRecords, parseBound } from '../../audit/export.js';
import { ValidationException } from '../../core/common-errors.js';
import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';

interface Input {
  /** ISO 8601, epoch seconds, or a duration back from the service's clock (`24h`). */
  Since?: unknown;
  Until?: unknown;
  NextToken?: unknown;
  MaxRecords?: unknown;
}

/**
 * A page of the caller's account's audit records, oldest first, each a CloudTrail record as JSON
 * text exactly as stored, for `keywarden audit export`. Only the caller's account: the trail holds
 * every account's records, and nothing here lets one account read another's.
 */
export const exportAuditEvents: Operation<AdminApp> = {
  name: 'ExportAuditEvents',
  async handle(input: Input, ctx, app) {
    const startTime = input.Since === undefined ? 0 : parseBound(text(input.Since, 'Since'), app.audit.clock, 'Since');
    const endTime = input.Until === undefined ? Number.MAX_SAFE_INTEGER : parseBound(text(input.Until, 'Until'), app.audit.clock, 'Until');
    if (startTime > endTime) throw new ValidationException('Since must not be after Until.');
    const after = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isSafeInteger(after) || after < 0) throw new ValidationException('NextToken is not valid: pass the NextToken of the previous page.');
    // The model bounds MaxRecords (1 to 10000); pages are bounded in bytes as well (audit/export.ts).
    const max = input.MaxRecords === undefined ? undefined : Number(input.MaxRecords);
    const page = await exportRecords(app.audit.store, ctx.accountId, { startTime, endTime }, after, max);
    return page.nextSeq === undefined ? { Records: page.records } : { Records: page.records, NextToken: String(page.nextSeq) };
  },
};

function text(v: unknown, member: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new ValidationException(`${member} must be a time (2026-01-31T12:00:00Z) or a duration (24h).`);
}
