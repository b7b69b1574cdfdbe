import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const retireGrant: Operation<KmsServices> = {
  name: 'RetireGrant',
  async handle(input: { GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean }, ctx, kms) {
    await kms.grants.retire(ctx, { grantToken: input.GrantToken, keyId: input.KeyId, grantId: input.GrantId, dryRun: input.DryRun });
    return {};
  },
};
