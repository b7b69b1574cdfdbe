import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds } from '../wire.js';

export const getKeyRotationStatus: Operation<KmsServices> = {
  name: 'GetKeyRotationStatus',
  async handle(input: { KeyId: string }, ctx, kms) {
    const status = await kms.rotation.status(ctx, input.KeyId);
    // The period and the next date exist only while automatic rotation is on. On-demand rotations
    // finish within their call, so OnDemandRotationStartDate never appears.
    const out: Record<string, unknown> = { KeyId: status.view.arn, KeyRotationEnabled: status.enabled };
    if (status.enabled) {
      out.RotationPeriodInDays = status.periodDays;
      if (status.nextRotationAt !== undefined) out.NextRotationDate = epochSeconds(status.nextRotationAt);
    }
    return out;
  },
};
