import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';

export const revokeGrant: Operation<KmsServices> = {
  name: 'RevokeGrant',
  async handle(input: { KeyId: string; GrantId: string; DryRun?: boolean }, ctx, kms) {
    await kms.grants.revoke(ctx, input.KeyId, input.GrantId, input.DryRun);
    return {};
  },
};
