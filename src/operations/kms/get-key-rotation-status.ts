import type { GetKeyRotationStatusResponse } from '../../protocol/models/kms.types.js';
import { epochSeconds } from '../wire.js';
import { kmsOperation } from './operation.js';

export const getKeyRotationStatus = kmsOperation('GetKeyRotationStatus', async (input, ctx, kms) => {
  const status = await kms.rotation.status(ctx, input.KeyId);
  // The period and the next date exist only while automatic rotation is on. On-demand rotations
  // finish within their call, so OnDemandRotationStartDate never appears.
  const out: GetKeyRotationStatusResponse = { KeyId: status.view.arn, KeyRotationEnabled: status.enabled };
  if (status.enabled) {
    out.RotationPeriodInDays = status.periodDays;
    if (status.nextRotationAt !== undefined) out.NextRotationDate = epochSeconds(status.nextRotationAt);
  }
  return out;
});
