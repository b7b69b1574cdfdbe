import type { GrantOperation } from '../../kms/grant-rules.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { constraintsFromWire, type WireGrantConstraints } from './grant-entry.js';

interface Input {
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  Operations: GrantOperation[];
  Constraints?: WireGrantConstraints;
  GrantTokens?: string[];
  Name?: string;
  DryRun?: boolean;
}

export const createGrant: Operation<KmsServices> = {
  name: 'CreateGrant',
  async handle(input: Input, ctx, kms) {
    const { grant, token } = await kms.grants.create(ctx, {
      keyId: input.KeyId,
      granteePrincipal: input.GranteePrincipal,
      retiringPrincipal: input.RetiringPrincipal,
      operations: input.Operations,
      constraints: constraintsFromWire(input.Constraints),
      grantTokens: input.GrantTokens,
      name: input.Name,
      dryRun: input.DryRun,
    });
    return { GrantToken: token, GrantId: grant.grantId };
  },
};
