import { exportRecords, parseBound } from '../../audit/export.js';
import { ValidationException } from '../../core/common-errors.js';
import { adminOperation } from './operation.js';

/**
 * A page of the caller's account's audit records, oldest first, each a CloudTrail record as JSON
 * text exactly as stored, for `keywarden audit export`. Only the caller's account: the trail holds
 * every account's records, and nothing here lets one account read another's. Since and Until are
 * ISO 8601, epoch seconds, or a duration back from the service's clock (`24h`).
 */
export const exportAuditEvents = adminOperation('ExportAuditEvents', async (input, ctx, app) => {
  const startTime = input.Since === undefined ? 0 : parseBound(input.Since, app.audit.clock, 'Since');
  const endTime = input.Until === undefined ? Number.MAX_SAFE_INTEGER : parseBound(input.Until, app.audit.clock, 'Until');
  if (startTime > endTime) throw new ValidationException('Since must not be after Until.');
  const after = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isSafeInteger(after) || after < 0) throw new ValidationException('NextToken is not valid: pass the NextToken of the previous page.');
  // The model bounds MaxRecords (1 to 10000); pages are bounded in bytes as well (audit/export.ts).
  const page = await exportRecords(app.audit.store, ctx.accountId, { startTime, endTime }, after, input.MaxRecords);
  return page.nextSeq === undefined ? { Records: page.records } : { Records: page.records, NextToken: String(page.nextSeq) };
});
